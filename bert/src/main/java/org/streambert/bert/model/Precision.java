package org.streambert.bert.model;

import java.util.Locale;
import org.streambert.bert.model.internals.CpuFeatures;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GraphOptions;
import org.tensorflow.proto.RewriterConfig;

/**
 * The arithmetic a forward pass runs in. {@link #FP32} is the quality reference: the graph exactly as built.
 * {@link #BF16} turns on TensorFlow's {@code auto_mixed_precision_onednn_bfloat16} graph rewrite, which runs MatMul,
 * BatchMatMul and friends in bfloat16 on oneDNN (AMX / AVX512-BF16) and keeps the numerically sensitive ops (softmax,
 * LayerNorm's mean/variance, Erf) in float32, with casts inserted at the boundaries; weights and outputs stay float32.
 * {@link #AUTO} is {@link #BF16} where the CPU has AMX-BF16 or AVX512-BF16 and {@link #FP32} elsewhere.
 */
public enum Precision {
  AUTO,
  FP32,
  BF16;

  /**
   * Parses {@code auto}, {@code fp32} or {@code bf16} (any case).
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
    throw new IllegalArgumentException("precision must be auto, fp32 or bf16, not '" + value + "'");
  }

  /** {@link #FP32} or {@link #BF16}: {@link #AUTO} decided by {@link #cpuHasBf16()}. */
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
   * Session options for this precision (resolved first), or null for TensorFlow's defaults (fp32, the graph as built).
   */
  public ConfigProto sessionConfig() {
    if (resolve() == FP32) {
      return null;
    }
    RewriterConfig rewrite = RewriterConfig.newBuilder()
        .setAutoMixedPrecisionOnednnBfloat16(RewriterConfig.Toggle.ON).build();
    return ConfigProto.newBuilder()
        .setGraphOptions(GraphOptions.newBuilder().setRewriteOptions(rewrite)).build();
  }

  /** {@code fp32}, {@code bf16} or {@code auto}, as written in configurations. */
  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
