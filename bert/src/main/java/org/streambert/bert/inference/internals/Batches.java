package org.streambert.bert.inference.internals;

/**
 * Cutting rows sorted by length (longest first) into batches, each padded to its first (longest) row.
 *
 * <p>Fixed-size chunks pad a short row to a long one whenever both land in the same chunk; with a realistic mix of
 * lengths (most texts short, a few long) the chunk holding the long rows pads dozens of short ones to 128 tokens.
 * Instead the cut points minimise {@code sum over batches of (rows * longest + batchCost)}: padded tokens computed,
 * plus a fixed cost per forward pass (session overhead, smaller matmuls) expressed in tokens. A batch never holds more
 * than {@code maxBatchSize} rows. Exact, by dynamic programming over the cut points: O(n * maxBatchSize).
 */
public final class Batches {

  private Batches() {
  }

  /**
   * Batch boundaries for rows of the given lengths.
   *
   * @param lengthsLongestFirst row lengths, non-increasing
   * @param maxBatchSize        most rows per batch, positive
   * @param batchCost           the cost of one more forward pass, in padded tokens; non-negative
   * @return {@code b + 1} ascending indices {@code 0 = c[0] < c[1] < ... < c[b] = n}: batch {@code k} holds rows
   *     {@code [c[k], c[k + 1])}; just {@code {0}} when there are no rows
   */
  public static int[] cuts(int[] lengthsLongestFirst, int maxBatchSize, int batchCost) {
    if (maxBatchSize < 1) {
      throw new IllegalArgumentException("maxBatchSize must be positive, got " + maxBatchSize);
    }
    if (batchCost < 0) {
      throw new IllegalArgumentException("batchCost must be non-negative, got " + batchCost);
    }
    int n = lengthsLongestFirst.length;
    for (int i = 1; i < n; i++) {
      if (lengthsLongestFirst[i] > lengthsLongestFirst[i - 1]) {
        throw new IllegalArgumentException("lengths must be non-increasing, got " + lengthsLongestFirst[i - 1]
            + " then " + lengthsLongestFirst[i] + " at index " + i);
      }
    }
    // best[j]: least cost of rows [0, j); from[j]: where the last batch of that solution starts.
    long[] best = new long[n + 1];
    int[] from = new int[n + 1];
    int batches = 0;
    for (int j = 1; j <= n; j++) {
      best[j] = Long.MAX_VALUE;
      for (int i = Math.max(0, j - maxBatchSize); i < j; i++) {
        long cost = best[i] + (long) (j - i) * lengthsLongestFirst[i] + batchCost;
        // '<': on ties the earliest start wins, so equal inputs always give equal batches.
        if (cost < best[j]) {
          best[j] = cost;
          from[j] = i;
        }
      }
    }
    for (int j = n; j > 0; j = from[j]) {
      batches++;
    }
    int[] cuts = new int[batches + 1];
    int k = batches;
    for (int j = n; j > 0; j = from[j]) {
      cuts[k--] = j;
    }
    cuts[0] = 0;
    return cuts;
  }
}
