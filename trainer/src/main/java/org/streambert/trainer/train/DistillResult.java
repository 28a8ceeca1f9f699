package org.streambert.trainer.train;

import java.util.List;

/**
 * The outcome of {@link FineTuningLoop#distill} (and, with a null teacher report, of fine-tuning).
 *
 * @param student the student's training result: best epoch, its weights and dev metrics, history
 * @param teacher the teacher's dev metrics on the same dev data (model and as served); null when not distilling
 * @param softLosses mean soft-target loss (T² · KL) per epoch run; empty when not distilling
 */
public record DistillResult(TrainingResult student, EvalReport teacher, List<Double> softLosses) {}
