package org.streambert.bert.model.internals;

import org.streambert.bert.model.TensorArrays;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * bert's internal name for {@link TensorArrays}, where the copies are implemented (kept so the graph and weight code
 * need not change their imports).
 */
public final class TensorData {
  private TensorData() {
  }

  /** {@link TensorArrays#floats}. */
  public static TFloat32 floats(Shape shape, float[] values) {
    return TensorArrays.floats(shape, values);
  }

  /** {@link TensorArrays#ints}. */
  public static TInt32 ints(Shape shape, int[] values) {
    return TensorArrays.ints(shape, values);
  }

  /** {@link TensorArrays#readFloats}. */
  public static float[] readFloats(Tensor t) {
    return TensorArrays.readFloats(t);
  }
}
