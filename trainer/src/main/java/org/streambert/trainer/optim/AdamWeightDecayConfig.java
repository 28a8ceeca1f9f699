package org.streambert.trainer.optim;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Hyper-parameters of {@link AdamWeightDecayOptimizer}; {@link #BERT} holds the values of
 * optimization.py's create_optimizer.
 *
 * @param weightDecayRate decoupled weight decay, added to the update as {@code rate * param}; 0 disables it
 * @param beta1 decay of the first-moment estimate m
 * @param beta2 decay of the second-moment estimate v
 * @param epsilon added to {@code sqrt(v)} in the denominator
 * @param excludeFromWeightDecay regular expressions; a variable whose name contains a match (Python's
 *     {@code re.search}) gets no weight decay
 * @param clipNorm gradients are scaled together so that their global L2 norm is at most this
 */
public record AdamWeightDecayConfig(
    double weightDecayRate, double beta1, double beta2, double epsilon, List<String> excludeFromWeightDecay,
    double clipNorm) {

  public static final double DEFAULT_WEIGHT_DECAY_RATE = 0.01;
  public static final double DEFAULT_BETA1 = 0.9;
  public static final double DEFAULT_BETA2 = 0.999;
  /** 1e-6, larger than Adam's usual 1e-8 (optimization.py). */
  public static final double DEFAULT_EPSILON = 1e-6;
  /** LayerNorm scales/offsets and biases are not decayed (optimization.py). */
  public static final List<String> DEFAULT_EXCLUDE_FROM_WEIGHT_DECAY = List.of("LayerNorm", "layer_norm", "bias");
  /** optimization.py: {@code tf.clip_by_global_norm(grads, clip_norm=1.0)}. */
  public static final double DEFAULT_CLIP_NORM = 1.0;

  /** The configuration of Google's BERT fine-tuning. */
  public static final AdamWeightDecayConfig BERT = new AdamWeightDecayConfig(
      DEFAULT_WEIGHT_DECAY_RATE, DEFAULT_BETA1, DEFAULT_BETA2, DEFAULT_EPSILON,
      DEFAULT_EXCLUDE_FROM_WEIGHT_DECAY, DEFAULT_CLIP_NORM);

  public AdamWeightDecayConfig {
    excludeFromWeightDecay = List.copyOf(excludeFromWeightDecay);
    if (!(weightDecayRate >= 0)) {
      throw new IllegalArgumentException("weight decay rate must be >= 0, got " + weightDecayRate);
    }
    if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
      throw new IllegalArgumentException("betas must be in [0, 1), got " + beta1 + ", " + beta2);
    }
    if (!(epsilon > 0)) {
      throw new IllegalArgumentException("epsilon must be > 0, got " + epsilon);
    }
    if (!(clipNorm > 0)) {
      throw new IllegalArgumentException("clip norm must be > 0, got " + clipNorm);
    }
    for (String regex : excludeFromWeightDecay) {
      Pattern.compile(regex);
    }
  }

  /** This configuration with another weight decay rate. */
  public AdamWeightDecayConfig withWeightDecayRate(double rate) {
    return new AdamWeightDecayConfig(rate, beta1, beta2, epsilon, excludeFromWeightDecay, clipNorm);
  }

  /**
   * Whether the variable of this name gets weight decay (optimization.py: _do_use_weight_decay, applied
   * to the name without a {@code :0} output suffix).
   */
  public boolean usesWeightDecay(String variableName) {
    if (weightDecayRate == 0) {
      return false;
    }
    String name = variableName.replaceFirst(":\\d+$", "");
    for (String regex : excludeFromWeightDecay) {
      if (Pattern.compile(regex).matcher(name).find()) {
        return false;
      }
    }
    return true;
  }
}
