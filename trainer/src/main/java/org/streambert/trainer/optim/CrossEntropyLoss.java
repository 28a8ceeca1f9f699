package org.streambert.trainer.optim;

import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.family.TFloating;

/**
 * Sparse softmax cross-entropy as graph ops whose gradients TF Java has.
 *
 * <p>TF's fused SparseSoftmaxCrossEntropyWithLogits has no gradient registered in TF Java's graph mode,
 * so the loss is built (on logits flattened to [P, K], see below) as {@code -sum(oneHot(label) * logSoftmax(logits), -1)}: LogSoftmax, Mul and Sum
 * have gradients, and OneHot is not on the path from the logits. This is also how run_classifier.py
 * writes it ({@code -tf.reduce_sum(one_hot_labels * log_probs, axis=-1)}).
 *
 * <p>Shapes: logits {@code [..., K]} (e.g. [B, C] for classification, [B, T, K] for NER), labels and
 * weights {@code [...]}, the leading dimensions equal. K must be known when the graph is built. A label
 * outside {@code [0, K)} gives an all-zero one-hot row, i.e. zero loss for that position (so padding may
 * carry label -1, as long as its weight is 0 anyway).
 *
 * <p>Why flatten: the gradient TF's C++ API registers for LogSoftmax reduces over axis 1, not the last
 * axis, so on [B, T, K] logits it is silently wrong (found by this class's finite-difference test).
 */
public final class CrossEntropyLoss {

  private CrossEntropyLoss() {}

  /**
   * Cross-entropy of every position: {@code -log softmax(logits)[label]}.
   *
   * @return shape {@code [...]} like labels
   */
  public static <T extends TFloating> Operand<T> perPosition(Ops tf, Operand<T> logits, Operand<TInt32> labels) {
    Shape shape = logits.shape();
    if (shape.isUnknown() || shape.numDimensions() < 1
        || shape.size(shape.numDimensions() - 1) < 1) {
      throw new IllegalArgumentException(
          "logits need a known last dimension (the number of classes), got shape " + shape);
    }
    int classes = (int) shape.size(shape.numDimensions() - 1);
    // TF's C++ LogSoftmax gradient sums over axis 1, which is the class axis only for 2-D logits: flatten.
    Operand<T> flatLogits = tf.reshape(logits, tf.constant(new int[] {-1, classes})); // [P, K], P positions
    Operand<TInt32> flatLabels = tf.reshape(labels, tf.constant(new int[] {-1})); // [P]
    Operand<T> one = tf.dtypes.cast(tf.constant(1f), logits.type());
    Operand<T> zero = tf.dtypes.cast(tf.constant(0f), logits.type());
    Operand<T> oneHot = tf.oneHot(flatLabels, tf.constant(classes), one, zero); // [P, K]
    Operand<T> logProbs = tf.nn.logSoftmax(flatLogits); // [P, K]
    Operand<T> flatLoss = tf.math.neg(tf.reduceSum(tf.math.mul(oneHot, logProbs), tf.constant(1))); // [P]
    return tf.reshape(flatLoss, tf.shape(labels)); // [...]
  }

  /**
   * Mean cross-entropy over all positions (run_classifier.py: {@code tf.reduce_mean(per_example_loss)}).
   *
   * @return scalar
   */
  public static <T extends TFloating> Operand<T> mean(Ops tf, Operand<T> logits, Operand<TInt32> labels) {
    Operand<T> perPosition = perPosition(tf, logits, labels); // [...]
    return tf.math.mean(tf.reshape(perPosition, tf.constant(new int[] {-1})), tf.constant(0)); // []
  }

  /**
   * Weighted mean cross-entropy: {@code sum(w * ce) / max(sum(w), 1)}. For NER, w is 1 at the first
   * word piece of each word and 0 at other pieces, special tokens and padding, so each word counts once
   * and a batch without any counted position gives loss 0 instead of NaN.
   *
   * @param weights {@code [...]} like labels, same float type as logits
   * @return scalar
   */
  public static <T extends TFloating> Operand<T> weightedMean(
      Ops tf, Operand<T> logits, Operand<TInt32> labels, Operand<T> weights) {
    Operand<T> perPosition = perPosition(tf, logits, labels); // [...]
    Operand<TInt32> flat = tf.constant(new int[] {-1});
    Operand<T> weightedSum =
        tf.reduceSum(tf.reshape(tf.math.mul(weights, perPosition), flat), tf.constant(0)); // []
    Operand<T> weightSum = tf.reduceSum(tf.reshape(weights, flat), tf.constant(0)); // []
    Operand<T> one = tf.dtypes.cast(tf.constant(1f), logits.type());
    return tf.math.div(weightedSum, tf.math.maximum(weightSum, one)); // []
  }
}
