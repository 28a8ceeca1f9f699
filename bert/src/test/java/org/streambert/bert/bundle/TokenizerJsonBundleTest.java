package org.streambert.bert.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.bert.embeddings.EmbeddingSpec;
import org.streambert.bert.heads.ClassificationHead;
import org.streambert.bert.inference.BertPredictor;
import org.streambert.bert.inference.Prediction;
import org.streambert.bert.model.Activation;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.BertGraph;
import org.streambert.bert.model.BertModel;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.model.ModelFamily;
import org.streambert.bert.model.TinyBert;
import org.streambert.bert.model.WeightSource;
import org.streambert.bert.onnx.OnnxBundles;
import org.streambert.bert.onnx.OnnxPrecision;
import org.streambert.bert.tokenizer.Encoding;
import org.streambert.bert.tokenizer.TextTokenizer;
import org.streambert.bert.tokenizer.TinyTokenizerFiles;
import org.streambert.bert.weights.HuggingFaceCheckpoint;
import org.streambert.bert.weights.HuggingFaceExport;

/**
 * An XLM-R-shaped model whose tokenizer is a SentencePiece Unigram {@code tokenizer.json}: imported from its Hugging
 * Face directory, it becomes a bundle carrying that file; both engines serve it with {@code <s> ... </s>} around the
 * pieces, as a direct forward pass on the template's ids computes; exporting it again writes the same file.
 */
class TokenizerJsonBundleTest {

  static final List<String> LABELS = List.of("negative", "neutral", "positive");

  @TempDir Path tmp;

  @Test
  void shouldServeAnXlmRobertaBundleWithItsUnigramTokenizerOnBothEngines() throws Exception {
    Map<String, Double> pieces = new LinkedHashMap<>();
    pieces.put("\u2581hello", -1.0);
    pieces.put("\u2581world", -1.0);
    pieces.put("\u2581", -2.0);
    for (String c : List.of("h", "e", "l", "o", "w", "r", "d")) {
      pieces.put(c, -5.0);
    }
    Path tokenizerDir = TinyTokenizerFiles.write(tmp.resolve("tok"), TinyTokenizerFiles.unigram(pieces, true))
        .getParent();
    byte[] tokenizerJson = Files.readAllBytes(tokenizerDir.resolve("tokenizer.json"));
    int vocabSize = 4 + pieces.size() + 1;
    BertConfig cfg = new BertConfig(vocabSize, 32, 2, 2, 64, Activation.GELU_ERF, 0.1, 0.1, 34, 1, 0.02)
        .asFamily(ModelFamily.XLM_ROBERTA);
    HeadsSpec heads = HeadsSpec.classification(3);
    Map<String, float[]> weights = TinyBert.randomWeights(cfg, heads, 5);
    Path hf = tmp.resolve("hf");
    HuggingFaceExport.write(hf, cfg, weights, null, tokenizerJson, 1, false, 32,
        new ClassificationHead("sentiment", LABELS, false), EmbeddingSpec.DEFAULT);

    Path bundleDir = tmp.resolve("bundle");
    try (HuggingFaceCheckpoint ckpt = HuggingFaceCheckpoint.open(hf);
        BertModel model = BertModel.create(ckpt.config(), ckpt.heads(), ckpt)) {
      assertEquals(cfg, ckpt.config());
      assertEquals("<s>", ckpt.tokens().get(0));
      assertEquals("\u2581hello", ckpt.tokens().get(4));
      assertArrayEquals(tokenizerJson, ckpt.tokenizerJson().orElseThrow());
      ModelDescriptor d = new ModelDescriptor("xlmr", "1", Instant.EPOCH, BertBundles.bertConfigJson(cfg),
          new TokenizerSettings(false, 32), List.of(new ClassificationHead("sentiment", LABELS, false)));
      BertBundles.write(bundleDir, model, ckpt.tokens(), ckpt.tokenizerJson().orElseThrow(), d);
    }
    ModelBundle bundle = ModelBundle.open(bundleDir);
    assertTrue(bundle.tokenizerFile().isPresent(), "the bundle carries tokenizer.json, hashed in its manifest");
    assertEquals(ModelFamily.XLM_ROBERTA, BertBundles.bertConfig(bundle.model()).family());

    String text = "hello world";
    float[] direct;
    try (TextTokenizer tokenizer = BertBundles.openTokenizer(bundle);
        BertModel model = BertModel.create(cfg, heads, WeightSource.ofArrays(weights))) {
      Encoding e = tokenizer.encode(text, 32);
      int n = e.tokenCount();
      int[] ids = java.util.Arrays.copyOf(e.inputIds(), n);
      assertEquals(0, ids[0], "<s> first");
      assertEquals(2, ids[n - 1], "</s> last");
      assertEquals(List.of(4, 5), List.of(ids[1], ids[2]), "▁hello ▁world");
      int[] mask = new int[n];
      java.util.Arrays.fill(mask, 1);
      direct = model.run(1, n, ids, mask, new int[n]).classProbs();
    }
    try (BertPredictor tf = BertBundles.openPredictor(bundle, BertBundles.defaultPredictorConfig(bundle))) {
      Prediction p = tf.predict(List.of(text)).get(0);
      for (int c = 0; c < LABELS.size(); c++) {
        assertEquals(direct[c], p.labelScores().get(c).score(), 1e-5, "TensorFlow serves the template's ids");
      }
    }
    ModelBundle withOnnx = OnnxBundles.writeWithOnnx(bundle, tmp.resolve("with-onnx"));
    assertTrue(withOnnx.tokenizerFile().isPresent());
    try (BertPredictor ort = OnnxBundles.openPredictor(withOnnx, BertBundles.defaultPredictorConfig(withOnnx),
        OnnxPrecision.FP32, 1)) {
      Prediction p = ort.predict(List.of(text)).get(0);
      for (int c = 0; c < LABELS.size(); c++) {
        assertEquals(direct[c], p.labelScores().get(c).score(), 1e-4, "ONNX Runtime serves the template's ids");
      }
    }
    Path back = tmp.resolve("hf-again");
    HuggingFaceExport.write(bundle, null, back);
    assertArrayEquals(tokenizerJson, Files.readAllBytes(back.resolve("tokenizer.json")));
    assertTrue(Files.notExists(back.resolve("vocab.txt")));
  }
}
