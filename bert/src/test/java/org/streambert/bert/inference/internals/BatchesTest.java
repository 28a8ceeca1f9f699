package org.streambert.bert.inference.internals;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BatchesTest {

  @Test
  void shouldUseFewestBatchesForEqualLengths() {
    // Nothing to save by splitting equal rows, and every pass costs: ceil(7 / 3) = 3 batches.
    int[] cuts = Batches.cuts(new int[] {9, 9, 9, 9, 9, 9, 9}, 3, 1);
    assertEquals(4, cuts.length, Arrays.toString(cuts));
  }

  @Test
  void shouldSeparateLongRowsFromShortOnesWhenPaddingCostsMoreThanAPass() {
    // Together: 6 rows x 128 + 10 = 778 tokens. Apart: 2 x 128 + 10 + 4 x 16 + 10 = 340.
    assertArrayEquals(new int[] {0, 2, 6}, Batches.cuts(new int[] {128, 128, 16, 16, 16, 16}, 8, 10));
  }

  @Test
  void shouldKeepShortRowsWithALongOneWhenAnotherPassCostsMoreThanThePadding() {
    // Together: 3 x 20 + 100 = 160 tokens. Apart: 20 + 100 + 2 x 16 + 100 = 252.
    assertArrayEquals(new int[] {0, 3}, Batches.cuts(new int[] {20, 16, 16}, 8, 100));
  }

  @Test
  void shouldMinimisePaddedTokensPlusBatchCostOverEveryPartition() {
    Random random = new Random(42);
    for (int trial = 0; trial < 300; trial++) {
      int n = 1 + random.nextInt(10);
      int[] lengths = new int[n];
      for (int i = 0; i < n; i++) {
        lengths[i] = 3 + random.nextInt(126);
      }
      lengths = Arrays.stream(lengths).boxed().sorted((a, b) -> b - a).mapToInt(Integer::intValue).toArray();
      int maxBatch = 1 + random.nextInt(5);
      int batchCost = random.nextInt(200);
      int[] cuts = Batches.cuts(lengths, maxBatch, batchCost);
      assertEquals(0, cuts[0]);
      assertEquals(n, cuts[cuts.length - 1]);
      for (int k = 0; k + 1 < cuts.length; k++) {
        assertTrue(cuts[k + 1] > cuts[k] && cuts[k + 1] - cuts[k] <= maxBatch, Arrays.toString(cuts));
      }
      assertEquals(bruteForceBest(lengths, maxBatch, batchCost), cost(lengths, cuts, batchCost),
          "lengths " + Arrays.toString(lengths) + " maxBatch " + maxBatch + " cost " + batchCost);
    }
  }

  @Test
  void shouldReturnOnlyTheStartForNoRows() {
    assertArrayEquals(new int[] {0}, Batches.cuts(new int[0], 4, 10));
  }

  @Test
  void shouldRefuseLengthsThatAreNotLongestFirst() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Batches.cuts(new int[] {5, 7}, 4, 0));
    assertTrue(e.getMessage().contains("non-increasing"), e.getMessage());
  }

  /** Least cost over all 2^(n-1) ways to cut n sorted rows into batches of at most maxBatch. */
  private static long bruteForceBest(int[] lengths, int maxBatch, int batchCost) {
    int n = lengths.length;
    long best = Long.MAX_VALUE;
    for (int mask = 0; mask < 1 << (n - 1); mask++) {
      // bit i set: a batch ends after row i
      long total = 0;
      int start = 0;
      boolean valid = true;
      for (int i = 0; i < n; i++) {
        boolean end = i == n - 1 || (mask >> i & 1) == 1;
        if (end) {
          if (i + 1 - start > maxBatch) {
            valid = false;
            break;
          }
          total += (long) (i + 1 - start) * lengths[start] + batchCost;
          start = i + 1;
        }
      }
      if (valid) {
        best = Math.min(best, total);
      }
    }
    return best;
  }

  private static long cost(int[] lengths, int[] cuts, int batchCost) {
    long total = 0;
    for (int k = 0; k + 1 < cuts.length; k++) {
      total += (long) (cuts[k + 1] - cuts[k]) * lengths[cuts[k]] + batchCost;
    }
    return total;
  }
}
