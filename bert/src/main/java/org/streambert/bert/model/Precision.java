package org.streambert.bert.model;

import java.util.Locale;
import org.streambert.bert.model.internals.CpuFeatures;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GraphOptions;
import org.tensorflow.proto.RewriterConfig;

/**
 * The arithmetic a forward pass runs in. {@link #FP32} is the quality reference: the graph exactly as built.
 * {@link #BF16} builds the inference graph with every encoder and pooler matrix product (dense layers and both
 * attention products) in bfloat16, against bf16 kernels converted once at load ({@link BertGraph#buildBf16Inference});
 * embeddings, LayerNorm, softmax, GELU, residual sums and the heads stay float32, as do inputs and outputs. It runs
 * natively on oneDNN with AMX or AVX512-BF16. (TensorFlow's {@code auto_mixed_precision_onednn_bfloat16} rewrite,
 * {@link #onednnRewriteConfig()}, does similar work but casts every weight on every run; it was slower on the real
 * length mix, see docs/benchmarks.md.) {@link #INT8} builds the inference graph with the encoder's dense layers in int8
 * through oneDNN's quantized product ({@link BertGraph#buildInt8Inference}): int8 kernels per output column,
 * converted once at load, and activations quantized per row, so no quantization range depends on the batch (scores
 * are still not bit-exact across batches: {@link BertGraph#buildInt8Inference}). {@link #AUTO} is {@link #BF16} where
 * the CPU has AMX-BF16 or AVX512-BF16 and {@link #FP32} elsewhere ({@link #resolve()}); the streams app's engine
 * choice also tries {@link #INT8} first where the CPU has an 8-bit dot product ({@link #cpuHasInt8Dot()}).
 */
public enum Precision {
  AUTO,
  FP32,
  BF16,
  INT8;

  /**
   * Parses {@code auto}, {@code fp32}, {@code bf16} or {@code int8} (any case).
   *
   * @throws IllegalArgumentException naming the accepted values otherwise
   */
  public static Precision parse(String value) {
    if (value != null) {
      for (Precision p : values()) {
        if (p.name().equalsIgnoreCase(value.strip())) {
          return p;
        }
      }
    }
    throw new IllegalArgumentException("precision must be auto, fp32, bf16 or int8, not '" + value + "'");
  }

  /** This precision, but {@link #AUTO} decided by {@link #cpuHasBf16()} ({@link #BF16} or {@link #FP32}). */
  public Precision resolve() {
    if (this != AUTO) {
      return this;
    }
    return cpuHasBf16() ? BF16 : FP32;
  }

  /** True when this CPU reports {@code amx_bf16} or {@code avx512_bf16} (Linux {@code /proc/cpuinfo}). */
  public static boolean cpuHasBf16() {
    return CpuFeatures.local().hasBf16();
  }

  /**
   * True when this CPU reports {@code amx_int8}, {@code avx512_vnni} or {@code avx_vnni}: where the app's engine
   * choice ({@code nlp.model.engine=auto} with {@code nlp.model.precision=auto}) tries {@link #INT8} first among
   * TensorFlow's precisions.
   */
  public static boolean cpuHasInt8Dot() {
    return CpuFeatures.local().hasInt8Dot();
  }

  /**
   * Session options that turn on TensorFlow's {@code auto_mixed_precision_onednn_bfloat16} graph rewrite for a float
   * graph: the earlier way to bf16, kept for the benchmark that compares it with {@link #BF16}.
   */
  public static ConfigProto onednnRewriteConfig() {
    RewriterConfig rewrite = RewriterConfig.newBuilder()
        .setAutoMixedPrecisionOnednnBfloat16(RewriterConfig.Toggle.ON).build();
    return ConfigProto.newBuilder()
        .setGraphOptions(GraphOptions.newBuilder().setRewriteOptions(rewrite)).build();
  }

  /** {@code fp32}, {@code bf16}, {@code int8} or {@code auto}, as written in configurations. */
  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
