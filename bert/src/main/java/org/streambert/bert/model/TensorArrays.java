package org.streambert.bert.model;

import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Bulk copies between Java arrays and native tensors through the raw byte buffer (one copy, no per-element
 * accessors): the project's one int/float tensor helper, used by the graph code, the trainer and the benches. Every
 * tensor returned is completely written and owned by the caller.
 */
public final class TensorArrays {
  private TensorArrays() {
  }

  /** A new float tensor of {@code shape} holding {@code values} (row-major). */
  public static TFloat32 floats(Shape shape, float[] values) {
    checkSize(shape, values.length);
    TFloat32 t = TFloat32.tensorOf(shape);
    try {
      t.asRawTensor().data().asFloats().write(values);
    } catch (RuntimeException e) {
      t.close();
      throw e;
    }
    return t;
  }

  /** A new int tensor of {@code shape} holding {@code values} (row-major). */
  public static TInt32 ints(Shape shape, int[] values) {
    checkSize(shape, values.length);
    TInt32 t = TInt32.tensorOf(shape);
    try {
      t.asRawTensor().data().asInts().write(values);
    } catch (RuntimeException e) {
      t.close();
      throw e;
    }
    return t;
  }

  /** All values of a float tensor, row-major. */
  public static float[] readFloats(Tensor t) {
    if (!(t instanceof TFloat32)) {
      throw new IllegalArgumentException("expected a float32 tensor, got " + t.dataType());
    }
    float[] out = new float[Math.toIntExact(t.shape().size())];
    t.asRawTensor().data().asFloats().read(out);
    return out;
  }

  private static void checkSize(Shape shape, int length) {
    if (shape.hasUnknownDimension() || shape.size() != length) {
      throw new IllegalArgumentException("shape " + shape + " needs " + shape.size() + " values, got " + length);
    }
  }
}
