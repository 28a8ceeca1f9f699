package org.streambert.bert.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.streambert.bert.model.internals.Layers;
import org.streambert.bert.model.internals.TensorData;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;

/** The activations in the graph compute their textbook formulas. */
class ActivationTest {
  private static final float[] X = {-4f, -2.5f, -1.3f, -0.7f, -0.1f, 0f, 0.05f, 0.5f, 1f, 1.7f, 2.2f, 3.1f, 5f};
  private static final double TOLERANCE = 2e-6;

  @Test
  void shouldComputeGeluTanhAsGooglesApproximation() {
    float[] y = evaluate(Activation.GELU_TANH);
    for (int i = 0; i < X.length; i++) {
      double x = X[i];
      double expected = 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
      assertEquals(expected, y[i], TOLERANCE, "gelu_tanh(" + x + ")");
    }
  }

  @Test
  void shouldComputeGeluErfExactly() {
    float[] y = evaluate(Activation.GELU_ERF);
    for (int i = 0; i < X.length; i++) {
      double x = X[i];
      double expected = 0.5 * x * (1 + erf(x / Math.sqrt(2)));
      assertEquals(expected, y[i], TOLERANCE, "gelu_erf(" + x + ")");
    }
  }

  @Test
  void shouldDistinguishTheTwoGeluVariants() {
    float[] tanh = evaluate(Activation.GELU_TANH);
    float[] erf = evaluate(Activation.GELU_ERF);
    double maxDiff = 0;
    for (int i = 0; i < X.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(tanh[i] - erf[i]));
    }
    assertTrue(maxDiff > 1e-4, "the variants should differ somewhere, max diff " + maxDiff);
  }

  @Test
  void shouldComputeReluAndTanh() {
    float[] relu = evaluate(Activation.RELU);
    float[] tanh = evaluate(Activation.TANH);
    for (int i = 0; i < X.length; i++) {
      assertEquals(Math.max(0, X[i]), relu[i], 0);
      assertEquals(Math.tanh(X[i]), tanh[i], TOLERANCE);
    }
  }

  private static float[] evaluate(Activation act) {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      var y = Layers.activation(tf, act, tf.constant(X));
      try (Result r = s.runner().fetch(y).run()) {
        return TensorData.readFloats(r.get(0));
      }
    }
  }

  /** erf by composite Simpson integration of 2/sqrt(pi) exp(-t^2) on [0, z]; error far below float precision. */
  private static double erf(double z) {
    int n = 20_000;
    double h = z / n;
    double sum = 1 + Math.exp(-z * z);
    for (int i = 1; i < n; i++) {
      double t = i * h;
      sum += (i % 2 == 1 ? 4 : 2) * Math.exp(-t * t);
    }
    return 2 / Math.sqrt(Math.PI) * sum * h / 3;
  }
}
