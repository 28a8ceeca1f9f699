package org.streambert.bert.embeddings;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.bert.bundle.BertBundles;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.bundle.ModelDescriptor;
import org.streambert.bert.bundle.TokenizerSettings;
import org.streambert.bert.inference.BertPredictor;
import org.streambert.bert.inference.PredictorConfig;
import org.streambert.bert.model.BertModel;
import org.streambert.bert.model.EncoderOutput;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.model.TinyBert;
import org.streambert.bert.model.WeightSource;
import org.streambert.bert.tokenizer.Encoding;
import org.streambert.bert.tokenizer.Vocab;
import org.streambert.bert.tokenizer.WordPieceTokenizer;

/** A bundle carries its embedding (model.json "embeddings"), and the predictor serves exactly that vector. */
class BundleEmbeddingsTest {
  @TempDir Path dir;

  static Vocab vocab() {
    List<String> tokens = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "sat",
        "on", "mat", "a", "dog", "ran", "."));
    while (tokens.size() < TinyBert.CONFIG.vocabSize()) {
      tokens.add("w" + tokens.size());
    }
    return Vocab.of(tokens);
  }

  @Test
  void shouldServeTheBundlesPoolingAndNormalisation() throws Exception {
    Vocab vocab = vocab();
    String text = "The cat sat on the mat.";
    for (EmbeddingPooling pooling : EmbeddingPooling.values()) {
      EmbeddingSpec spec = new EmbeddingSpec(pooling, pooling != EmbeddingPooling.CLS);
      float[] expected;
      ModelBundle bundle;
      try (BertModel model = BertModel.create(TinyBert.CONFIG, HeadsSpec.NONE,
          WeightSource.ofArrays(TinyBert.randomWeights(TinyBert.CONFIG, HeadsSpec.NONE, 5)))) {
        Encoding enc = new WordPieceTokenizer(vocab, true).encode(text, 16);
        int t = enc.inputIds().length;
        EncoderOutput out = model.encode(1, t, enc.inputIds(), enc.attentionMask(), enc.segmentIds());
        expected = spec.finish(pooling.apply(out, enc.attentionMask())[0]);
        ModelDescriptor d = new ModelDescriptor("emb", "1", Instant.parse("2026-12-01T00:00:00Z"),
            BertBundles.bertConfigJson(TinyBert.CONFIG), new TokenizerSettings(true, 16), List.of(), spec);
        bundle = BertBundles.write(dir.resolve(pooling.configName()), model, vocab, d);
      }
      ModelBundle reopened = ModelBundle.open(bundle.dir());
      assertEquals(spec, reopened.model().embeddings());
      assertEquals(!spec.equals(EmbeddingSpec.DEFAULT),
          Files.readString(bundle.dir().resolve("model.json")).contains("\"embeddings\""),
          "the default is not written, so older bundles stay byte-identical");
      try (BertPredictor p = BertBundles.openPredictor(reopened, BertBundles.defaultPredictorConfig(reopened))) {
        float[] served = p.predict(text).embedding();
        assertArrayEquals(expected, served, 1e-6f, pooling.configName());
        if (spec.normalize()) {
          double norm = 0;
          for (float x : served) {
            norm += x * x;
          }
          assertEquals(1.0, Math.sqrt(norm), 1e-5);
        }
      }
      // A predictor config that names an embedding wins over the bundle's.
      PredictorConfig pooled = BertBundles.defaultPredictorConfig(reopened).toBuilder()
          .embeddings(EmbeddingSpec.DEFAULT).build();
      try (BertPredictor p = BertBundles.openPredictor(reopened, pooled)) {
        assertEquals(TinyBert.CONFIG.hiddenSize(), p.predict(text).embedding().length);
        if (pooling != EmbeddingPooling.POOLED) {
          assertFalse(java.util.Arrays.equals(expected, p.predict(text).embedding()));
        }
      }
    }
  }

  @Test
  void shouldMaxPoolAWindowedTextOverAllItsWindows() throws Exception {
    Vocab vocab = vocab();
    String text = "the cat sat on the mat . a dog ran on the mat . the cat ran . a dog sat";
    try (BertModel model = BertModel.create(TinyBert.CONFIG, HeadsSpec.NONE,
        WeightSource.ofArrays(TinyBert.randomWeights(TinyBert.CONFIG, HeadsSpec.NONE, 5)))) {
      WordPieceTokenizer tok = new WordPieceTokenizer(vocab, true);
      int[] ids = tok.tokenize(text).ids();
      // Each window [CLS] span [SEP] alone, then the element-wise max over the windows.
      float[] expected = null;
      for (var span : org.streambert.bert.inference.internals.Windows.spans(ids.length, 6, 3)) {
        int t = span.length() + 2;
        int[] row = new int[t];
        row[0] = tok.clsId();
        System.arraycopy(ids, span.start(), row, 1, span.length());
        row[t - 1] = tok.sepId();
        int[] mask = new int[t];
        java.util.Arrays.fill(mask, 1);
        float[] v = EmbeddingPooling.MAX.apply(model.encode(1, t, row, mask, new int[t]), mask)[0];
        if (expected == null) {
          expected = v;
        } else {
          for (int k = 0; k < v.length; k++) {
            expected[k] = Math.max(expected[k], v[k]);
          }
        }
      }
      PredictorConfig cfg = PredictorConfig.builder().maxLength(8).docStride(3)
          .embeddings(new EmbeddingSpec(EmbeddingPooling.MAX, false)).build();
      BertPredictor predictor = BertPredictor.create(tok, BertModel.create(TinyBert.CONFIG, HeadsSpec.NONE,
          WeightSource.ofArrays(TinyBert.randomWeights(TinyBert.CONFIG, HeadsSpec.NONE, 5))), null, null, cfg);
      try (predictor) {
        var prediction = predictor.predict(text);
        assertTrue(prediction.windowed());
        float[] served = prediction.embedding();
        assertArrayEquals(expected, served, 1e-5f);
      }
    }
  }
}
