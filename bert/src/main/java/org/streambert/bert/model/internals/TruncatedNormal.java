package org.streambert.bert.model.internals;

import java.util.SplittableRandom;

/** Truncated normal samples as TF's {@code truncated_normal}: values beyond two stddevs are redrawn. */
public final class TruncatedNormal {
  private TruncatedNormal() {
  }

  /** Fills {@code out} with N(0, stddev²) samples cut at ±2 stddev, from a generator seeded with {@code seed}. */
  public static void fill(float[] out, double stddev, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    for (int i = 0; i < out.length; i++) {
      double g;
      do {
        g = rnd.nextGaussian();
      } while (Math.abs(g) > 2.0);
      out[i] = (float) (g * stddev);
    }
  }
}
