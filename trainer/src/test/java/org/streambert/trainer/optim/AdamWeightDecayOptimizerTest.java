package org.streambert.trainer.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

class AdamWeightDecayOptimizerTest {

  private static final double TOLERANCE = 2e-6;

  // Three variables: one that is decayed, and one of each excluded kind (LayerNorm, bias).
  private static final String[] NAMES = {"layer/kernel", "layer/LayerNorm/gamma", "layer/bias"};
  private static final double[][] INITIAL = {{0.5, -1.0, 2.0, 0.25}, {1.0, 1.5}, {0.1, -0.2}};
  private static final double[][] TARGET = {{0.0, 1.0, -1.0, 0.5}, {0.5, 0.0}, {0.3, 0.3}};
  private static final double CURVATURE = 3.0; // loss = sum c * (p - t)^2, gradient 2c(p - t)

  /** The model of the tests: three variables and their names, in a graph. */
  private static final class Model {
    final Ops tf;
    final List<TrainableVariable> variables = new ArrayList<>();

    Model(Graph g) {
      tf = Ops.create(g);
      variables.add(new TrainableVariable(NAMES[0], tf.withName("kernel").variable(
          tf.constant(new float[][] {{0.5f, -1.0f}, {2.0f, 0.25f}}))));
      variables.add(new TrainableVariable(NAMES[1], tf.withName("gamma").variable(tf.constant(new float[] {1.0f, 1.5f}))));
      variables.add(new TrainableVariable(NAMES[2], tf.withName("bias").variable(tf.constant(new float[] {0.1f, -0.2f}))));
    }

    Operand<TFloat32> flat(Operand<TFloat32> x) {
      return tf.reshape(x, tf.constant(new int[] {-1}));
    }

    Operand<TFloat32> sum(Operand<TFloat32> x) {
      return tf.reduceSum(flat(x), tf.constant(0));
    }

    /** sum over variables of c * (p - t)^2. */
    Operand<TFloat32> quadraticLoss() {
      List<Operand<TFloat32>> terms = new ArrayList<>();
      for (int k = 0; k < 3; k++) {
        Operand<TFloat32> diff = tf.math.sub(flat(variables.get(k).variable()), tf.constant(floats(TARGET[k])));
        terms.add(sum(tf.math.mul(tf.constant((float) CURVATURE), tf.math.square(diff))));
      }
      return tf.math.addN(terms);
    }

    /** sum over variables of G_k . p_k: constant gradient G. */
    Operand<TFloat32> linearLoss(double[][] gradient) {
      List<Operand<TFloat32>> terms = new ArrayList<>();
      for (int k = 0; k < 3; k++) {
        terms.add(sum(tf.math.mul(flat(variables.get(k).variable()), tf.constant(floats(gradient[k])))));
      }
      return tf.math.addN(terms);
    }
  }

  /**
   * optimization.py's create_optimizer + AdamWeightDecayOptimizer.apply_gradients in plain Java, written
   * from the Python code: clip by global norm, Adam moments without bias correction, decoupled weight decay
   * except for LayerNorm and bias, learning rate warm-up then linear decay.
   */
  private static final class Reference {
    final double initLr;
    final long numTrainSteps;
    final long numWarmupSteps;
    final double[][] p = copy(INITIAL);
    final double[][] m = zerosLike(INITIAL);
    final double[][] v = zerosLike(INITIAL);
    final boolean[] decay = {true, false, false};
    long step;
    double lastNorm;
    double lastLr;

    Reference(double initLr, long numTrainSteps, long numWarmupSteps) {
      this.initLr = initLr;
      this.numTrainSteps = numTrainSteps;
      this.numWarmupSteps = numWarmupSteps;
    }

    void step() {
      double[][] g = new double[3][];
      double squares = 0;
      for (int k = 0; k < 3; k++) {
        g[k] = new double[p[k].length];
        for (int i = 0; i < p[k].length; i++) {
          g[k][i] = 2 * CURVATURE * (p[k][i] - TARGET[k][i]);
          squares += g[k][i] * g[k][i];
        }
      }
      lastNorm = Math.sqrt(squares);
      double scale = 1.0 / Math.max(lastNorm, 1.0); // clip_norm * min(1/norm, 1/clip_norm), clip_norm 1
      lastLr = step < numWarmupSteps
          ? initLr * step / numWarmupSteps
          : initLr * (1 - (double) Math.min(step, numTrainSteps) / numTrainSteps);
      for (int k = 0; k < 3; k++) {
        for (int i = 0; i < p[k].length; i++) {
          double grad = g[k][i] * scale;
          m[k][i] = 0.9 * m[k][i] + 0.1 * grad;
          v[k][i] = 0.999 * v[k][i] + 0.001 * grad * grad;
          double update = m[k][i] / (Math.sqrt(v[k][i]) + 1e-6);
          if (decay[k]) {
            update += 0.01 * p[k][i];
          }
          p[k][i] -= lastLr * update;
        }
      }
      step++;
    }
  }

  @Test
  void shouldMatchAPlainJavaReferenceOfOptimizationPyOverWarmupAndDecaySteps() {
    try (Graph g = new Graph(); Session session = new Session(g)) {
      Model model = new Model(g);
      TrainStep step = AdamWeightDecayOptimizer.build(model.tf, model.quadraticLoss(), model.variables,
          new WarmupLinearDecay(0.1, 10, 2), AdamWeightDecayConfig.BERT);
      Reference reference = new Reference(0.1, 10, 2);
      List<Operand<?>> fetches = new ArrayList<>(List.of(step.learningRate(), step.gradientNorm()));
      for (int round = 0; round < 4; round++) { // steps 0 and 1 warm up (lr 0 then 0.05), 2 and 3 decay
        List<double[]> before = Tensors.fetch(session, fetches, step.trainOp());
        reference.step();
        assertTrue(reference.lastNorm > 1, "the test must exercise clipping");
        assertEquals(reference.lastLr, before.get(0)[0], 1e-8, "learning rate of step " + round);
        assertEquals(reference.lastNorm, before.get(1)[0], 1e-4, "gradient norm of step " + round);
        List<Operand<?>> state = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
          state.add(model.variables.get(k).variable());
          state.add(step.slots().get(k).m());
          state.add(step.slots().get(k).v());
        }
        List<double[]> after = Tensors.fetch(session, state);
        for (int k = 0; k < 3; k++) {
          assertArrayEquals(reference.p[k], after.get(3 * k), TOLERANCE, NAMES[k] + " after step " + round);
          assertArrayEquals(reference.m[k], after.get(3 * k + 1), TOLERANCE, NAMES[k] + " m after step " + round);
          assertArrayEquals(reference.v[k], after.get(3 * k + 2), TOLERANCE, NAMES[k] + " v after step " + round);
        }
      }
      assertEquals(4L, globalStep(session, step));
    }
  }

  @Test
  void shouldDecayOnlyVariablesNotNamedLayerNormOrBias() {
    try (Graph g = new Graph(); Session session = new Session(g)) {
      Model model = new Model(g);
      // Zero gradient: the whole update is the weight decay, lr * rate * p = 0.5 * 0.1 * p.
      TrainStep step = AdamWeightDecayOptimizer.build(model.tf, model.linearLoss(zerosLike(INITIAL)),
          model.variables, new WarmupLinearDecay(0.5, 100, 0), AdamWeightDecayConfig.BERT.withWeightDecayRate(0.1));
      Tensors.fetch(session, List.of(), step.trainOp());
      List<double[]> after = Tensors.fetch(session, model.variables.stream().map(TrainableVariable::variable).toList());
      double[] decayed = INITIAL[0].clone();
      for (int i = 0; i < decayed.length; i++) {
        decayed[i] *= 0.95;
      }
      assertArrayEquals(decayed, after.get(0), TOLERANCE);
      assertArrayEquals(INITIAL[1], after.get(1), TOLERANCE);
      assertArrayEquals(INITIAL[2], after.get(2), TOLERANCE);
      assertEquals(List.of(true, false, false), step.slots().stream().map(TrainStep.Slots::weightDecay).toList());
    }
  }

  @Test
  void shouldScaleGradientsToGlobalNormOne() {
    // Gradient (0, 6, 0, 0 | 0, 0 | 8, 0) has global norm 10 across two variables: scaled by 1/10.
    double[][] gradient = {{0, 6, 0, 0}, {0, 0}, {8, 0}};
    double[][] m = firstMoments(gradient);
    assertArrayEquals(new double[] {0, 0.06, 0, 0}, m[0], TOLERANCE);
    assertArrayEquals(new double[] {0.08, 0}, m[2], TOLERANCE);
  }

  @Test
  void shouldLeaveGradientsBelowTheClipNormUnchanged() {
    double[][] gradient = {{0, 0.3, 0, 0}, {0, 0}, {0.4, 0}};
    double[][] m = firstMoments(gradient);
    assertArrayEquals(new double[] {0, 0.03, 0, 0}, m[0], TOLERANCE);
    assertArrayEquals(new double[] {0.04, 0}, m[2], TOLERANCE);
  }

  /** m after one step with a constant gradient: (1 - beta1) * clipped gradient. */
  private static double[][] firstMoments(double[][] gradient) {
    try (Graph g = new Graph(); Session session = new Session(g)) {
      Model model = new Model(g);
      TrainStep step = AdamWeightDecayOptimizer.build(model.tf, model.linearLoss(gradient), model.variables,
          new WarmupLinearDecay(0.1, 10, 0), AdamWeightDecayConfig.BERT);
      Tensors.fetch(session, List.of(), step.trainOp());
      return Tensors.fetch(session, step.slots().stream().map(TrainStep.Slots::m).toList()).toArray(double[][]::new);
    }
  }

  @Test
  void shouldLeaveVariablesTheLossDoesNotUseUntouched() {
    try (Graph g = new Graph(); Session session = new Session(g)) {
      Model model = new Model(g);
      Variable<TFloat32> unused = model.tf.withName("unused").variable(model.tf.constant(new float[] {4f}));
      List<TrainableVariable> all = new ArrayList<>(model.variables);
      all.add(new TrainableVariable("head/unused/kernel", unused));
      TrainStep step = AdamWeightDecayOptimizer.build(model.tf, model.quadraticLoss(), all,
          new WarmupLinearDecay(0.1, 10, 0), AdamWeightDecayConfig.BERT);
      assertEquals(List.of("head/unused/kernel"), step.withoutGradient());
      Tensors.fetch(session, List.of(), step.trainOp());
      assertArrayEquals(new double[] {4}, Tensors.fetch(session, List.of(unused)).get(0), 0);
    }
  }

  private static long globalStep(Session session, TrainStep step) {
    try (var result = session.runner().fetch(step.globalStep()).run()) {
      return ((org.tensorflow.types.TInt64) result.get(0)).getLong();
    }
  }

  private static float[] floats(double[] values) {
    float[] out = new float[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (float) values[i];
    }
    return out;
  }

  private static double[][] copy(double[][] a) {
    double[][] out = new double[a.length][];
    for (int i = 0; i < a.length; i++) {
      out[i] = a[i].clone();
    }
    return out;
  }

  private static double[][] zerosLike(double[][] a) {
    double[][] out = new double[a.length][];
    for (int i = 0; i < a.length; i++) {
      out[i] = new double[a[i].length];
    }
    return out;
  }
}
