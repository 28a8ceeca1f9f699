package org.streambert.bert.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.streambert.bert.model.Activation;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.BertModel;
import org.streambert.bert.model.EncoderOutput;
import org.streambert.bert.model.ForwardResult;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.model.TinyBert;
import org.streambert.bert.model.WeightSource;
import org.streambert.bert.onnx.internals.OnnxModel;
import org.streambert.bert.onnx.internals.OnnxProtoReader;

class OnnxExporterTest {

  /** Class and token heads, as a fine-tuned multi-task bundle has them. */
  static final HeadsSpec HEADS = new HeadsSpec(3, false, 5);
  static final TinyBert.Inputs INPUTS = TinyBert.inputs(3, 12, new int[] {12, 7, 3}, 11);

  @TempDir
  Path dir;

  @ParameterizedTest
  @EnumSource(Activation.class)
  void shouldComputeTheTensorFlowLogitsInOnnxRuntime(Activation act) throws Exception {
    BertConfig cfg = withActivation(act);
    Map<String, float[]> weights = TinyBert.randomWeights(cfg, HEADS, 5);
    Path file = dir.resolve("model.onnx");
    ForwardResult tf;
    EncoderOutput encoded;
    try (BertModel model = BertModel.create(cfg, HEADS, WeightSource.ofArrays(weights))) {
      tf = model.run(INPUTS.batch(), INPUTS.seqLen(), INPUTS.ids(), INPUTS.mask(), INPUTS.segments());
      encoded = model.encode(INPUTS.batch(), INPUTS.seqLen(), INPUTS.ids(), INPUTS.mask(), INPUTS.segments());
      OnnxExporter.export(model, file);
    }
    Map<String, float[]> ort = runOrt(Files.readAllBytes(file), INPUTS, Set.of(OnnxLayout.SEQUENCE_OUTPUT,
        OnnxLayout.POOLED_OUTPUT, OnnxLayout.CLASS_LOGITS, OnnxLayout.CLASS_PROBS, OnnxLayout.TOKEN_LOGITS,
        OnnxLayout.TOKEN_PROBS));

    // Logits: what the TF graph computes from its own sequence / pooled output with the head weights
    float[] classLogits = logits(tf.pooled(), weights.get("cls_head/output_weights"),
        weights.get("cls_head/output_bias"), cfg.hiddenSize());
    float[] tokenLogits = logits(encoded.sequence(), weights.get("token_head/output_weights"),
        weights.get("token_head/output_bias"), cfg.hiddenSize());
    assertClose("sequence_output", encoded.sequence(), ort.get(OnnxLayout.SEQUENCE_OUTPUT), 1e-4);
    assertClose("pooled_output", tf.pooled(), ort.get(OnnxLayout.POOLED_OUTPUT), 1e-4);
    assertClose("class_logits", classLogits, ort.get(OnnxLayout.CLASS_LOGITS), 1e-4);
    assertClose("token_logits", tokenLogits, ort.get(OnnxLayout.TOKEN_LOGITS), 1e-4);
    assertClose("class_probs", tf.classProbs(), ort.get(OnnxLayout.CLASS_PROBS), 1e-5);
    assertClose("token_probs", tf.tokenProbs(), ort.get(OnnxLayout.TOKEN_PROBS), 1e-5);
  }

  @Test
  void shouldWriteAMultiLabelHeadAsSigmoidsAndOmitAbsentHeads() throws Exception {
    HeadsSpec heads = HeadsSpec.multiLabel(4);
    Map<String, float[]> weights = TinyBert.randomWeights(TinyBert.CONFIG, heads, 3);
    byte[] bytes;
    ForwardResult tf;
    try (BertModel model = BertModel.create(TinyBert.CONFIG, heads, WeightSource.ofArrays(weights))) {
      tf = model.run(INPUTS.batch(), INPUTS.seqLen(), INPUTS.ids(), INPUTS.mask(), INPUTS.segments());
      bytes = OnnxExporter.toBytes(model);
    }
    OnnxModel.Model m = OnnxProtoReader.read(bytes, false);
    assertEquals(List.of(OnnxLayout.SEQUENCE_OUTPUT, OnnxLayout.POOLED_OUTPUT, OnnxLayout.CLASS_LOGITS,
        OnnxLayout.CLASS_PROBS), m.graph().outputs().stream().map(OnnxModel.ValueInfo::name).toList());
    assertEquals(Map.of("", 17L), m.opsets());
    assertEquals(TinyBert.CONFIG, BertConfig.fromJson(m.metadata().get(OnnxLayout.BERT_CONFIG_KEY)));
    Map<String, float[]> ort = runOrt(bytes, INPUTS, Set.of(OnnxLayout.CLASS_PROBS));
    assertClose("class_probs", tf.classProbs(), ort.get(OnnxLayout.CLASS_PROBS), 1e-5);
    OnnxOps.check(bytes, heads, TinyBert.CONFIG.hiddenSize()); // what the exporter writes passes the op check
  }

  @Test
  void shouldQuantizeEveryEncoderDenseLayerToInt8AndStayCloseToFp32() throws Exception {
    byte[] fp32 = realisticFp32();
    byte[] int8 = OnnxQuantizer.quantizeInt8(fp32);
    OnnxOps.check(int8, HEADS, TinyBert.CONFIG.hiddenSize());
    OnnxModel.Model m = OnnxProtoReader.read(int8, true);
    Map<String, Long> ops = m.graph().nodes().stream()
        .collect(Collectors.groupingBy(OnnxModel.Node::opType, Collectors.counting()));
    int layers = TinyBert.CONFIG.numHiddenLayers();
    assertEquals(6L * layers + 1, ops.get("MatMulInteger")); // six dense layers per block and the pooler
    assertEquals(4L * layers + 1, ops.get("DynamicQuantizeLinear")); // Q, K and V share one
    assertEquals(2L * layers + 2, ops.get("MatMul")); // the attention products and the two heads stay float
    assertEquals("int8", m.metadata().get(OnnxLayout.PRECISION_KEY));
    for (OnnxModel.Tensor t : m.graph().initializers()) {
      assertFalse(t.name().endsWith("/kernel") && t.dataType() == OnnxModel.FLOAT, t.name() + " kept float");
    }
    Set<String> out = Set.of(OnnxLayout.CLASS_PROBS, OnnxLayout.TOKEN_PROBS);
    Map<String, float[]> a = runOrt(fp32, INPUTS, out);
    Map<String, float[]> b = runOrt(int8, INPUTS, out);
    double diff = Math.max(TinyBert.maxAbsDiff(a.get(OnnxLayout.CLASS_PROBS), b.get(OnnxLayout.CLASS_PROBS)),
        TinyBert.maxAbsDiff(a.get(OnnxLayout.TOKEN_PROBS), b.get(OnnxLayout.TOKEN_PROBS)));
    assertTrue(diff < 0.02, "int8 moved a probability by " + diff);
  }

  @Test
  void shouldQuantizeEachTokenOnItsOwnSoThatATextsResultDoesNotDependOnItsBatch() throws Exception {
    byte[] fp32 = realisticFp32();
    Set<String> out = Set.of(OnnxLayout.CLASS_PROBS);
    int classes = HEADS.numClasses();
    for (String scheme : List.of("per-tensor", "per-token", "per-row")) {
      boolean perToken = !scheme.equals("per-tensor");
      byte[] int8 = switch (scheme) {
        case "per-token" -> OnnxQuantizer.quantizeInt8PerToken(fp32);
        case "per-row" -> OnnxQuantizer.quantizeInt8PerRow(fp32);
        default -> OnnxQuantizer.quantizeInt8(fp32);
      };
      OnnxOps.check(int8, HEADS, TinyBert.CONFIG.hiddenSize());
      float[] batched = runOrt(int8, INPUTS, out).get(OnnxLayout.CLASS_PROBS);
      double batchEffect = 0;
      for (int b = 0; b < INPUTS.batch(); b++) {
        float[] alone = runOrt(int8, row(INPUTS, b), out).get(OnnxLayout.CLASS_PROBS);
        for (int c = 0; c < classes; c++) {
          batchEffect = Math.max(batchEffect, Math.abs(alone[c] - batched[b * classes + c]));
        }
      }
      if (perToken) {
        assertTrue(batchEffect < 1e-6, scheme + ": a text's result moved by " + batchEffect + " with its batch");
        double diff = TinyBert.maxAbsDiff(runOrt(fp32, INPUTS, out).get(OnnxLayout.CLASS_PROBS), batched);
        assertTrue(diff < 0.02, scheme + " int8 moved a probability by " + diff);
      } else {
        assertTrue(batchEffect > 1e-6, "per tensor: the batch's range quantizes every text (moved " + batchEffect
            + ")");
      }
    }
  }

  @Test
  void shouldQuantizeEveryEncoderDenseLayerPerRowAroundOneSharedZeroPoint() throws Exception {
    byte[] fp32 = realisticFp32();
    OnnxModel.Model m = OnnxProtoReader.read(OnnxQuantizer.quantizeInt8PerRow(fp32), true);
    Map<String, Long> ops = m.graph().nodes().stream()
        .collect(Collectors.groupingBy(OnnxModel.Node::opType, Collectors.counting()));
    int layers = TinyBert.CONFIG.numHiddenLayers();
    assertEquals(6L * layers, ops.get("MatMulInteger")); // the pooler ([B, H]) stays float, as the heads do
    assertEquals(4L * layers, ops.get("QuantizeLinear")); // Q, K and V share one quantized input
    assertEquals(2L * layers + 3, ops.get("MatMul")); // attention products, pooler and the two heads
    Map<String, OnnxModel.Tensor> initializers = m.graph().initializers().stream()
        .collect(Collectors.toMap(OnnxModel.Tensor::name, t -> t));
    for (OnnxModel.Node n : m.graph().nodes()) {
      if (n.opType().equals("MatMulInteger")) { // the rows' zero point is the product's per-tensor zero point
        OnnxModel.Tensor zp = initializers.get(n.inputs().get(2));
        assertEquals(0, zp.dims().length, n.name());
        assertEquals(OnnxQuantizer.ROW_ZERO_POINT, Byte.toUnsignedInt(zp.raw()[0]), n.name());
      }
    }
    Set<String> out = Set.of(OnnxLayout.TOKEN_PROBS);
    double diff = TinyBert.maxAbsDiff(runOrt(fp32, INPUTS, out).get(OnnxLayout.TOKEN_PROBS),
        runOrt(OnnxQuantizer.quantizeInt8PerRow(fp32), INPUTS, out).get(OnnxLayout.TOKEN_PROBS));
    assertTrue(diff < 0.02, "per-row int8 moved a token probability by " + diff);
  }

  /** The fp32 export of the tiny model with {@link #realisticWeights()}. */
  static byte[] realisticFp32() {
    try (BertModel model = BertModel.create(TinyBert.CONFIG, HEADS, WeightSource.ofArrays(realisticWeights()))) {
      return OnnxExporter.toBytes(model);
    }
  }

  /** Random weights near BERT's own initialiser scale: activations of a realistic size for int8's ranges. */
  static Map<String, float[]> realisticWeights() {
    return TinyBert.realisticWeights(TinyBert.CONFIG, HEADS, 9);
  }

  /** Row {@code b} of a batch as a batch of one (same sequence length, same padding). */
  static TinyBert.Inputs row(TinyBert.Inputs in, int b) {
    int t = in.seqLen();
    return new TinyBert.Inputs(1, t, java.util.Arrays.copyOfRange(in.ids(), b * t, b * t + t),
        java.util.Arrays.copyOfRange(in.mask(), b * t, b * t + t),
        java.util.Arrays.copyOfRange(in.segments(), b * t, b * t + t));
  }

  @Test
  void shouldWriteOnlyAllowedOpsForEveryActivationAndHeadCombination() {
    // The counterpart of SavedModelOpsTest: fails when an exported graph starts to need an op OnnxOps refuses.
    List<HeadsSpec> heads = List.of(HeadsSpec.NONE, HeadsSpec.classification(2), HeadsSpec.multiLabel(3),
        HeadsSpec.tokenClassification(4), new HeadsSpec(2, false, 4));
    for (Activation act : Activation.values()) {
      for (HeadsSpec h : heads) {
        BertConfig cfg = withActivation(act);
        try (BertModel model = BertModel.create(cfg, h, WeightSource.ofArrays(TinyBert.randomWeights(cfg, h, 1)))) {
          byte[] fp32 = OnnxExporter.toBytes(model);
          OnnxOps.check(fp32, h, cfg.hiddenSize());
          OnnxOps.check(OnnxQuantizer.quantizeInt8(fp32), h, cfg.hiddenSize());
          OnnxOps.check(OnnxQuantizer.quantizeInt8PerToken(fp32), h, cfg.hiddenSize());
          OnnxOps.check(OnnxQuantizer.quantizeInt8PerRow(fp32), h, cfg.hiddenSize());
        }
      }
    }
  }

  static BertConfig withActivation(Activation act) {
    BertConfig c = TinyBert.CONFIG;
    return new BertConfig(c.vocabSize(), c.hiddenSize(), c.numHiddenLayers(), c.numAttentionHeads(),
        c.intermediateSize(), act, c.hiddenDropoutProb(), c.attentionProbsDropoutProb(), c.maxPositionEmbeddings(),
        c.typeVocabSize(), c.initializerRange());
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

  /** Runs a model in a plain ONNX Runtime session (all optimisations, default threads). */
  static Map<String, float[]> runOrt(byte[] model, TinyBert.Inputs in, Set<String> outputs) throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    long[] shape = {in.batch(), in.seqLen()};
    Map<String, float[]> result = new HashMap<>();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        OrtSession session = env.createSession(model, options);
        OnnxTensor ids = OnnxTensor.createTensor(env, LongBuffer.wrap(toLongs(in.ids())), shape);
        OnnxTensor mask = OnnxTensor.createTensor(env, LongBuffer.wrap(toLongs(in.mask())), shape);
        OnnxTensor seg = OnnxTensor.createTensor(env, LongBuffer.wrap(toLongs(in.segments())), shape);
        OrtSession.Result r = session.run(Map.of(OnnxLayout.INPUT_IDS, ids, OnnxLayout.ATTENTION_MASK, mask,
            OnnxLayout.TOKEN_TYPE_IDS, seg), outputs)) {
      for (String name : outputs) {
        FloatBuffer fb = ((OnnxTensor) r.get(name).orElseThrow()).getFloatBuffer();
        float[] v = new float[fb.remaining()];
        fb.get(v);
        result.put(name, v);
      }
    }
    return result;
  }

  static long[] toLongs(int[] v) {
    long[] out = new long[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = v[i];
    }
    return out;
  }

  static void assertClose(String what, float[] expected, float[] actual, double tolerance) {
    double diff = TinyBert.maxAbsDiff(expected, actual);
    assertTrue(diff <= tolerance, what + ": max |TF - ONNX Runtime| = " + diff + " > " + tolerance);
  }
}
