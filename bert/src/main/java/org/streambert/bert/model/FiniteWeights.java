package org.streambert.bert.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Map;
import org.tensorflow.ndarray.buffer.FloatDataBuffer;
import org.tensorflow.types.TFloat32;

/**
 * One pass over weights that refuses NaN and ±Infinity ({@link NonFiniteWeightException}, naming the tensor). Used
 * where weights cross a boundary: import ({@link BertVariable#initializeAll}, through which every importer's weights
 * go), export ({@link BertSavedModel#export}, the Hugging Face and checkpoint writers) and load
 * ({@link BertSavedModel#load} reads every variable once; ONNX bundles check their float initializers).
 */
public final class FiniteWeights {

  private FiniteWeights() {
  }

  /**
   * @throws NonFiniteWeightException naming {@code tensor} at its first value that is not finite
   */
  public static void require(String tensor, float[] values) {
    for (int i = 0; i < values.length; i++) {
      if (!Float.isFinite(values[i])) {
        throw new NonFiniteWeightException(tensor, i, values[i]);
      }
    }
  }

  /** {@link #require(String, float[])} on a tensor's values, read in place (no copy). */
  public static void require(String tensor, TFloat32 values) {
    FloatDataBuffer data = values.asRawTensor().data().asFloats();
    long n = data.size();
    for (long i = 0; i < n; i++) {
      float v = data.getFloat(i);
      if (!Float.isFinite(v)) {
        throw new NonFiniteWeightException(tensor, i, v);
      }
    }
  }

  /** {@link #require(String, float[])} on little-endian float32 bytes (ONNX {@code raw_data}). */
  public static void requireLittleEndian(String tensor, byte[] raw) {
    FloatBuffer floats = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    for (int i = 0; i < floats.limit(); i++) {
      float v = floats.get(i);
      if (!Float.isFinite(v)) {
        throw new NonFiniteWeightException(tensor, i, v);
      }
    }
  }

  /** {@link #require(String, float[])} on every tensor of {@code weights}. */
  public static void requireAll(Map<String, float[]> weights) {
    weights.forEach(FiniteWeights::require);
  }
}
