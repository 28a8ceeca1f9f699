package org.streambert.bert.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.streambert.bert.model.TinyBert.Inputs;
import org.streambert.bert.model.internals.TensorData;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

class BertGraphTest {
  private static final BertConfig CFG = TinyBert.CONFIG;
  private static final HeadsSpec BOTH = HeadsSpec.classification(3).withTokenHead(5);

  @Test
  void shouldNameVariablesWithGoogleCheckpointNames() {
    Map<String, Shape> shapes = BertGraph.variableShapes(CFG, BOTH);
    assertEquals(Shape.of(100, 32), shapes.get("bert/embeddings/word_embeddings"));
    assertEquals(Shape.of(2, 32), shapes.get("bert/embeddings/token_type_embeddings"));
    assertEquals(Shape.of(64, 32), shapes.get("bert/embeddings/position_embeddings"));
    assertEquals(Shape.of(32), shapes.get("bert/embeddings/LayerNorm/gamma"));
    assertEquals(Shape.of(32, 32), shapes.get("bert/encoder/layer_0/attention/self/query/kernel"));
    assertEquals(Shape.of(32), shapes.get("bert/encoder/layer_1/attention/output/LayerNorm/beta"));
    assertEquals(Shape.of(32, 64), shapes.get("bert/encoder/layer_1/intermediate/dense/kernel"));
    assertEquals(Shape.of(64, 32), shapes.get("bert/encoder/layer_1/output/dense/kernel"));
    assertEquals(Shape.of(32, 32), shapes.get("bert/pooler/dense/kernel"));
    assertEquals(Shape.of(3, 32), shapes.get("cls_head/output_weights"));
    assertEquals(Shape.of(3), shapes.get("cls_head/output_bias"));
    assertEquals(Shape.of(5, 32), shapes.get("token_head/output_weights"));
    // 5 embedding variables, 16 per layer, 2 pooler, 2 per head
    assertEquals(5 + 16 * CFG.numHiddenLayers() + 2 + 4, shapes.size());
  }

  @Test
  void shouldListTheVariablesABuiltGraphCreatesWithoutBuildingOne() {
    for (ModelFamily family : ModelFamily.values()) {
      // ELECTRA with an embedding size below H, so the projection is there too
      BertConfig cfg = family == ModelFamily.ELECTRA
          ? CFG.asFamily(family).withOptions(family, 1e-12, -1, 16, Activation.GELU_ERF) : CFG.asFamily(family);
      for (HeadsSpec heads : List.of(HeadsSpec.NONE, BOTH, HeadsSpec.multiLabel(2),
          HeadsSpec.tokenClassification(4))) {
        Map<String, Shape> built = new LinkedHashMap<>();
        try (Graph g = new Graph()) {
          BertGraph.build(Ops.create(g), cfg, heads, false).variables()
              .forEach(v -> built.put(v.name(), v.shape()));
        }
        assertEquals(List.copyOf(built.entrySet()), List.copyOf(BertGraph.variableShapes(cfg, heads).entrySet()),
            "names, shapes and order for " + family + " " + heads);
      }
    }
  }

  @Test
  void shouldListTheVariablesOfAConfigAtTheCapsInMilliseconds() {
    BertConfig caps = new BertConfig(1_000_000, 8_192, 128, 256, 65_536, CFG.hiddenAct(), 0.1, 0.1, 65_536, 1_024,
        0.02);
    long start = System.nanoTime();
    Map<String, Shape> shapes = BertGraph.variableShapes(caps, HeadsSpec.NONE);
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertEquals(5 + 16 * 128 + 2, shapes.size());
    assertTrue(millis < 1_000, "took " + millis + " ms");
  }

  @Test
  void shouldAcceptAnyBatchSizeAndSequenceLength() {
    try (BertModel m = BertModel.create(CFG, BOTH,
        WeightSource.ofArrays(TinyBert.randomWeights(CFG, BOTH, 1)))) {
      for (int[] bt : new int[][] {{1, 1}, {1, 5}, {3, 17}, {2, 64}}) {
        int b = bt[0];
        int t = bt[1];
        int[] real = new int[b];
        java.util.Arrays.fill(real, t);
        Inputs in = TinyBert.inputs(b, t, real, 7);
        ForwardResult r = m.run(b, t, in.ids(), in.mask(), in.segments());
        assertEquals(b * 32, r.pooled().length);
        assertEquals(b * 3, r.classProbs().length);
        assertEquals(b * t * 5, r.tokenProbs().length);
        EncoderOutput e = m.encode(b, t, in.ids(), in.mask(), in.segments());
        assertEquals(b * t * 32, e.sequence().length);
      }
    }
  }

  @Test
  void shouldNotLetPaddingChangeTheOutputsOfRealTokens() {
    try (BertModel m = BertModel.create(CFG, BOTH,
        WeightSource.ofArrays(TinyBert.randomWeights(CFG, BOTH, 2)))) {
      Inputs padded = TinyBert.inputs(2, 20, new int[] {7, 12}, 3);
      // padding positions get arbitrary ids and segments: only the mask may hide them
      for (int i = 0; i < padded.ids().length; i++) {
        if (padded.mask()[i] == 0) {
          padded.ids()[i] = 1 + i % 90;
          padded.segments()[i] = i % 2;
        }
      }
      Inputs tight = TinyBert.truncate(padded, 12);
      EncoderOutput long20 = m.encode(2, 20, padded.ids(), padded.mask(), padded.segments());
      EncoderOutput short12 = m.encode(2, 12, tight.ids(), tight.mask(), tight.segments());
      int h = CFG.hiddenSize();
      int[] real = {7, 12};
      for (int b = 0; b < 2; b++) {
        for (int t = 0; t < real[b]; t++) {
          for (int j = 0; j < h; j++) {
            assertEquals(long20.sequence()[(b * 20 + t) * h + j], short12.sequence()[(b * 12 + t) * h + j], 1e-5,
                "row " + b + " position " + t);
          }
        }
      }
      assertTrue(TinyBert.maxAbsDiff(long20.pooled(), short12.pooled()) < 1e-5);
      ForwardResult r20 = m.run(2, 20, padded.ids(), padded.mask(), padded.segments());
      ForwardResult r12 = m.run(2, 12, tight.ids(), tight.mask(), tight.segments());
      assertTrue(TinyBert.maxAbsDiff(r20.classProbs(), r12.classProbs()) < 1e-5);
    }
  }

  @Test
  void shouldComputeSoftmaxHeadsFromPooledAndSequenceOutputs() {
    Map<String, float[]> w = TinyBert.randomWeights(CFG, BOTH, 4);
    try (BertModel m = BertModel.create(CFG, BOTH, WeightSource.ofArrays(w))) {
      Inputs in = TinyBert.inputs(2, 6, new int[] {6, 4}, 5);
      EncoderOutput e = m.encode(2, 6, in.ids(), in.mask(), in.segments());
      ForwardResult r = m.run(2, 6, in.ids(), in.mask(), in.segments());
      assertTrue(TinyBert.maxAbsDiff(e.pooled(), r.pooled()) == 0);
      int h = CFG.hiddenSize();
      for (int b = 0; b < 2; b++) {
        double[] expected = softmax(affine(e.pooled(), b * h, h, w.get("cls_head/output_weights"),
            w.get("cls_head/output_bias")));
        for (int c = 0; c < 3; c++) {
          assertEquals(expected[c], r.classProbs()[b * 3 + c], 1e-5);
        }
        for (int t = 0; t < 6; t++) {
          double[] tok = softmax(affine(e.sequence(), (b * 6 + t) * h, h, w.get("token_head/output_weights"),
              w.get("token_head/output_bias")));
          for (int k = 0; k < 5; k++) {
            assertEquals(tok[k], r.tokenProbs()[(b * 6 + t) * 5 + k], 1e-5);
          }
        }
      }
    }
  }

  @Test
  void shouldUseIndependentSigmoidsForMultiLabel() {
    HeadsSpec multi = HeadsSpec.multiLabel(4);
    Map<String, float[]> w = TinyBert.randomWeights(CFG, multi, 6);
    try (BertModel m = BertModel.create(CFG, multi, WeightSource.ofArrays(w))) {
      Inputs in = TinyBert.inputs(1, 5, new int[] {5}, 8);
      ForwardResult r = m.run(1, 5, in.ids(), in.mask(), in.segments());
      double[] logits = affine(r.pooled(), 0, CFG.hiddenSize(), w.get("cls_head/output_weights"),
          w.get("cls_head/output_bias"));
      for (int c = 0; c < 4; c++) {
        assertEquals(1 / (1 + Math.exp(-logits[c])), r.classProbs()[c], 1e-5);
      }
      assertEquals(null, r.tokenProbs());
    }
  }

  @Test
  void shouldApplyDropoutOnlyWhenTraining() {
    Map<String, float[]> w = TinyBert.randomWeights(CFG, HeadsSpec.NONE, 9);
    Inputs in = TinyBert.inputs(2, 8, new int[] {8, 5}, 10);
    float[] inference1 = pooled(CFG, false, w, in);
    float[] inference2 = pooled(CFG, false, w, in);
    assertEquals(0, TinyBert.maxAbsDiff(inference1, inference2));
    float[][] training = pooledTwice(CFG, w, in);
    assertTrue(TinyBert.maxAbsDiff(training[0], training[1]) > 1e-3, "dropout should make runs differ");
    // with zero dropout probabilities, the training graph is the inference graph
    float[] trainingNoDropout = pooled(CFG.withDropout(0, 0), true, w, in);
    assertTrue(TinyBert.maxAbsDiff(inference1, trainingNoDropout) < 1e-6);
  }

  @Test
  void shouldHaveAGradientForEveryVariable() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      BertGraph bg = BertGraph.build(tf, CFG, BOTH, true);
      bg.initialize(s, WeightSource.ofArrays(TinyBert.randomWeights(CFG, BOTH, 11)));
      Operand<TInt32> all2 = tf.constant(new int[] {0, 1});
      Operand<TInt32> all3 = tf.constant(new int[] {0, 1, 2});
      Operand<TFloat32> loss = tf.math.add(tf.sum(bg.classLogits().orElseThrow(), all2),
          tf.sum(bg.tokenLogits().orElseThrow(), all3)); // []
      List<BertVariable> vars = bg.variables();
      Output<?>[] xs = vars.stream().map(v -> v.variable().asOutput()).toArray(Output[]::new);
      Output<?>[] grads = g.addGradients(loss.asOutput(), xs);
      Inputs in = TinyBert.inputs(2, 6, new int[] {6, 3}, 12);
      try (TInt32 ids = TensorData.ints(Shape.of(2, 6), in.ids());
          TInt32 mask = TensorData.ints(Shape.of(2, 6), in.mask());
          TInt32 seg = TensorData.ints(Shape.of(2, 6), in.segments())) {
        Session.Runner runner = s.runner().feed(bg.inputIds(), ids).feed(bg.inputMask(), mask)
            .feed(bg.segmentIds(), seg);
        for (Output<?> grad : grads) {
          assertNotNull(grad);
          runner.fetch(grad);
        }
        try (Result r = runner.run()) {
          List<String> zero = new ArrayList<>();
          for (int i = 0; i < grads.length; i++) {
            float[] values = TensorData.readFloats(r.get(i));
            boolean nonZero = false;
            for (float v : values) {
              assertTrue(Float.isFinite(v), "non-finite gradient for " + vars.get(i).name());
              nonZero |= v != 0;
            }
            if (!nonZero) {
              zero.add(vars.get(i).name());
            }
          }
          assertTrue(zero.isEmpty(), "all-zero gradients: " + zero);
        }
      }
    }
  }

  @Test
  void shouldLearnWithGradientDescentOnItsVariables() {
    BertConfig cfg = CFG.withDropout(0, 0);
    HeadsSpec heads = HeadsSpec.classification(2);
    Inputs in = TinyBert.inputs(4, 6, new int[] {6, 5, 4, 3}, 13);
    float[][] oneHot = {{1, 0}, {0, 1}, {0, 1}, {1, 0}};
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      BertGraph bg = BertGraph.build(tf, cfg, heads, true);
      Operand<TFloat32> logProbs = tf.nn.logSoftmax(bg.classLogits().orElseThrow()); // [B, C]
      Operand<TFloat32> loss = tf.math.neg(tf.math.mean(tf.sum(tf.math.mul(logProbs, tf.constant(oneHot)),
          tf.constant(1)), tf.constant(0))); // []
      // tensorflow-framework's optimizers name slots "<variable>-m", which TF Java rejects for names with '/',
      // so a trainer applies updates itself, here plain SGD
      List<BertVariable> vars = bg.variables();
      Output<?>[] grads = g.addGradients(loss.asOutput(),
          vars.stream().map(v -> v.variable().asOutput()).toArray(Output[]::new));
      List<org.tensorflow.op.Op> updates = new ArrayList<>();
      for (int i = 0; i < grads.length; i++) {
        @SuppressWarnings("unchecked")
        Operand<TFloat32> grad = (Operand<TFloat32>) grads[i];
        updates.add(tf.train.applyGradientDescent(vars.get(i).variable(), tf.constant(0.1f), grad));
      }
      var step = tf.withControlDependencies(updates).noOp();
      try (Session s = new Session(g)) {
        bg.initialize(s, WeightSource.random(cfg.initializerRange(), 14));
        float first = 0;
        float last = 0;
        for (int i = 0; i < 30; i++) {
          Shape shape = Shape.of(4, 6);
          try (TInt32 ids = TensorData.ints(shape, in.ids());
              TInt32 mask = TensorData.ints(shape, in.mask());
              TInt32 seg = TensorData.ints(shape, in.segments());
              Result r = s.runner().feed(bg.inputIds(), ids).feed(bg.inputMask(), mask)
                  .feed(bg.segmentIds(), seg).addTarget(step).fetch(loss).run()) {
            float value = TensorData.readFloats(r.get(0))[0];
            if (i == 0) {
              first = value;
            }
            last = value;
          }
        }
        assertTrue(last < first * 0.5, "loss should fall on a memorisable batch: " + first + " -> " + last);
      }
    }
  }

  @Test
  void shouldExposeEveryLayerOutput() {
    try (Graph g = new Graph()) {
      BertGraph bg = BertGraph.build(Ops.create(g), CFG, HeadsSpec.NONE, false);
      assertEquals(CFG.numHiddenLayers(), bg.layerOutputs().size());
      assertEquals(BertGraph.SEQUENCE_OUTPUT_NAME, bg.sequenceOutput().op().name());
      assertEquals(BertGraph.POOLED_OUTPUT_NAME, bg.pooledOutput().op().name());
    }
  }

  private static float[] pooled(BertConfig cfg, boolean training, Map<String, float[]> w,
      Inputs in) {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      BertGraph bg = BertGraph.build(Ops.create(g), cfg, HeadsSpec.NONE, training);
      bg.initialize(s, WeightSource.ofArrays(w));
      return runPooled(s, bg, in);
    }
  }

  private static float[][] pooledTwice(BertConfig cfg, Map<String, float[]> w, Inputs in) {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      BertGraph bg = BertGraph.build(Ops.create(g), cfg, HeadsSpec.NONE, true);
      bg.initialize(s, WeightSource.ofArrays(w));
      return new float[][] {runPooled(s, bg, in), runPooled(s, bg, in)};
    }
  }

  private static float[] runPooled(Session s, BertGraph bg, Inputs in) {
    Shape shape = Shape.of(in.batch(), in.seqLen());
    try (TInt32 ids = TensorData.ints(shape, in.ids());
        TInt32 mask = TensorData.ints(shape, in.mask());
        TInt32 seg = TensorData.ints(shape, in.segments());
        Result r = s.runner().feed(bg.inputIds(), ids).feed(bg.inputMask(), mask).feed(bg.segmentIds(), seg)
            .fetch(bg.pooledOutput()).run()) {
      return TensorData.readFloats(r.get(0));
    }
  }

  /** x[off..off+h) @ w^T + b with w [O, h]. */
  private static double[] affine(float[] x, int off, int h, float[] w, float[] b) {
    double[] out = new double[b.length];
    for (int o = 0; o < b.length; o++) {
      double acc = b[o];
      for (int j = 0; j < h; j++) {
        acc += x[off + j] * w[o * h + j];
      }
      out[o] = acc;
    }
    return out;
  }

  private static double[] softmax(double[] logits) {
    double max = java.util.Arrays.stream(logits).max().orElseThrow();
    double[] e = java.util.Arrays.stream(logits).map(v -> Math.exp(v - max)).toArray();
    double sum = java.util.Arrays.stream(e).sum();
    return java.util.Arrays.stream(e).map(v -> v / sum).toArray();
  }
}
