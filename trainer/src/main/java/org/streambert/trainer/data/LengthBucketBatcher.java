package org.streambert.trainer.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.function.ToIntFunction;

/**
 * Groups examples of similar length into batches, so that padding every example of a batch to the
 * batch's longest one wastes little compute, while keeping the order random.
 *
 * <p>Algorithm: shuffle all examples with {@code new Random(seed)}; cut the shuffled list into pools of
 * {@code poolBatches × batchSize} examples; sort each pool by length (stable, so ties keep the shuffled
 * order) and cut it into batches of {@code batchSize}; finally shuffle the batches with the same random
 * generator. At most one batch (the end of the last pool) is smaller. The same seed always gives the same batches
 * ({@link Random} and {@link Collections#shuffle(List, Random)} are specified algorithms); use a
 * different seed per epoch (e.g. {@code seed + epoch}) to vary batch composition.
 */
public final class LengthBucketBatcher {

  /** Default pool size in batches: large enough to find similar lengths, small enough to stay random. */
  public static final int DEFAULT_POOL_BATCHES = 50;

  private LengthBucketBatcher() {}

  /** {@link #batches(List, ToIntFunction, int, long, int)} with {@link #DEFAULT_POOL_BATCHES}. */
  public static <T> List<List<T>> batches(List<T> examples, ToIntFunction<? super T> length, int batchSize, long seed) {
    return batches(examples, length, batchSize, seed, DEFAULT_POOL_BATCHES);
  }

  /**
   * @param examples the examples; every one appears in exactly one batch
   * @param length the length used for grouping (e.g. number of word pieces); must not be negative
   * @param batchSize examples per batch, at least 1
   * @param seed the shuffling seed
   * @param poolBatches pool size in batches, at least 1 (1 = no bucketing beyond one batch)
   * @return immutable batches
   */
  public static <T> List<List<T>> batches(
      List<T> examples, ToIntFunction<? super T> length, int batchSize, long seed, int poolBatches) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
    }
    if (poolBatches < 1) {
      throw new IllegalArgumentException("pool size must be at least 1 batch, got " + poolBatches);
    }
    Random random = new Random(seed);
    List<Sized<T>> shuffled = new ArrayList<>(examples.size());
    for (T example : examples) {
      int n = length.applyAsInt(example);
      if (n < 0) {
        throw new IllegalArgumentException("negative length " + n + " for example " + example);
      }
      shuffled.add(new Sized<>(example, n));
    }
    Collections.shuffle(shuffled, random);
    int poolSize = Math.multiplyExact(poolBatches, batchSize);
    List<List<T>> batches = new ArrayList<>(shuffled.size() / batchSize + 1);
    for (int from = 0; from < shuffled.size(); from += poolSize) {
      List<Sized<T>> pool = new ArrayList<>(shuffled.subList(from, Math.min(from + poolSize, shuffled.size())));
      pool.sort(Comparator.comparingInt(Sized::length));
      for (int b = 0; b < pool.size(); b += batchSize) {
        batches.add(pool.subList(b, Math.min(b + batchSize, pool.size())).stream().map(Sized::example).toList());
      }
    }
    Collections.shuffle(batches, random);
    return Collections.unmodifiableList(batches);
  }

  private record Sized<T>(T example, int length) {}
}
