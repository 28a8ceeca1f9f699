package org.streambert.bert.onnx;

import java.util.Locale;

/**
 * The arithmetic the ONNX Runtime engine serves in. {@link #FP32}: the bundle's ONNX model as exported (the same
 * arithmetic as the TensorFlow graph). {@link #INT8}: its dense layers quantized at load by {@link OnnxQuantizer}
 * (int8 weights per output column, activations quantized per run), everything else float32.
 */
public enum OnnxPrecision {
  FP32,
  INT8;

  /**
   * Parses {@code fp32} or {@code int8} (any case).
   *
   * @throws IllegalArgumentException naming the accepted values otherwise
   */
  public static OnnxPrecision parse(String value) {
    if (value != null) {
      for (OnnxPrecision p : values()) {
        if (p.name().equalsIgnoreCase(value.strip())) {
          return p;
        }
      }
    }
    throw new IllegalArgumentException("ONNX Runtime precision must be fp32 or int8, not '" + value + "'");
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
