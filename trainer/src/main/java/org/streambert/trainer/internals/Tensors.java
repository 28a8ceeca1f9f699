package org.streambert.trainer.internals;

import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/** Tensors filled from Java arrays (every element written). The caller closes them. */
public final class Tensors {

  private Tensors() {}

  public static TInt32 ints(Shape shape, int[] values) {
    check(shape, values.length);
    return TInt32.tensorOf(shape, DataBuffers.of(values, true, false));
  }

  public static TFloat32 floats(Shape shape, float[] values) {
    check(shape, values.length);
    return TFloat32.tensorOf(shape, DataBuffers.of(values, true, false));
  }

  private static void check(Shape shape, int length) {
    if (shape.size() != length) {
      throw new IllegalArgumentException(length + " values for shape " + shape);
    }
  }
}
