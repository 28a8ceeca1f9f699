package org.streambert.bert.onnx;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.streambert.bert.bundle.BertBundles;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.BertModel;
import org.streambert.bert.model.BertSavedModel;
import org.streambert.bert.model.FiniteWeights;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.onnx.internals.BertOnnxGraph;
import org.streambert.bert.onnx.internals.OnnxModel;
import org.streambert.bert.onnx.internals.OnnxProtoWriter;

/**
 * Writes a BERT model with its heads as an ONNX model (layout and names: {@link OnnxLayout}): the same arithmetic as
 * the TensorFlow graph at fp32, for ONNX Runtime or any other ONNX consumer. The file is self-contained (every weight
 * inside it, standard ai.onnx ops at opset 17), so it passes {@link OnnxOps#check}.
 *
 * <p>What {@code trainer export --format onnx} calls: {@link #exportBundle(ModelBundle, Path)}.
 */
public final class OnnxExporter {

  private OnnxExporter() {
  }

  /**
   * Writes {@code bundle}'s model as ONNX to {@code file} (atomically: a temporary sibling renamed into place; an
   * existing file is replaced). The bundle's SavedModel is loaded at fp32 (op-checked as for serving) and closed.
   */
  public static void exportBundle(ModelBundle bundle, Path file) throws IOException {
    Objects.requireNonNull(bundle, "bundle");
    BertConfig cfg = BertBundles.bertConfig(bundle.model());
    HeadsSpec heads = BertBundles.headsSpec(bundle.model());
    try (BertModel model = BertSavedModel.load(bundle.savedModelDir(), cfg, heads)) {
      export(model, file);
    }
  }

  /** Writes {@code model} (an fp32 model: a bf16 one keeps no float kernels) as ONNX to {@code file}, atomically. */
  public static void export(BertModel model, Path file) throws IOException {
    export(model.config(), model.heads(), model.weights(), file);
  }

  /**
   * Writes the model for {@code cfg} and {@code heads} with {@code weights} (by Google checkpoint name, as
   * {@link BertModel#weights()} returns them) to {@code file}, atomically.
   *
   * @throws IllegalArgumentException naming a missing or mis-sized weight, or a NaN or infinite one
   *                                  ({@link org.streambert.bert.model.NonFiniteWeightException})
   */
  public static void export(BertConfig cfg, HeadsSpec heads, Map<String, float[]> weights, Path file)
      throws IOException {
    OnnxModel.Model model = build(cfg, heads, weights);
    Path absolute = file.toAbsolutePath();
    Files.createDirectories(absolute.getParent());
    Path temp = Files.createTempFile(absolute.getParent(), "." + absolute.getFileName(), ".tmp");
    try {
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(temp), 1 << 20)) {
        OnnxProtoWriter.write(model, out);
      }
      Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /** The serialized ONNX model of {@code model} (for small models: the whole file in memory). */
  public static byte[] toBytes(BertModel model) {
    return OnnxProtoWriter.toBytes(build(model.config(), model.heads(), model.weights()));
  }

  /** Writes the model to {@code out} (not closed). */
  public static void write(BertConfig cfg, HeadsSpec heads, Map<String, float[]> weights, OutputStream out)
      throws IOException {
    OnnxProtoWriter.write(build(cfg, heads, weights), out);
  }

  static OnnxModel.Model build(BertConfig cfg, HeadsSpec heads, Map<String, float[]> weights) {
    Objects.requireNonNull(cfg, "cfg");
    Objects.requireNonNull(heads, "heads");
    Objects.requireNonNull(weights, "weights");
    FiniteWeights.requireAll(weights); // NonFiniteWeightException: a diverged model is not exported
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put(OnnxLayout.BERT_CONFIG_KEY, cfg.toJson());
    metadata.put(OnnxLayout.HEADS_KEY, headsString(heads));
    metadata.put(OnnxLayout.PRECISION_KEY, "fp32");
    String version = OnnxExporter.class.getPackage().getImplementationVersion();
    return BertOnnxGraph.build(cfg, heads, weights, metadata, version == null ? "dev" : version);
  }

  /** The {@link OnnxLayout#HEADS_KEY} value of {@code heads}. */
  static String headsString(HeadsSpec heads) {
    return "classes=" + heads.numClasses() + " multi_label=" + heads.multiLabel() + " token_labels="
        + heads.numTokenLabels();
  }
}
