package org.streambert.trainer.engine;

import java.util.List;
import java.util.function.Function;
import org.streambert.bert.tokenizer.BatchEncoding;
import org.tensorflow.ndarray.Shape;

/**
 * The encoder's three inputs for a batch of B sequences padded to T positions, row-major [B, T]: token ids (pads
 * are {@code padId}), the attention mask (1 on real positions) and the segment ids, as bert's {@link BatchEncoding}
 * builds them for serving; this adds the TensorFlow shape the training feeds need.
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
   * Pads {@code examples} to their longest sequence (at least 1) with bert's one input builder
   * ({@link BatchEncoding#pad}), as serving does.
   *
   * @param ids an example's token ids
   * @param segments an example's segment ids (same length), or null for a function that gives none (all 0)
   */
  public static <T> EncoderBatch of(List<T> examples, Function<T, int[]> ids, Function<T, int[]> segments,
      int padId) {
    BatchEncoding in = BatchEncoding.pad(examples, ids, segments, padId);
    return new EncoderBatch(in.size(), in.seqLen(), in.ids(), in.mask(), in.segments());
  }
}
