package org.streambert.trainer.engine;

import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.tensorflow.ndarray.Shape;

/**
 * The encoder's three inputs for a batch of B sequences padded to T positions, row-major [B, T]: token ids (pads
 * are {@code padId}), the attention mask (1 on real positions) and the segment ids. Built once here for every
 * training task, from each example's ids and segments.
 *
 * @param size B
 * @param seqLen T, the longest sequence of the batch
 */
public record EncoderBatch(int size, int seqLen, int[] ids, int[] mask, int[] segments) {

  public EncoderBatch {
    if (ids.length != size * seqLen || mask.length != ids.length || segments.length != ids.length) {
      throw new IllegalArgumentException("inputs of " + ids.length + "/" + mask.length + "/" + segments.length
          + " values for a batch of " + size + " x " + seqLen);
    }
  }

  /** [B, T]. */
  public Shape shape() {
    return Shape.of(size, seqLen);
  }

  /**
   * Pads {@code examples} to their longest sequence (at least 1).
   *
   * @param ids an example's token ids
   * @param segments an example's segment ids (same length), or null for a function that gives none (all 0)
   */
  public static <T> EncoderBatch of(List<T> examples, Function<T, int[]> ids, Function<T, int[]> segments,
      int padId) {
    int b = examples.size();
    int t = 1;
    for (T e : examples) {
      t = Math.max(t, ids.apply(e).length);
    }
    int[] idsOut = new int[b * t];
    int[] maskOut = new int[b * t];
    int[] segOut = new int[b * t];
    Arrays.fill(idsOut, padId);
    for (int i = 0; i < b; i++) {
      int[] x = ids.apply(examples.get(i));
      System.arraycopy(x, 0, idsOut, i * t, x.length);
      Arrays.fill(maskOut, i * t, i * t + x.length, 1);
      int[] s = segments == null ? null : segments.apply(examples.get(i));
      if (s != null) {
        if (s.length != x.length) {
          throw new IllegalArgumentException("example " + i + ": " + s.length + " segment ids for " + x.length
              + " tokens");
        }
        System.arraycopy(s, 0, segOut, i * t, s.length);
      }
    }
    return new EncoderBatch(b, t, idsOut, maskOut, segOut);
  }
}
