package org.streambert.trainer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.streambert.trainer.cli.TinyRuns.TEXTS;
import static org.streambert.trainer.cli.TinyRuns.run;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.bert.bundle.BertBundles;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.BertModel;
import org.streambert.bert.model.BertSavedModel;
import org.streambert.bert.model.EncoderOutput;
import org.streambert.bert.model.ForwardResult;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.onnx.OnnxBundles;
import org.streambert.bert.onnx.OnnxLayout;
import org.streambert.bert.tokenizer.Encoding;
import org.streambert.bert.tokenizer.WordPieceTokenizer;
import org.streambert.trainer.ExitCodes;
import org.streambert.trainer.cli.TinyRuns.Run;
import org.streambert.trainer.publish.OnnxRuns;
import org.streambert.trainer.publish.RunReport;

/**
 * A bundle fine-tuned here (L=2, H=32, a classification and a token head) → {@code export --format onnx} → ONNX
 * Runtime computes TensorFlow's logits within 1e-4; {@code --with-onnx} gives a run's bundle its ONNX file.
 */
class OnnxExportTest {

  @TempDir static Path dir;
  static Path run;

  @BeforeAll
  static void fineTune() throws Exception {
    run = dir.resolve("run");
    TinyRuns.fineTuneTiny(dir, dir.resolve("data"), run);
  }

  @Test
  void shouldExportAFineTunedBundleThatOnnxRuntimeRunsWithTensorFlowsLogits() throws Exception {
    Path out = dir.resolve("onnx-export");
    Run e = run("export", "--format", "onnx", "--bundle", run.toString(), "--out", out.toString());
    assertEquals(ExitCodes.OK, e.code(), e.err());
    assertEquals(Set.of(ExportCommand.ONNX_MODEL, ModelBundle.VOCAB_FILE, ModelBundle.MODEL_FILE),
        Set.of(out.toFile().list()));
    ModelBundle bundle = ModelBundle.open(run.resolve(RunReport.BUNDLE_DIR));
    assertEquals(Files.readString(bundle.vocabFile()), Files.readString(out.resolve(ModelBundle.VOCAB_FILE)));

    // The same padded batch through both engines
    WordPieceTokenizer tokenizer = WordPieceTokenizer.fromVocabFile(bundle.vocabFile(),
        bundle.model().tokenizer().doLowerCase());
    int seqLen = 32;
    int batch = TEXTS.size();
    int[] ids = new int[batch * seqLen];
    int[] mask = new int[batch * seqLen];
    int[] segments = new int[batch * seqLen];
    for (int b = 0; b < batch; b++) {
      Encoding enc = tokenizer.encode(TEXTS.get(b), seqLen).padTo(seqLen, 0);
      System.arraycopy(enc.inputIds(), 0, ids, b * seqLen, seqLen);
      System.arraycopy(enc.attentionMask(), 0, mask, b * seqLen, seqLen);
      System.arraycopy(enc.segmentIds(), 0, segments, b * seqLen, seqLen);
    }
    BertConfig cfg = BertBundles.bertConfig(bundle.model());
    HeadsSpec heads = BertBundles.headsSpec(bundle.model());
    float[] classLogits;
    float[] tokenLogits;
    try (BertModel tf = BertSavedModel.load(bundle.savedModelDir(), cfg, heads)) {
      ForwardResult r = tf.run(batch, seqLen, ids, mask, segments);
      EncoderOutput encoded = tf.encode(batch, seqLen, ids, mask, segments);
      Map<String, float[]> w = tf.weights();
      // The logits the TensorFlow graph computes from its pooled / sequence output with its head weights
      classLogits = logits(r.pooled(), w.get("cls_head/output_weights"), w.get("cls_head/output_bias"),
          cfg.hiddenSize());
      tokenLogits = logits(encoded.sequence(), w.get("token_head/output_weights"), w.get("token_head/output_bias"),
          cfg.hiddenSize());
    }
    Map<String, float[]> ort = runOrt(Files.readAllBytes(out.resolve(ExportCommand.ONNX_MODEL)), batch, seqLen, ids,
        mask, segments);
    assertClose("class_logits", classLogits, ort.get(OnnxLayout.CLASS_LOGITS), 1e-4);
    assertClose("token_logits", tokenLogits, ort.get(OnnxLayout.TOKEN_LOGITS), 1e-4);
    assertNotEquals(0f, maxAbs(classLogits), "a trained head gives non-zero logits");
  }

  @Test
  void shouldGiveARunsBundleItsOnnxFileOnceWithOnnx() throws Exception {
    Path copy = dir.resolve("run-copy");
    copyTree(run, copy);
    ModelBundle before = ModelBundle.open(copy.resolve(RunReport.BUNDLE_DIR));
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    ModelBundle after = OnnxRuns.addOnnx(copy, new PrintStream(log, true));
    assertTrue(OnnxBundles.hasOnnx(after));
    assertEquals(after.dir(), copy.resolve(RunReport.BUNDLE_DIR).toAbsolutePath().normalize());
    assertNotEquals(before.manifestSha256(), after.manifestSha256());
    assertTrue(log.toString().contains("added onnx/model.onnx"), log.toString());
    OnnxBundles.checkedModel(after); // hashed in the manifest, passes the op check the app runs
    assertEquals(after.manifestSha256(), OnnxRuns.addOnnx(copy, new PrintStream(log, true)).manifestSha256(),
        "a second call leaves the bundle as it is");
    assertTrue(Set.of(copy.toFile().list()).stream().noneMatch(n -> n.startsWith(".bundle")),
        "nothing staged is left behind: " + Set.of(copy.toFile().list()));
  }

  @Test
  void shouldEvaluateOnTheEngineAndPrecisionAskedAndNameThemInTheReport() throws Exception {
    Path copy = dir.resolve("run-eval");
    copyTree(run, copy);
    OnnxRuns.addOnnx(copy, new PrintStream(new ByteArrayOutputStream(), true));
    Path data = dir.resolve("data");
    com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
    Map<String, Double> f1 = new java.util.LinkedHashMap<>();
    for (String[] ep : new String[][] {{"tensorflow", "fp32"}, {"onnxruntime", "fp32"}, {"onnxruntime", "int8"}}) {
      Path json = dir.resolve("eval-" + ep[0] + "-" + ep[1] + ".json");
      Run e = run("evaluate", "--bundle", copy.resolve(RunReport.BUNDLE_DIR).toString(), "--ner-data",
          data.resolve(org.streambert.trainer.data.DemoData.NER_DEV).toString(), "--engine", ep[0], "--precision",
          ep[1], "--json", json.toString());
      assertEquals(ExitCodes.OK, e.code(), e.err());
      assertTrue(e.out().contains("engine: " + ep[0] + " " + ep[1]), e.out());
      com.fasterxml.jackson.databind.JsonNode report = mapper.readTree(json.toFile());
      assertEquals(ep[0] + " " + ep[1], report.get("engine").asText());
      f1.put(ep[0] + " " + ep[1], report.get("ner").get("overall").get("f1").asDouble());
    }
    assertEquals(f1.get("tensorflow fp32"), f1.get("onnxruntime fp32"), 1e-9, "the same arithmetic: " + f1);
    assertEquals(f1.get("tensorflow fp32"), f1.get("onnxruntime int8"), 0.05, "int8 near fp32: " + f1);
    Run wrong = run("evaluate", "--bundle", run.resolve(RunReport.BUNDLE_DIR).toString(), "--ner-data",
        data.resolve(org.streambert.trainer.data.DemoData.NER_DEV).toString(), "--engine", "tensorflow",
        "--precision", "int8-per-tensor");
    assertEquals(ExitCodes.BAD_INPUT, wrong.code(), "int8-per-tensor is an ONNX Runtime precision only");
    Run noOnnx = run("evaluate", "--bundle", run.resolve(RunReport.BUNDLE_DIR).toString(), "--ner-data",
        data.resolve(org.streambert.trainer.data.DemoData.NER_DEV).toString(), "--engine", "onnxruntime");
    assertEquals(ExitCodes.BAD_INPUT, noOnnx.code());
    assertTrue(noOnnx.err().contains("--with-onnx"), noOnnx.err());
  }

  @Test
  void shouldRefuseAHeadChoiceAndAnExistingOutputForOnnx() throws Exception {
    Run e = run("export", "--format", "onnx", "--bundle", run.toString(), "--head", "topic", "--out",
        dir.resolve("x").toString());
    assertEquals(ExitCodes.BAD_INPUT, e.code());
    assertTrue(e.err().contains("every head"), e.err());
    Files.createDirectories(dir.resolve("exists"));
    Run f = run("export", "--format", "onnx", "--bundle", run.toString(), "--out", dir.resolve("exists").toString());
    assertEquals(ExitCodes.BAD_INPUT, f.code());
    assertTrue(f.err().contains("already exists"), f.err());
  }

  /** x [M, H] @ w^T + b with w [K, H]: [M, K], in double. */
  static float[] logits(float[] x, float[] w, float[] b, int h) {
    int m = x.length / h;
    int k = b.length;
    float[] out = new float[m * k];
    for (int r = 0; r < m; r++) {
      for (int j = 0; j < k; j++) {
        double s = b[j];
        for (int i = 0; i < h; i++) {
          s += (double) x[r * h + i] * w[j * h + i];
        }
        out[r * k + j] = (float) s;
      }
    }
    return out;
  }

  static Map<String, float[]> runOrt(byte[] model, int batch, int seqLen, int[] ids, int[] mask, int[] segments)
      throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    long[] shape = {batch, seqLen};
    Map<String, float[]> result = new HashMap<>();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        OrtSession session = env.createSession(model, options);
        OnnxTensor i = OnnxTensor.createTensor(env, LongBuffer.wrap(longs(ids)), shape);
        OnnxTensor m = OnnxTensor.createTensor(env, LongBuffer.wrap(longs(mask)), shape);
        OnnxTensor s = OnnxTensor.createTensor(env, LongBuffer.wrap(longs(segments)), shape);
        OrtSession.Result r = session.run(Map.of(OnnxLayout.INPUT_IDS, i, OnnxLayout.ATTENTION_MASK, m,
            OnnxLayout.TOKEN_TYPE_IDS, s), Set.of(OnnxLayout.CLASS_LOGITS, OnnxLayout.TOKEN_LOGITS))) {
      for (String name : List.of(OnnxLayout.CLASS_LOGITS, OnnxLayout.TOKEN_LOGITS)) {
        FloatBuffer fb = ((OnnxTensor) r.get(name).orElseThrow()).getFloatBuffer();
        float[] v = new float[fb.remaining()];
        fb.get(v);
        result.put(name, v);
      }
    }
    return result;
  }

  private static long[] longs(int[] v) {
    long[] out = new long[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = v[i];
    }
    return out;
  }

  private static float maxAbs(float[] v) {
    float m = 0;
    for (float x : v) {
      m = Math.max(m, Math.abs(x));
    }
    return m;
  }

  private static void assertClose(String what, float[] expected, float[] actual, double tolerance) {
    assertEquals(expected.length, actual.length, what + " sizes");
    double diff = 0;
    for (int i = 0; i < expected.length; i++) {
      diff = Math.max(diff, Math.abs(expected[i] - actual[i]));
    }
    assertTrue(diff <= tolerance, what + ": max |TF - ONNX Runtime| = " + diff + " > " + tolerance);
  }

  private static void copyTree(Path from, Path to) throws Exception {
    try (var paths = Files.walk(from)) {
      for (Path p : paths.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }
}
