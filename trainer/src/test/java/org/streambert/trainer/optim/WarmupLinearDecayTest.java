package org.streambert.trainer.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * Values by hand from optimization.py with init_lr 2.0, N = 100, W = 10: warm-up 2.0 * s / 10 for s &lt; 10,
 * then 2.0 * (1 - min(s, 100) / 100).
 */
class WarmupLinearDecayTest {

  private static final WarmupLinearDecay SCHEDULE = new WarmupLinearDecay(2.0, 100, 10);
  private static final double EPS = 1e-12;

  @Test
  void shouldStartAtZeroAndRiseLinearlyDuringWarmup() {
    assertEquals(0.0, SCHEDULE.learningRate(0), EPS);
    assertEquals(1.0, SCHEDULE.learningRate(5), EPS);
    assertEquals(1.8, SCHEDULE.learningRate(9), EPS);
  }

  @Test
  void shouldDecayFromStepZeroSoTheEndOfWarmupIsBelowThePeak() {
    assertEquals(2.0 * (1 - 10 / 100.0), SCHEDULE.learningRate(10), EPS);
  }

  @Test
  void shouldDecayLinearlyToZeroAtTheLastStep() {
    assertEquals(0.9, SCHEDULE.learningRate(55), EPS);
    assertEquals(0.02, SCHEDULE.learningRate(99), EPS);
    assertEquals(0.0, SCHEDULE.learningRate(100), EPS);
    assertEquals(0.0, SCHEDULE.learningRate(150), EPS);
  }

  @Test
  void shouldUseTheFullRateAtStepZeroWithoutWarmup() {
    assertEquals(2.0, new WarmupLinearDecay(2.0, 100, 0).learningRate(0), EPS);
  }

  @Test
  void shouldTruncateTheWarmupProportionLikeRunClassifier() {
    assertEquals(10, WarmupLinearDecay.withWarmupProportion(1e-4, 105, 0.1).numWarmupSteps());
    assertEquals(0, WarmupLinearDecay.withWarmupProportion(1e-4, 9, 0.1).numWarmupSteps());
  }

  @Test
  void shouldComputeTheSameRatesInTheGraph() {
    try (Graph g = new Graph(); Session session = new Session(g)) {
      Ops tf = Ops.create(g);
      Placeholder<TInt64> step = tf.placeholder(TInt64.class);
      Operand<TFloat32> lr = SCHEDULE.build(tf, step);
      for (long s : List.of(0L, 5L, 9L, 10L, 55L, 99L, 100L, 150L)) {
        try (TInt64 feed = TInt64.scalarOf(s); Result r = session.runner().feed(step, feed).fetch(lr).run()) {
          assertEquals(SCHEDULE.learningRate(s), ((TFloat32) r.get(0)).getFloat(), 1e-6, "step " + s);
        }
      }
    }
  }
}
