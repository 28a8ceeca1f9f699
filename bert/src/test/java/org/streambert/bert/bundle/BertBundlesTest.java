package org.streambert.bert.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.bert.heads.ClassificationHead;
import org.streambert.bert.heads.TokenClassificationHead;
import org.streambert.bert.inference.BertPredictor;
import org.streambert.bert.inference.Prediction;
import org.streambert.bert.model.BertModel;
import org.streambert.bert.model.ForwardResult;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.model.TinyBert;
import org.streambert.bert.model.WeightSource;
import org.streambert.bert.tokenizer.Encoding;
import org.streambert.bert.tokenizer.Vocab;
import org.streambert.bert.tokenizer.WordPieceTokenizer;

class BertBundlesTest {

  static final ClassificationHead TOPIC = new ClassificationHead("topic", List.of("sports", "politics", "tech"), false);
  static final TokenClassificationHead NER =
      new TokenClassificationHead("ner", List.of("O", "B-LOC", "I-LOC", "B-PER", "I-PER"));

  @TempDir
  Path dir;

  static Vocab tinyVocab() {
    List<String> tokens = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"));
    String[] words = {"the", "cat", "sat", "on", "mat", "paris", "is", "in", "france", "alice", "met", "bob", "."};
    tokens.addAll(List.of(words));
    for (String w : words) {
      tokens.add("##" + w);
    }
    while (tokens.size() < TinyBert.CONFIG.vocabSize()) {
      tokens.add("w" + tokens.size());
    }
    return Vocab.of(tokens);
  }

  static ModelDescriptor descriptor(String version) {
    return new ModelDescriptor("tiny", version, Instant.parse("2026-11-26T00:00:00Z"),
        BertBundles.bertConfigJson(TinyBert.CONFIG), new TokenizerSettings(true, 16), List.of(TOPIC, NER));
  }

  @Test
  void shouldPredictFromAWrittenBundleExactlyWhatTheModelComputes() throws Exception {
    HeadsSpec heads = new HeadsSpec(3, false, 5);
    Vocab vocab = tinyVocab();
    String text = "Alice met Bob in Paris, France.";
    ForwardResult direct;
    ModelBundle bundle;
    try (BertModel model = BertModel.create(TinyBert.CONFIG, heads,
        WeightSource.ofArrays(TinyBert.randomWeights(TinyBert.CONFIG, heads, 7)))) {
      Encoding enc = new WordPieceTokenizer(vocab, true).encode(text, 16);
      int t = enc.inputIds().length;
      direct = model.run(1, t, enc.inputIds(), enc.attentionMask(), enc.segmentIds());
      bundle = BertBundles.write(dir.resolve("bundle"), model, vocab, descriptor("1"));
    }
    ModelBundle reopened = ModelBundle.open(bundle.dir());
    assertEquals(bundle.manifestSha256(), reopened.manifestSha256());
    try (BertPredictor predictor = BertBundles.openPredictor(reopened,
        BertBundles.defaultPredictorConfig(reopened))) {
      Prediction p = predictor.predict(text);
      float[] scores = new float[3];
      for (int c = 0; c < 3; c++) {
        scores[c] = p.labelScores().get(c).score();
        assertEquals(TOPIC.labels().get(c), p.labelScores().get(c).label());
      }
      assertArrayEquals(direct.classProbs(), scores, 1e-5f);
      assertArrayEquals(direct.pooled(), p.embedding(), 1e-5f);
      assertFalse(p.windowed());
    }
  }

  @Test
  void shouldRefuseToWriteABundleWhoseHeadsTheModelDoesNotHave() {
    HeadsSpec onlyClasses = HeadsSpec.classification(3);
    try (BertModel model = BertModel.create(TinyBert.CONFIG, onlyClasses,
        WeightSource.ofArrays(TinyBert.randomWeights(TinyBert.CONFIG, onlyClasses, 1)))) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> BertBundles.write(dir.resolve("b"), model, tinyVocab(), descriptor("1")));
      assertTrue(e.getMessage().contains("heads"), e.getMessage());
      assertFalse(Files.exists(dir.resolve("b")));
    }
  }
}
