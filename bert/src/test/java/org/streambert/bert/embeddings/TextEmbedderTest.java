package org.streambert.bert.embeddings;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.streambert.bert.model.Activation;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.BertModel;
import org.streambert.bert.model.EncoderOutput;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.model.TinyBert;
import org.streambert.bert.model.WeightSource;
import org.streambert.bert.tokenizer.Vocab;
import org.streambert.bert.tokenizer.WordPieceTokenizer;

class TextEmbedderTest {
  private static final WordPieceTokenizer TOK = new WordPieceTokenizer(Vocab.of(List.of("[PAD]", "[UNK]", "[CLS]",
      "[SEP]", "[MASK]", "kafka", "streams", "are", "logs", "cats", "sleep", "a", "lot", ".")), true);
  private static final BertConfig CFG = new BertConfig(TOK.vocabSize(), 32, 2, 2, 64, Activation.GELU_TANH, 0.1, 0.1,
      64, 2, 0.02);
  private static BertModel model;

  @BeforeAll
  static void create() {
    model = BertModel.create(CFG, HeadsSpec.NONE,
        WeightSource.ofArrays(TinyBert.randomWeights(CFG, HeadsSpec.NONE, 9)));
  }

  @AfterAll
  static void close() {
    model.close();
  }

  @Test
  void shouldGiveIdenticalTextsIdenticalEmbeddings() {
    for (EmbeddingPooling pooling : EmbeddingPooling.values()) {
      TextEmbedder embedder = new TextEmbedder(model, TOK, pooling, 32);
      float[][] v = embedder.embedAll(List.of("Kafka streams are logs.", "Kafka streams are logs."));
      // Rows of one batch, or batches of other sizes, may go through differently blocked oneDNN kernels: equal up to
      // float rounding (observed: 1 ulp), not necessarily bit for bit.
      assertArrayEquals(v[0], v[1], 1e-5f, pooling.name() + ", twice in one batch");
      float[] alone = embedder.embed("Kafka streams are logs.");
      assertArrayEquals(alone, embedder.embed("Kafka streams are logs."), pooling.name() + ", same call twice");
      assertArrayEquals(alone, v[0], 1e-5f, pooling.name() + ", alone vs in a batch of two");
    }
  }

  @Test
  void shouldGiveDifferentTextsDifferentEmbeddings() {
    for (EmbeddingPooling pooling : EmbeddingPooling.values()) {
      float[][] v = new TextEmbedder(model, TOK, pooling, 32)
          .embedAll(List.of("Kafka streams are logs.", "Cats sleep a lot."));
      double maxDiff = 0;
      for (int k = 0; k < v[0].length; k++) {
        maxDiff = Math.max(maxDiff, Math.abs(v[0][k] - v[1][k]));
      }
      assertTrue(maxDiff > 1e-3, pooling.name() + ": max difference " + maxDiff);
      assertEquals(CFG.hiddenSize(), v[0].length);
    }
  }

  @Test
  void shouldNotLetPaddingChangeAMeanPooledEmbedding() {
    TextEmbedder embedder = new TextEmbedder(model, TOK, EmbeddingPooling.MEAN, 32);
    float[] alone = embedder.embed("cats sleep");
    float[] padded = embedder.embedAll(List.of("cats sleep", "kafka streams are logs . cats sleep a lot ."))[0];
    assertArrayEquals(alone, padded, 1e-5f);
  }

  @Test
  void shouldAverageTheSequenceOutputOverRealTokens() {
    int[] ids = {2, 9, 10, 3, 0};
    int[] mask = {1, 1, 1, 1, 0};
    EncoderOutput out = model.encode(1, 5, ids, mask, new int[5]);
    float[] mean = EmbeddingPooling.mean(out, mask)[0];
    int h = CFG.hiddenSize();
    for (int k = 0; k < h; k++) {
      double sum = 0;
      for (int p = 0; p < 4; p++) {
        sum += out.sequence()[p * h + k];
      }
      assertEquals(sum / 4, mean[k], 1e-5);
    }
  }
}
