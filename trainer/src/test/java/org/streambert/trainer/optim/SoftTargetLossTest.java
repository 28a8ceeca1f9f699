package org.streambert.trainer.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Gradients;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/** The distillation loss T² · KL(q || softmax(z / T)) against hand computations, and its gradient. */
class SoftTargetLossTest {

  private static final double T = 2.0;
  // [B=1, T=2, K=3] student logits, teacher distributions, weights (the second position is padding)
  private static final float[] LOGITS = {1f, 2f, 3f, 5f, -1f, 0f};
  private static final float[] TARGETS = {0.2f, 0.3f, 0.5f, 0.6f, 0.3f, 0.1f};
  private static final float[][] WEIGHTS = {{1f, 0f}};

  private record Out(double loss, float[] gradient) {}

  private static Out run(float[] logits, float[] targets, float[][] weights) {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Placeholder<TFloat32> z = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(1, 2, 3))); // [B, T, K]
      Operand<TFloat32> q = tf.reshape(tf.constant(targets), tf.constant(new int[] {1, 2, 3})); // [B, T, K]
      Operand<TFloat32> loss = SoftTargetLoss.weightedMean(tf, z, q, tf.constant(weights), T); // []
      Gradients grad = tf.gradients(loss, List.of(z));
      try (Session s = new Session(g);
          TFloat32 feed = TFloat32.tensorOf(Shape.of(1, 2, 3), DataBuffers.of(logits.clone()));
          Result r = s.runner().feed(z, feed).fetch(loss).fetch(grad.dy(0)).run()) {
        TFloat32 dz = (TFloat32) r.get(1);
        float[] g0 = new float[6];
        dz.asRawTensor().data().asFloats().read(g0);
        return new Out(((TFloat32) r.get(0)).getFloat(), g0);
      }
    }
  }

  private static double[] softmax(double[] z, double temperature) {
    double max = Double.NEGATIVE_INFINITY;
    for (double v : z) {
      max = Math.max(max, v);
    }
    double sum = 0;
    double[] p = new double[z.length];
    for (int i = 0; i < z.length; i++) {
      p[i] = Math.exp((z[i] - max) / temperature);
      sum += p[i];
    }
    for (int i = 0; i < z.length; i++) {
      p[i] /= sum;
    }
    return p;
  }

  @Test
  void shouldEqualTemperatureSquaredTimesKlComputedByHand() {
    // softmax([1, 2, 3] / 2) = [0.18632, 0.30720, 0.50648]
    double[] p = softmax(new double[] {1, 2, 3}, T);
    assertEquals(0.186324, p[0], 1e-6);
    double kl = 0.2 * Math.log(0.2 / p[0]) + 0.3 * Math.log(0.3 / p[1]) + 0.5 * Math.log(0.5 / p[2]);
    // only the first position has weight: the mean is over one position
    Out out = run(LOGITS, TARGETS, WEIGHTS);
    assertEquals(T * T * kl, out.loss(), 1e-6);
    // 0.2 ln(0.2/0.18632) + 0.3 ln(0.3/0.30720) + 0.5 ln(0.5/0.50648) = 0.0006167; times T² = 4
    assertEquals(0.0024667, out.loss(), 1e-6);
  }

  @Test
  void shouldBeZeroWhenTheStudentMatchesTheTeacher() {
    double[] p = softmax(new double[] {1, 2, 3}, T);
    float[] targets = {(float) p[0], (float) p[1], (float) p[2], 0.6f, 0.3f, 0.1f};
    assertEquals(0.0, run(LOGITS, targets, WEIGHTS).loss(), 1e-6);
  }

  @Test
  void shouldHaveTheFiniteAnalyticGradientTimesSoftmaxMinusTargets() {
    // d/dz [T² · KL(q || softmax(z/T))] = T · (softmax(z/T) - q) at weighted positions, 0 at padding.
    Out out = run(LOGITS, TARGETS, WEIGHTS);
    double[] p = softmax(new double[] {1, 2, 3}, T);
    float[] expected = new float[6];
    for (int k = 0; k < 3; k++) {
      expected[k] = (float) (T * (p[k] - TARGETS[k]));
    }
    for (float v : out.gradient()) {
      assertTrue(Float.isFinite(v));
    }
    assertArrayEquals(expected, out.gradient(), 1e-6f);
  }

  @Test
  void shouldStayFiniteForExtremeLogitsAndZeroTargets() {
    float[] logits = {80f, -80f, 0f, 1e4f, -1e4f, 0f};
    float[] targets = {1f, 0f, 0f, 0f, 0f, 1f};
    Out out = run(logits, targets, new float[][] {{1f, 1f}});
    assertTrue(Double.isFinite(out.loss()), "loss " + out.loss());
    for (float v : out.gradient()) {
      assertTrue(Float.isFinite(v));
    }
  }

  @Test
  void shouldSoftenProbabilitiesAsSoftmaxOfLogitsOverTemperature() {
    double[] z = {0.5, -1, 2.5, 0};
    double[] p = softmax(z, 1);
    float[] probs = new float[4];
    for (int i = 0; i < 4; i++) {
      probs[i] = (float) p[i];
    }
    double[] expected = softmax(z, T);
    float[] soft = SoftTargetLoss.soften(probs, 4, T);
    for (int i = 0; i < 4; i++) {
      assertEquals(expected[i], soft[i], 1e-6);
    }
    assertArrayEquals(probs, SoftTargetLoss.soften(probs, 4, 1.0), 1e-7f);
  }

  @Test
  void shouldRefuseANonPositiveTemperature() {
    assertThrows(IllegalArgumentException.class, () -> SoftTargetLoss.soften(new float[] {1f}, 1, 0));
    assertThrows(IllegalArgumentException.class, () -> SoftTargetLoss.soften(new float[] {0.5f, 0.5f}, 2, -1));
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> z = tf.constant(new float[][] {{1f, 2f}}); // [B, K]
      assertThrows(IllegalArgumentException.class,
          () -> SoftTargetLoss.weightedMean(tf, z, z, tf.constant(new float[] {1f}), 0.0));
    }
  }
}
