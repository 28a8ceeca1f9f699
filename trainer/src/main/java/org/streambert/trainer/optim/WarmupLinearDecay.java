package org.streambert.trainer.optim;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * BERT's learning-rate schedule (optimization.py: create_optimizer): linear warm-up, then linear decay
 * to zero. With {@code N = numTrainSteps}, {@code W = numWarmupSteps} and {@code s} the global step (the
 * number of updates done before this one, starting at 0):
 *
 * <pre>
 *   lr(s) = initLr * s / W                    if W &gt; 0 and s &lt; W    (warm-up)
 *   lr(s) = initLr * (1 - min(s, N) / N)      otherwise               (polynomial_decay, power 1, end 0)
 * </pre>
 *
 * <p>Two consequences of Google's formula, kept on purpose so results match theirs: the very first update
 * (s = 0) has learning rate 0 when there is a warm-up; and the decay is measured from step 0, not from the
 * end of the warm-up, so the rate climbs to {@code initLr * (W-1)/W} and then drops to
 * {@code initLr * (1 - W/N)} at s = W (0.9 × initLr for the usual 10% warm-up) before decaying linearly to
 * 0 at s = N. Steps past N keep rate 0.
 *
 * @param initLr the peak learning rate ({@code init_lr}, e.g. 2e-5 to 5e-5 for fine-tuning)
 * @param numTrainSteps total number of updates N, at least 1
 * @param numWarmupSteps warm-up updates W, 0 for none
 */
public record WarmupLinearDecay(double initLr, long numTrainSteps, long numWarmupSteps) {

  /** run_classifier.py's default {@code warmup_proportion}. */
  public static final double DEFAULT_WARMUP_PROPORTION = 0.1;

  public WarmupLinearDecay {
    if (!(initLr >= 0) || Double.isInfinite(initLr)) {
      throw new IllegalArgumentException("learning rate must be finite and >= 0, got " + initLr);
    }
    if (numTrainSteps < 1) {
      throw new IllegalArgumentException("number of training steps must be >= 1, got " + numTrainSteps);
    }
    if (numWarmupSteps < 0) {
      throw new IllegalArgumentException("number of warm-up steps must be >= 0, got " + numWarmupSteps);
    }
  }

  /**
   * The schedule with {@code W = (long) (numTrainSteps * warmupProportion)}, truncated like
   * run_classifier.py's {@code int(num_train_steps * FLAGS.warmup_proportion)}.
   */
  public static WarmupLinearDecay withWarmupProportion(double initLr, long numTrainSteps, double warmupProportion) {
    if (!(warmupProportion >= 0 && warmupProportion <= 1)) {
      throw new IllegalArgumentException("warm-up proportion must be in [0, 1], got " + warmupProportion);
    }
    return new WarmupLinearDecay(initLr, numTrainSteps, (long) (numTrainSteps * warmupProportion));
  }

  /** The learning rate of the update made at global step {@code step} (0-based), in double precision. */
  public double learningRate(long step) {
    if (step < 0) {
      throw new IllegalArgumentException("step must be >= 0, got " + step);
    }
    if (numWarmupSteps > 0 && step < numWarmupSteps) {
      return initLr * step / numWarmupSteps;
    }
    double done = (double) Math.min(step, numTrainSteps) / numTrainSteps;
    return initLr * (1 - done);
  }

  /**
   * The same schedule as graph ops (float32, as in optimization.py) reading the global step.
   *
   * @param globalStep int64 scalar, the number of updates done so far
   * @return float32 scalar learning rate
   */
  public Operand<TFloat32> build(Ops tf, Operand<TInt64> globalStep) {
    Operand<TFloat32> step = tf.dtypes.cast(globalStep, TFloat32.class); // []
    Operand<TFloat32> n = tf.constant((float) numTrainSteps);
    Operand<TFloat32> done = tf.math.div(tf.math.minimum(step, n), n); // []
    Operand<TFloat32> decayed =
        tf.math.mul(tf.constant((float) initLr), tf.math.sub(tf.constant(1f), done)); // []
    if (numWarmupSteps == 0) {
      return decayed;
    }
    Operand<TFloat32> warm = tf.math.mul(tf.constant((float) initLr),
        tf.math.div(step, tf.constant((float) numWarmupSteps))); // []
    Operand<TBool> inWarmup = tf.math.less(globalStep, tf.constant(numWarmupSteps)); // []
    return tf.select(inWarmup, warm, decayed); // []
  }
}
