package org.streambert.trainer.eval;

/** Shared arithmetic of the metrics. */
final class Scores {

  private Scores() {}

  static double f1(double precision, double recall) {
    return precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
  }

  static String percent(double fraction) {
    return String.format(java.util.Locale.ROOT, "%6.2f", 100 * fraction);
  }
}
