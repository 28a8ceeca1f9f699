package org.streambert.trainer.train;

/**
 * A teacher's distributions for one example at the distillation temperature.
 *
 * @param classTargets [C] class distribution; null when the teacher has no classification head
 * @param tokenTargets [L, K] per word piece (L = the example's length), row-major; null without a token head
 */
record TeacherTargets(float[] classTargets, float[] tokenTargets) {}
