package org.streambert.trainer.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;
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
import org.tensorflow.types.TFloat64;

/** Logits [B=2, T=3, K=4] in float64; one masked-out position per sentence and one padding label -1. */
class CrossEntropyLossTest {

  private static final int B = 2;
  private static final int T = 3;
  private static final int K = 4;
  private static final int[][] LABELS = {{1, 3, 0}, {2, 2, -1}};
  private static final double[][] WEIGHTS = {{1, 0, 1}, {1, 1, 0}};

  private static double[] randomLogits(long seed) {
    Random random = new Random(seed);
    double[] logits = new double[B * T * K];
    for (int i = 0; i < logits.length; i++) {
      logits[i] = 3 * random.nextGaussian();
    }
    return logits;
  }

  /** The loss graph: a logits placeholder and the weighted mean cross-entropy of it. */
  private static final class LossGraph {
    final Placeholder<TFloat64> logits;
    final Operand<TFloat64> loss;
    final Gradients gradient;

    LossGraph(Graph g, double[][] weights) {
      Ops tf = Ops.create(g);
      logits = tf.placeholder(TFloat64.class, Placeholder.shape(Shape.of(B, T, K)));
      loss = CrossEntropyLoss.weightedMean(tf, logits, tf.constant(LABELS), tf.constant(weights));
      gradient = tf.gradients(loss, List.of(logits));
    }

    double[] run(Session session, double[] values, boolean gradientToo) {
      try (TFloat64 feed = TFloat64.tensorOf(Shape.of(B, T, K), DataBuffers.of(values.clone()))) {
        Session.Runner runner = session.runner().feed(logits, feed).fetch(loss);
        if (gradientToo) {
          runner.fetch(gradient.dy(0));
        }
        try (Result r = runner.run()) {
          return gradientToo ? Tensors.doubles(r.get(1)) : Tensors.doubles(r.get(0));
        }
      }
    }
  }

  @Test
  void shouldComputeTheWeightedMeanOfTheCrossEntropy() {
    double[] logits = randomLogits(1);
    double expected = 0;
    double weightSum = 0;
    for (int b = 0; b < B; b++) {
      for (int t = 0; t < T; t++) {
        int base = (b * T + t) * K;
        double logSumExp = 0;
        for (int k = 0; k < K; k++) {
          logSumExp += Math.exp(logits[base + k]);
        }
        logSumExp = Math.log(logSumExp);
        int label = LABELS[b][t];
        double ce = label < 0 ? 0 : logSumExp - logits[base + label];
        expected += WEIGHTS[b][t] * ce;
        weightSum += WEIGHTS[b][t];
      }
    }
    expected /= weightSum;
    try (Graph g = new Graph(); Session session = new Session(g)) {
      assertEquals(expected, new LossGraph(g, WEIGHTS).run(session, logits, false)[0], 1e-12);
    }
  }

  @Test
  void shouldGiveZeroLossWhenNoPositionCounts() {
    try (Graph g = new Graph(); Session session = new Session(g)) {
      double[] loss = new LossGraph(g, new double[B][T]).run(session, randomLogits(2), false);
      assertEquals(0.0, loss[0], 0.0);
    }
  }

  @Test
  void shouldHaveTheGradientOfCentralFiniteDifferences() {
    double[] logits = randomLogits(3);
    double h = 1e-5;
    try (Graph g = new Graph(); Session session = new Session(g)) {
      LossGraph graph = new LossGraph(g, WEIGHTS);
      double[] analytic = graph.run(session, logits, true);
      for (int i = 0; i < logits.length; i++) {
        double[] plus = logits.clone();
        double[] minus = logits.clone();
        plus[i] += h;
        minus[i] -= h;
        double numeric = (graph.run(session, plus, false)[0] - graph.run(session, minus, false)[0]) / (2 * h);
        assertEquals(numeric, analytic[i], 1e-8, "d loss / d logits[" + i + "]");
      }
      // Masked positions (weight 0) get no gradient at all.
      int masked = (0 * T + 1) * K;
      for (int k = 0; k < K; k++) {
        assertEquals(0.0, analytic[masked + k], 0.0);
      }
    }
  }
}
