package org.streambert.trainer.train;

import org.streambert.trainer.optim.SoftTargetLoss;

/**
 * Knowledge-distillation settings (Hinton et al. 2015). The student's loss is
 * {@code T² · KL(teacher_T || student_T)} over every head the teacher has (class distribution per text, token
 * distribution per word piece) plus {@code alpha ·} the fine-tuning cross-entropy on examples with gold labels.
 *
 * @param temperature T &gt; 0 of both softmaxes ({@link SoftTargetLoss#DEFAULT_TEMPERATURE}); 1 = the teacher's own
 *     probabilities, higher = softer targets that carry more of the teacher's "dark knowledge"
 * @param alpha weight &gt;= 0 of the hard-label cross-entropy ({@link #DEFAULT_ALPHA}); 0 = soft targets only
 */
public record DistillConfig(double temperature, double alpha) {

  /** Weight of the hard-label term; 0.5 keeps gold labels in the loss without outweighing the teacher. */
  public static final double DEFAULT_ALPHA = 0.5;

  /** Upper bound of T: beyond it every soft target is uniform to float precision. */
  public static final double MAX_TEMPERATURE = 100;

  /** Upper bound of alpha. */
  public static final double MAX_ALPHA = 100;

  public static final DistillConfig DEFAULTS = new DistillConfig(SoftTargetLoss.DEFAULT_TEMPERATURE, DEFAULT_ALPHA);

  public DistillConfig {
    if (!(temperature > 0 && temperature <= MAX_TEMPERATURE)) {
      throw new IllegalArgumentException("temperature must be in (0, " + MAX_TEMPERATURE + "], got " + temperature);
    }
    if (!(alpha >= 0 && alpha <= MAX_ALPHA)) {
      throw new IllegalArgumentException("alpha must be in [0, " + MAX_ALPHA + "], got " + alpha);
    }
  }
}
