package org.streambert.trainer.eval;

/**
 * Entity-level counts and scores for one entity type (or all types, micro-averaged).
 *
 * @param gold entities in the gold standard
 * @param predicted entities in the prediction
 * @param correct predicted entities with exactly the gold span and type
 * @param precision {@code correct / predicted}, 0 when nothing was predicted (as conlleval prints it)
 * @param recall {@code correct / gold}, 0 when there is no gold entity
 * @param f1 harmonic mean of precision and recall, 0 when both are 0
 */
public record EntityScore(long gold, long predicted, long correct, double precision, double recall, double f1) {

  /** Scores from counts. */
  public static EntityScore of(long gold, long predicted, long correct) {
    if (correct > gold || correct > predicted || correct < 0) {
      throw new IllegalArgumentException(
          "inconsistent counts: gold " + gold + ", predicted " + predicted + ", correct " + correct);
    }
    double precision = predicted == 0 ? 0 : (double) correct / predicted;
    double recall = gold == 0 ? 0 : (double) correct / gold;
    return new EntityScore(gold, predicted, correct, precision, recall, Scores.f1(precision, recall));
  }
}
