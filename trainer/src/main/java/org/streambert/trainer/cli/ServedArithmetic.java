package org.streambert.trainer.cli;

import java.io.IOException;
import java.util.Locale;
import java.util.Objects;
import org.streambert.bert.bundle.BertBundles;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.model.BertSavedModel;
import org.streambert.bert.model.ForwardPass;
import org.streambert.bert.model.Precision;
import org.streambert.bert.onnx.OnnxBundles;
import org.streambert.bert.onnx.OnnxPrecision;

/**
 * The engine and precision a bundle is scored on ({@code evaluate --engine --precision}), named as the streams app
 * names what it serves ({@code tensorflow fp32}, {@code tensorflow bf16}, {@code onnxruntime int8}, ...), so that a
 * figure says what computed it and the gate can compare like with like.
 */
public record ServedArithmetic(String engine, String precision) {
  public static final String TENSORFLOW = "tensorflow";
  public static final String ONNXRUNTIME = "onnxruntime";
  /** The training commands' {@code --engine} default: what an instance serves by default for the bundle. */
  public static final String AUTO = "auto";
  /** The reference every figure was measured on before engines could be chosen. */
  public static final ServedArithmetic TENSORFLOW_FP32 = new ServedArithmetic(TENSORFLOW, "fp32");

  public ServedArithmetic {
    Objects.requireNonNull(engine, "engine");
    Objects.requireNonNull(precision, "precision");
  }

  /** TensorFlow at {@code precision} ({@link Precision#AUTO} resolved for this CPU). */
  public static ServedArithmetic tensorflow(Precision precision) {
    return new ServedArithmetic(TENSORFLOW, precision.resolve().toString());
  }

  /**
   * Parses {@code --engine} and {@code --precision}: tensorflow with auto, fp32, bf16 or int8; onnxruntime with fp32, int8
   * or int8-per-tensor.
   *
   * @throws IllegalArgumentException naming the accepted values otherwise
   */
  public static ServedArithmetic parse(String engine, String precision) {
    String e = engine == null ? "" : engine.strip().toLowerCase(Locale.ROOT);
    return switch (e) {
      case TENSORFLOW -> tensorflow(Precision.parse(precision));
      case ONNXRUNTIME -> new ServedArithmetic(ONNXRUNTIME, OnnxPrecision.parse(precision).toString());
      default -> throw new IllegalArgumentException("--engine must be tensorflow or onnxruntime, not '" + engine + "'");
    };
  }

  /**
   * The arithmetic a name such as {@code "onnxruntime int8"} ({@link #toString}, a checkpoint's {@code devEngine})
   * stands for.
   *
   * @throws IllegalArgumentException when it is not an engine and a precision this trainer can score on
   */
  public static ServedArithmetic fromName(String name) {
    String[] parts = name == null ? new String[0] : name.strip().split("\\s+");
    if (parts.length != 2) {
      throw new IllegalArgumentException("'" + name + "' is not an engine and a precision (e.g. onnxruntime int8)");
    }
    return parse(parts[0], parts[1]);
  }

  /**
   * The bundle's forward pass on this engine at this precision; the caller closes it.
   *
   * @throws IllegalArgumentException when ONNX Runtime is asked for and the bundle has no ONNX file
   */
  public ForwardPass open(ModelBundle bundle) throws IOException {
    if (engine.equals(ONNXRUNTIME)) {
      if (!OnnxBundles.hasOnnx(bundle)) {
        throw new IllegalArgumentException("bundle " + bundle.dir() + " has no " + OnnxBundles.ONNX_FILE + " to score "
            + "on onnxruntime (fine-tune or publish it --with-onnx)");
      }
      return OnnxBundles.load(bundle, OnnxPrecision.parse(precision), 0);
    }
    return BertSavedModel.load(bundle.savedModelDir(), BertBundles.bertConfig(bundle.model()),
        BertBundles.headsSpec(bundle.model()), Precision.parse(precision));
  }

  /** {@code onnxruntime int8}. */
  @Override
  public String toString() {
    return engine + " " + precision;
  }
}
