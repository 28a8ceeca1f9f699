package org.streambert.bert.onnx;

import java.util.Locale;

/**
 * The arithmetic the ONNX Runtime engine serves in. {@link #FP32}: the bundle's ONNX model as exported (the same
 * arithmetic as the TensorFlow graph). {@link #INT8}: its encoder dense layers quantized at load by
 * {@link OnnxQuantizer#quantizeInt8PerRow} (int8 weights per output column, each token's activations quantized on their
 * own: a text's result does not depend on its batch), everything else float32. {@link #INT8_PER_TENSOR}: the same
 * weights with one activation range per tensor ({@link OnnxQuantizer#quantizeInt8}), about as fast as {@link #INT8}
 * (docs/benchmarks.md, issue 32) but a text's scores move with its batch mates; never chosen by {@code auto}.
 */
public enum OnnxPrecision {
  FP32,
  INT8,
  INT8_PER_TENSOR;

  /**
   * Parses {@code fp32}, {@code int8} or {@code int8-per-tensor} (any case; {@code _} for {@code -} too).
   *
   * @throws IllegalArgumentException naming the accepted values otherwise
   */
  public static OnnxPrecision parse(String value) {
    if (value != null) {
      String v = value.strip().replace('_', '-');
      for (OnnxPrecision p : values()) {
        if (p.toString().equalsIgnoreCase(v)) {
          return p;
        }
      }
    }
    throw new IllegalArgumentException("ONNX Runtime precision must be fp32, int8 or int8-per-tensor, not '" + value
        + "'");
  }

  /** Whether the dense layers run in int8 ({@link #INT8} or {@link #INT8_PER_TENSOR}). */
  public boolean isInt8() {
    return this != FP32;
  }

  /** {@code fp32}, {@code int8}, {@code int8-per-tensor}. */
  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
