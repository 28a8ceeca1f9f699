package org.streambert.trainer.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class LengthBucketBatcherTest {

  /** Examples are their own lengths, in a scrambled order. */
  private static List<Integer> lengths(int n) {
    List<Integer> values = new ArrayList<>(IntStream.range(0, n).boxed().toList());
    Collections.shuffle(values, new Random(99));
    return values;
  }

  @Test
  void shouldPutEveryExampleInExactlyOneBatchOfTheRequestedSize() {
    List<List<Integer>> batches = LengthBucketBatcher.batches(lengths(103), Integer::intValue, 10, 1L, 3);
    List<Integer> all = new ArrayList<>();
    batches.forEach(all::addAll);
    Collections.sort(all);
    assertEquals(IntStream.range(0, 103).boxed().toList(), all);
    assertEquals(10, batches.stream().filter(b -> b.size() == 10).count());
    assertEquals(1, batches.stream().filter(b -> b.size() == 3).count());
  }

  @Test
  void shouldGroupSimilarLengthsWithinAPool() {
    // One pool holding everything: sorted, so each batch is 10 consecutive lengths.
    List<List<Integer>> batches = LengthBucketBatcher.batches(lengths(1000), Integer::intValue, 10, 5L, 100);
    for (List<Integer> batch : batches) {
      int min = Collections.min(batch);
      assertEquals(0, min % 10);
      assertEquals(min + 9, (int) Collections.max(batch));
    }
  }

  @Test
  void shouldBeDeterministicForASeedAndDifferForAnother() {
    List<Integer> data = lengths(500);
    List<List<Integer>> a = LengthBucketBatcher.batches(data, Integer::intValue, 8, 42L);
    List<List<Integer>> b = LengthBucketBatcher.batches(data, Integer::intValue, 8, 42L);
    List<List<Integer>> c = LengthBucketBatcher.batches(data, Integer::intValue, 8, 43L);
    assertEquals(a, b);
    assertNotEquals(a, c);
  }
}
