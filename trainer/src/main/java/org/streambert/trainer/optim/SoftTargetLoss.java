package org.streambert.trainer.optim;

import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Knowledge distillation's soft-target loss (Hinton, Vinyals, Dean 2015, "Distilling the Knowledge in a Neural
 * Network" §2): {@code T² · KL(q || softmax(student / T))}, where {@code q} is the teacher's distribution at the same
 * temperature T. The T² keeps the soft term's gradients at the scale of a hard-label term as T changes (§2.1).
 *
 * <p>Built from ops whose gradients TF Java has: the logits are flattened to [P, K] before LogSoftmax, because the
 * C++ LogSoftmax gradient reduces over axis 1 and is wrong on [B, T, K] (see {@link CrossEntropyLoss}). The KL
 * equals the soft cross-entropy {@code -sum q log p} minus the teacher's entropy, a constant: same gradient, but a
 * value that reaches 0 when the student matches the teacher.
 */
public final class SoftTargetLoss {

  /** Temperature of Hinton et al.'s experiments' lower range; softens the teacher's distribution. */
  public static final double DEFAULT_TEMPERATURE = 2.0;

  /** Floor of q inside {@code log q} (q = 0 positions contribute 0 · log(floor) = 0). */
  static final float LOG_FLOOR = 1e-30f;

  private SoftTargetLoss() {}

  /**
   * Weighted mean over positions of {@code T² · KL(q || softmax(logits / T))}: {@code sum(w · kl) / max(sum w, 1)}.
   *
   * @param logits the student's logits {@code [..., K]} (K known when the graph is built)
   * @param targets the teacher's distribution at temperature T {@code [..., K]}, rows summing to 1
   * @param weights {@code [...]}: 1 where the position counts, 0 elsewhere (padding, rows without targets)
   * @param temperature T &gt; 0
   * @return scalar
   */
  public static Operand<TFloat32> weightedMean(Ops tf, Operand<TFloat32> logits, Operand<TFloat32> targets,
      Operand<TFloat32> weights, double temperature) {
    if (!(temperature > 0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException("temperature must be a positive number, got " + temperature);
    }
    Shape shape = logits.shape();
    if (shape.isUnknown() || shape.numDimensions() < 1 || shape.size(shape.numDimensions() - 1) < 1) {
      throw new IllegalArgumentException(
          "logits need a known last dimension (the number of classes), got shape " + shape);
    }
    int classes = (int) shape.size(shape.numDimensions() - 1);
    Operand<TFloat32> flatLogits = tf.reshape(logits, tf.constant(new int[] {-1, classes})); // [P, K]
    Operand<TFloat32> flatTargets = tf.reshape(targets, tf.constant(new int[] {-1, classes})); // [P, K]
    Operand<TFloat32> flatWeights = tf.reshape(weights, tf.constant(new int[] {-1})); // [P]
    Operand<TFloat32> scaled = tf.math.div(flatLogits, tf.constant((float) temperature)); // [P, K]
    Operand<TFloat32> logStudent = tf.nn.logSoftmax(scaled); // [P, K], rank 2: gradient correct
    Operand<TFloat32> logTeacher = tf.math.log(tf.math.maximum(flatTargets, tf.constant(LOG_FLOOR))); // [P, K]
    Operand<TFloat32> kl = tf.reduceSum(
        tf.math.mul(flatTargets, tf.math.sub(logTeacher, logStudent)), tf.constant(1)); // [P]
    Operand<TFloat32> weightedSum = tf.reduceSum(tf.math.mul(flatWeights, kl), tf.constant(0)); // []
    Operand<TFloat32> weightSum = tf.reduceSum(flatWeights, tf.constant(0)); // []
    Operand<TFloat32> mean = tf.math.div(weightedSum, tf.math.maximum(weightSum, tf.constant(1f))); // []
    return tf.math.mul(mean, tf.constant((float) (temperature * temperature))); // []
  }

  /**
   * The teacher's distribution at temperature T from its probabilities p = softmax(z): softmax(z / T) =
   * p^(1/T) / sum p^(1/T) (log p equals z up to a per-row constant, which softmax ignores). Probabilities that
   * underflowed to 0 stay 0. Computed in double, written as float.
   *
   * @param probs rows of {@code k} probabilities, row-major
   * @return a new array of the same length, each row summing to 1
   */
  public static float[] soften(float[] probs, int k, double temperature) {
    if (!(temperature > 0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException("temperature must be a positive number, got " + temperature);
    }
    if (k < 1 || probs.length % k != 0) {
      throw new IllegalArgumentException(probs.length + " probabilities are not rows of " + k);
    }
    float[] out = new float[probs.length];
    double inv = 1 / temperature;
    for (int row = 0; row < probs.length; row += k) {
      double max = 0;
      for (int j = 0; j < k; j++) {
        max = Math.max(max, probs[row + j]);
      }
      if (!(max > 0)) {
        throw new IllegalArgumentException("a row of probabilities without a positive entry");
      }
      // p^(1/T) / sum, computed as (p / max)^(1/T) so the largest term is 1
      double sum = 0;
      double[] powered = new double[k];
      for (int j = 0; j < k; j++) {
        powered[j] = Math.pow(Math.max(probs[row + j], 0) / max, inv);
        sum += powered[j];
      }
      for (int j = 0; j < k; j++) {
        out[row + j] = (float) (powered[j] / sum);
      }
    }
    return out;
  }
}
