package org.streambert.bert.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.streambert.bert.embeddings.EmbeddingSpec;
import org.streambert.bert.heads.ClassificationHead;
import org.streambert.bert.heads.HeadSpec;
import org.streambert.bert.heads.TokenClassificationHead;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.BertGraph;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.model.ModelFamily;
import org.streambert.bert.model.WeightSource;
import org.streambert.bert.model.internals.TensorData;
import org.streambert.bert.onnx.OnnxExporter;
import org.streambert.bert.onnx.OnnxLayout;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The correctness oracle of the model families: {@code src/test/python/reference_forward.py}, a PyTorch forward pass
 * written from Hugging Face's modeling files, writes random small models as Hugging Face directories with its own
 * logits; each is imported ({@link HuggingFaceCheckpoint}) and run on TensorFlow ({@link BertGraph}) and on ONNX
 * Runtime (the {@link OnnxExporter} graph), and both engines' logits and last hidden states must match within 1e-4.
 * The other way, {@link HuggingFaceExport} writes the imported weights back and the reference runs that directory to
 * the same logits (and re-importing it gives the same weights, bit for bit).
 * Skipped, saying why, where Debian's {@code /usr/bin/python3} has no torch ({@code apt-get install python3-torch}).
 */
class FamilyOracleTest {

  static final String PYTHON = "/usr/bin/python3";
  static final Path SCRIPT = Path.of("src/test/python/reference_forward.py");
  static final double TOLERANCE = 1e-4;
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path out;
  private static String skipReason;

  @BeforeAll
  static void runReference() throws Exception {
    if (!Files.isExecutable(Path.of(PYTHON))) {
      skipReason = PYTHON + " is missing: install Debian's python3-torch and python3-numpy to run the oracle";
      return;
    }
    Process probe = new ProcessBuilder(PYTHON, "-c", "import torch, numpy").redirectErrorStream(true).start();
    if (!probe.waitFor(60, TimeUnit.SECONDS) || probe.exitValue() != 0) {
      probe.destroyForcibly();
      skipReason = PYTHON + " has no torch/numpy: apt-get install -y python3-torch python3-numpy to run the oracle";
      return;
    }
    Process p = new ProcessBuilder(PYTHON, SCRIPT.toString(), out.toString()).redirectErrorStream(true).start();
    String log = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "reference_forward.py timed out");
    assertEquals(0, p.exitValue(), "reference_forward.py failed:\n" + log);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"bert-sequence", "roberta-sequence", "roberta-token", "xlm-roberta-sequence",
      "camembert-token", "distilbert-sequence", "distilbert-token", "electra-sequence", "electra-token"})
  void shouldMatchTheReferenceLogitsOnBothEngines(String name) throws Exception {
    Assumptions.assumeTrue(skipReason == null, () -> skipReason);
    Path dir = out.resolve(name);
    JsonNode expected = JSON.readTree(dir.resolve("expected.json").toFile());
    int[][] ids = ints(expected.get("input_ids"));
    int[][] mask = ints(expected.get("attention_mask"));
    float[] wantLogits = floats(expected.get("logits"));
    float[] wantSequence = floats(expected.get("last_hidden_state"));

    try (HuggingFaceCheckpoint ckpt = HuggingFaceCheckpoint.open(dir)) {
      BertConfig cfg = ckpt.config();
      assertEquals(ModelFamily.fromConfigName(expected.get("family").textValue()), cfg.family());
      HeadsSpec heads = ckpt.heads();
      boolean sequence = expected.get("head").textValue().equals("sequence");
      assertEquals(sequence, heads.hasClassHead());
      Map<String, float[]> weights = readAll(ckpt.orElse(WeightSource.random(0.02, 7)), cfg, heads);

      Map<String, float[]> tf = runTensorFlow(cfg, heads, weights, ids, mask);
      assertClose(name + " TensorFlow sequence output", wantSequence, tf.get(OnnxLayout.SEQUENCE_OUTPUT));
      assertClose(name + " TensorFlow logits", wantLogits, tf.get("logits"));

      ByteArrayOutputStream onnx = new ByteArrayOutputStream();
      OnnxExporter.write(cfg, heads, weights, onnx);
      String logitsName = sequence ? OnnxLayout.CLASS_LOGITS : OnnxLayout.TOKEN_LOGITS;
      Map<String, float[]> ort = runOrt(onnx.toByteArray(), ids, mask,
          List.of(OnnxLayout.SEQUENCE_OUTPUT, logitsName));
      assertClose(name + " ONNX Runtime sequence output", wantSequence, ort.get(OnnxLayout.SEQUENCE_OUTPUT));
      assertClose(name + " ONNX Runtime logits", wantLogits, ort.get(logitsName));
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"roberta-sequence", "xlm-roberta-sequence", "camembert-token", "distilbert-sequence",
      "electra-sequence", "electra-token"})
  void shouldExportAHuggingFaceDirectoryThatTheReferenceRunsToTheSameLogits(String name) throws Exception {
    Assumptions.assumeTrue(skipReason == null, () -> skipReason);
    Path dir = out.resolve(name);
    Path exported = out.resolve("exported-" + name);
    Map<String, float[]> original;
    BertConfig cfg;
    HeadsSpec heads;
    try (HuggingFaceCheckpoint ckpt = HuggingFaceCheckpoint.open(dir)) {
      cfg = ckpt.config();
      heads = ckpt.heads();
      original = readAll(ckpt.orElse(WeightSource.random(0.02, 7)), cfg, heads);
      HeadSpec head = heads.hasClassHead() ? new ClassificationHead("sentiment", ckpt.labels(), false)
          : new TokenClassificationHead("ner", ckpt.labels());
      HuggingFaceExport.write(exported, cfg, original, ckpt.vocab(), true, 16, head, EmbeddingSpec.DEFAULT);
    }
    try (HuggingFaceCheckpoint back = HuggingFaceCheckpoint.open(exported)) {
      assertEquals(cfg, back.config(), "config round trip");
      assertEquals(heads, back.heads());
      Map<String, float[]> again = readAll(back.orElse(WeightSource.random(0.02, 7)), cfg, heads);
      for (Map.Entry<String, float[]> w : original.entrySet()) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(w.getValue(), again.get(w.getKey()), w.getKey());
      }
    }
    Path result = out.resolve("exported-" + name + ".json");
    Process p = new ProcessBuilder(PYTHON, SCRIPT.toString(), "--run", exported.toString(),
        dir.resolve("expected.json").toString(), result.toString()).redirectErrorStream(true).start();
    String log = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "reference_forward.py --run timed out");
    assertEquals(0, p.exitValue(), "the reference cannot run the export:\n" + log);
    JsonNode expected = JSON.readTree(dir.resolve("expected.json").toFile());
    assertClose(name + " reference on the export", floats(expected.get("logits")),
        floats(JSON.readTree(result.toFile()).get("logits")));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"roberta-qa", "distilbert-qa", "electra-qa"})
  void shouldMatchTheReferenceStartAndEndLogitsOfQuestionAnsweringModels(String name) throws Exception {
    Assumptions.assumeTrue(skipReason == null, () -> skipReason);
    Path dir = out.resolve(name);
    JsonNode expected = JSON.readTree(dir.resolve("expected.json").toFile());
    int[][] ids = ints(expected.get("input_ids"));
    int[][] mask = ints(expected.get("attention_mask"));
    try (HuggingFaceCheckpoint ckpt = HuggingFaceCheckpoint.open(dir)) {
      assertEquals(HuggingFaceCheckpoint.Task.QUESTION_ANSWERING, ckpt.task());
      BertConfig cfg = ckpt.config();
      Map<String, float[]> weights = readAll(ckpt.orElse(WeightSource.random(0.02, 7)), cfg, HeadsSpec.NONE);
      float[] w;
      float[] b;
      try (TFloat32 tw = ckpt.read("cls/squad/output_weights", Shape.of(2, cfg.hiddenSize())).orElseThrow();
          TFloat32 tb = ckpt.read("cls/squad/output_bias", Shape.of(2)).orElseThrow()) {
        w = TensorData.readFloats(tw);
        b = TensorData.readFloats(tb);
      }
      Map<String, float[]> tf = runTensorFlow(cfg, HeadsSpec.classification(1), withDummyHead(weights, cfg), ids,
          mask);
      assertClose(name + " TensorFlow start/end logits", floats(expected.get("logits")),
          qaLogits(tf.get(OnnxLayout.SEQUENCE_OUTPUT), w, b, cfg.hiddenSize()));
      ByteArrayOutputStream onnx = new ByteArrayOutputStream();
      OnnxExporter.write(cfg, HeadsSpec.NONE, weights, onnx);
      Map<String, float[]> ort = runOrt(onnx.toByteArray(), ids, mask, List.of(OnnxLayout.SEQUENCE_OUTPUT));
      assertClose(name + " ONNX Runtime start/end logits", floats(expected.get("logits")),
          qaLogits(ort.get(OnnxLayout.SEQUENCE_OUTPUT), w, b, cfg.hiddenSize()));
    }
  }

  /** The weights plus a 1-class head, so runTensorFlow has a head to fetch (its logits are not compared). */
  private static Map<String, float[]> withDummyHead(Map<String, float[]> weights, BertConfig cfg) {
    Map<String, float[]> all = new LinkedHashMap<>(weights);
    all.put("cls_head/output_weights", new float[cfg.hiddenSize()]);
    all.put("cls_head/output_bias", new float[1]);
    return all;
  }

  /** qa_outputs on the sequence output: [B*T, H] x [2, H]^T + [2], in double. */
  private static float[] qaLogits(float[] sequence, float[] w, float[] b, int h) {
    int rows = sequence.length / h;
    float[] out = new float[rows * 2];
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < 2; j++) {
        double s = b[j];
        for (int i = 0; i < h; i++) {
          s += (double) sequence[r * h + i] * w[j * h + i];
        }
        out[r * 2 + j] = (float) s;
      }
    }
    return out;
  }

  static Map<String, float[]> readAll(WeightSource source, BertConfig cfg, HeadsSpec heads) {
    Map<String, float[]> weights = new LinkedHashMap<>();
    for (Map.Entry<String, Shape> v : BertGraph.variableShapes(cfg, heads).entrySet()) {
      try (TFloat32 t = source.read(v.getKey(), v.getValue()).orElseThrow()) {
        weights.put(v.getKey(), TensorData.readFloats(t));
      }
    }
    return weights;
  }

  static Map<String, float[]> runTensorFlow(BertConfig cfg, HeadsSpec heads, Map<String, float[]> weights,
      int[][] ids, int[][] mask) {
    Shape shape = Shape.of(ids.length, ids[0].length);
    try (Graph g = new Graph(); Session s = new Session(g)) {
      BertGraph bg = BertGraph.build(Ops.create(g), cfg, heads, false);
      bg.initialize(s, WeightSource.ofArrays(weights));
      try (TInt32 i = TensorData.ints(shape, flat(ids));
          TInt32 m = TensorData.ints(shape, flat(mask));
          TInt32 seg = TensorData.ints(shape, new int[(int) shape.size()]);
          Result r = s.runner().feed(bg.inputIds(), i).feed(bg.inputMask(), m).feed(bg.segmentIds(), seg)
              .fetch(bg.sequenceOutput())
              .fetch(heads.hasClassHead() ? bg.classLogits().orElseThrow() : bg.tokenLogits().orElseThrow())
              .run()) {
        Map<String, float[]> outputs = new HashMap<>();
        outputs.put(OnnxLayout.SEQUENCE_OUTPUT, TensorData.readFloats(r.get(0)));
        outputs.put("logits", TensorData.readFloats(r.get(1)));
        return outputs;
      }
    }
  }

  static Map<String, float[]> runOrt(byte[] model, int[][] ids, int[][] mask, List<String> names) throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    long[] shape = {ids.length, ids[0].length};
    long[] zeros = new long[ids.length * ids[0].length];
    Map<String, float[]> result = new HashMap<>();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        OrtSession session = env.createSession(model, options);
        OnnxTensor i = OnnxTensor.createTensor(env, LongBuffer.wrap(longs(flat(ids))), shape);
        OnnxTensor m = OnnxTensor.createTensor(env, LongBuffer.wrap(longs(flat(mask))), shape);
        OnnxTensor seg = OnnxTensor.createTensor(env, LongBuffer.wrap(zeros), shape);
        OrtSession.Result r = session.run(Map.of(OnnxLayout.INPUT_IDS, i, OnnxLayout.ATTENTION_MASK, m,
            OnnxLayout.TOKEN_TYPE_IDS, seg), new java.util.HashSet<>(names))) {
      for (String name : names) {
        FloatBuffer fb = ((OnnxTensor) r.get(name).orElseThrow()).getFloatBuffer();
        float[] v = new float[fb.remaining()];
        fb.get(v);
        result.put(name, v);
      }
    }
    return result;
  }

  static void assertClose(String what, float[] expected, float[] actual) {
    assertEquals(expected.length, actual.length, what + ": sizes");
    double worst = 0;
    for (int i = 0; i < expected.length; i++) {
      worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
    }
    assertTrue(worst <= TOLERANCE, what + ": max |Java - PyTorch reference| = " + worst + " > " + TOLERANCE);
  }

  static int[][] ints(JsonNode rows) {
    int[][] out = new int[rows.size()][];
    for (int r = 0; r < rows.size(); r++) {
      out[r] = new int[rows.get(r).size()];
      for (int c = 0; c < out[r].length; c++) {
        out[r][c] = rows.get(r).get(c).intValue();
      }
    }
    return out;
  }

  static float[] floats(JsonNode nested) {
    List<Float> values = new ArrayList<>();
    collect(nested, values);
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = values.get(i);
    }
    return out;
  }

  private static void collect(JsonNode n, List<Float> values) {
    if (n.isArray()) {
      n.forEach(c -> collect(c, values));
    } else {
      values.add(n.floatValue());
    }
  }

  static int[] flat(int[][] rows) {
    return java.util.Arrays.stream(rows).flatMapToInt(java.util.Arrays::stream).toArray();
  }

  static long[] longs(int[] v) {
    long[] out = new long[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = v[i];
    }
    return out;
  }
}
