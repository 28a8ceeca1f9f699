package org.streambert.streams.serving;

import java.util.Locale;
import java.util.Objects;
import org.streambert.bert.model.Precision;
import org.streambert.bert.onnx.OnnxPrecision;

/**
 * How a loaded model computes: the engine ({@link #TENSORFLOW}, {@link #ONNXRUNTIME}, or whatever a custom
 * {@link ModelLoader} calls itself) and the arithmetic ({@link #FP32}, {@link #BF16}, {@link #INT8}). The rollout
 * checks golden examples with the tolerance of the precision, and the rollout status and {@code nlp_model_info} name
 * both.
 */
public record ServingEngine(String engine, String precision) {

  public static final String TENSORFLOW = "tensorflow";
  public static final String ONNXRUNTIME = "onnxruntime";
  public static final String FP32 = "fp32";
  public static final String BF16 = "bf16";
  public static final String INT8 = "int8";

  public static final ServingEngine TENSORFLOW_FP32 = new ServingEngine(TENSORFLOW, FP32);
  public static final ServingEngine TENSORFLOW_BF16 = new ServingEngine(TENSORFLOW, BF16);
  /**
   * TensorFlow int8 ({@link Precision#INT8}: per-row activations, not bit-exact across batches): first among
   * TensorFlow's precisions where the CPU has an 8-bit dot product ({@link Precision#cpuHasInt8Dot()}).
   */
  public static final ServingEngine TENSORFLOW_INT8 = new ServingEngine(TENSORFLOW, INT8);
  public static final ServingEngine ONNXRUNTIME_FP32 = new ServingEngine(ONNXRUNTIME, FP32);
  /** ONNX Runtime int8 with each token's activations quantized on their own (batch-independent): what auto serves. */
  public static final ServingEngine ONNXRUNTIME_INT8 = new ServingEngine(ONNXRUNTIME, INT8);
  /** ONNX Runtime int8 with one activation range per tensor: faster, batch-dependent, only when named. */
  public static final ServingEngine ONNXRUNTIME_INT8_PER_TENSOR = new ServingEngine(ONNXRUNTIME,
      OnnxPrecision.INT8_PER_TENSOR.toString());
  /** What a loader reports that does not say (a forward pass of a custom {@link ModelLoader}): float32 arithmetic. */
  public static final ServingEngine CUSTOM_FP32 = new ServingEngine("custom", FP32);

  public ServingEngine {
    Objects.requireNonNull(engine, "engine");
    Objects.requireNonNull(precision, "precision");
    engine = engine.toLowerCase(Locale.ROOT);
    precision = precision.toLowerCase(Locale.ROOT);
  }

  /** TensorFlow at a resolved precision ({@link Precision#FP32}, {@link Precision#BF16} or {@link Precision#INT8}). */
  public static ServingEngine tensorflow(Precision precision) {
    if (precision == Precision.AUTO) {
      throw new IllegalArgumentException("a loaded model runs at a resolved precision, not auto");
    }
    return new ServingEngine(TENSORFLOW, precision.toString());
  }

  /** ONNX Runtime at {@code precision}. */
  public static ServingEngine onnxRuntime(OnnxPrecision precision) {
    return new ServingEngine(ONNXRUNTIME, precision.toString());
  }

  /** {@code tensorflow bf16}. */
  @Override
  public String toString() {
    return engine + " " + precision;
  }
}
