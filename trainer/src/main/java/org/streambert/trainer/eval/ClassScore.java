package org.streambert.trainer.eval;

/**
 * Scores of one class in a classification evaluation.
 *
 * @param label the class
 * @param support gold examples of this class
 * @param predicted examples predicted as this class
 * @param precision true positives / predicted (0 when never predicted)
 * @param recall true positives / support (0 when there is no gold example)
 * @param f1 harmonic mean of precision and recall (0 when both are 0)
 */
public record ClassScore(String label, long support, long predicted, double precision, double recall, double f1) {}
