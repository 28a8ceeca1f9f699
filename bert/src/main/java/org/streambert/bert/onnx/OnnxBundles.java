package org.streambert.bert.onnx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.streambert.bert.bundle.BertBundles;
import org.streambert.bert.bundle.BundleException;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.bundle.internals.BundleFiles;
import org.streambert.bert.bundle.internals.Manifest;
import org.streambert.bert.onnx.internals.OnnxModel;
import org.streambert.bert.onnx.internals.OnnxProtoReader;
import org.streambert.bert.inference.BertPredictor;
import org.streambert.bert.bundle.ForwardPassLoader;
import org.streambert.bert.inference.PredictorConfig;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.FiniteWeights;
import org.streambert.bert.model.NonFiniteWeightException;
import org.streambert.bert.model.ForwardPass;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.model.ModelMemory;

/**
 * Bundles that carry their model as ONNX beside the SavedModel, and the ONNX Runtime engine that serves them.
 *
 * <p>Layout: a bundle as {@link ModelBundle} describes, plus {@link #ONNX_FILE} (the fp32 export of the same
 * weights), listed and hashed in {@code MANIFEST.json} like every other file. {@link #load} re-reads the file, checks
 * its hash against the manifest on the bytes it will hand to ONNX Runtime, op-checks them ({@link OnnxOps}), and only
 * then opens a session; at {@link OnnxPrecision#INT8} (and {@link OnnxPrecision#INT8_PER_TENSOR}) the checked fp32
 * model is quantized in memory ({@link OnnxQuantizer}), as the bf16 TensorFlow path converts its kernels at load; the
 * quantized graph is this project's own output (ops of {@link OnnxOps#ALLOWED_OPS} only).
 */
public final class OnnxBundles {
  /** The ONNX model inside a bundle. */
  public static final String ONNX_FILE = "onnx/model.onnx";
  /**
   * ONNX Runtime session entries {@link #load(ModelBundle, OnnxPrecision, int)} serves with: intra-op threads sleep
   * between ops instead of spinning. On a CPU shared with other work (a Kafka Streams instance beside its broker
   * client, other pods) spinning made ONNX Runtime 2.1–3.2× slower at int8 (docs/benchmarks.md, issue 24).
   */
  public static final Map<String, String> DEFAULT_SESSION_ENTRIES = Map.of("session.intra_op.allow_spinning", "0");

  private OnnxBundles() {
  }

  /** Whether {@code bundle} carries an ONNX model. */
  public static boolean hasOnnx(ModelBundle bundle) {
    return bundle.files().containsKey(ONNX_FILE);
  }

  /**
   * Writes a new bundle at {@code target}: every file of {@code source} plus {@link #ONNX_FILE} exported from its
   * SavedModel, with a new manifest; atomically (a temporary sibling renamed into place). Refuses an existing
   * {@code target} and a source that already has an ONNX file.
   */
  public static ModelBundle writeWithOnnx(ModelBundle source, Path target) throws IOException {
    Objects.requireNonNull(source, "source");
    if (hasOnnx(source)) {
      throw new BundleException("bundle " + source.dir() + " already carries " + ONNX_FILE);
    }
    Path absolute = target.toAbsolutePath().normalize();
    if (Files.exists(absolute)) {
      throw new BundleException("bundle directory " + absolute + " already exists; refusing to overwrite it");
    }
    Files.createDirectories(absolute.getParent());
    Path temp = Files.createTempDirectory(absolute.getParent(), "." + absolute.getFileName() + ".tmp-");
    try {
      Map<String, String> hashes = new TreeMap<>();
      for (Map.Entry<String, String> file : source.files().entrySet()) {
        Path to = temp.resolve(file.getKey());
        Files.createDirectories(to.getParent());
        Files.copy(source.dir().resolve(file.getKey()), to);
        String hash = BundleFiles.sha256(to);
        if (!hash.equals(file.getValue())) {
          throw new BundleException("bundle " + source.dir() + ": " + file.getKey() + " changed since it was opened");
        }
        hashes.put(file.getKey(), hash);
      }
      Path onnx = temp.resolve(ONNX_FILE);
      OnnxExporter.exportBundle(source, onnx);
      hashes.put(ONNX_FILE, BundleFiles.sha256(onnx));
      Files.write(temp.resolve(ModelBundle.MANIFEST_FILE),
          new Manifest(ModelBundle.FORMAT_VERSION, new TreeMap<>(hashes)).toJson());
      BundleFiles.fsyncTree(temp);
      Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE);
      BundleFiles.fsyncDirectory(absolute.getParent());
    } catch (IOException | RuntimeException | Error e) {
      try {
        BundleFiles.deleteRecursively(temp);
      } catch (IOException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
    return ModelBundle.open(absolute);
  }

  /**
   * The bundle's ONNX model after the hash and op checks (the exact bytes to hand to ONNX Runtime).
   *
   * @throws BundleException when the bundle has no ONNX file, the file's hash differs from the manifest, the model
   *                         is refused by {@link OnnxOps#check}, or a float initializer holds NaN or an infinite
   *                         value ({@code weights.finite:}; the message says which)
   */
  public static byte[] checkedModel(ModelBundle bundle) throws IOException {
    String expected = bundle.files().get(ONNX_FILE);
    if (expected == null) {
      throw new BundleException("bundle " + bundle.dir() + " has no " + ONNX_FILE + " (write one with "
          + "OnnxBundles.writeWithOnnx)");
    }
    Path file = bundle.dir().resolve(ONNX_FILE);
    if (!file.toRealPath().startsWith(bundle.dir().toRealPath())) {
      throw new BundleException("bundle " + bundle.dir() + ": " + ONNX_FILE + " is a symbolic link leading outside "
          + "the bundle");
    }
    if (Files.size(file) > OnnxOps.MAX_MODEL_BYTES) {
      throw new BundleException("bundle " + bundle.dir() + ": " + ONNX_FILE + " is larger than "
          + OnnxOps.MAX_MODEL_BYTES + " bytes");
    }
    byte[] bytes = Files.readAllBytes(file);
    if (!BundleFiles.sha256(bytes).equals(expected)) {
      throw new BundleException("bundle " + bundle.dir() + ": hash mismatch in " + ONNX_FILE + " (sha256 differs from "
          + ModelBundle.MANIFEST_FILE + ")");
    }
    BertConfig cfg = BertBundles.bertConfig(bundle.model());
    try {
      OnnxOps.check(bytes, BertBundles.headsSpec(bundle.model()), cfg.hiddenSize());
      requireFiniteInitializers(bytes);
    } catch (IllegalArgumentException e) {
      throw new BundleException("bundle " + bundle.dir() + ": " + ONNX_FILE + " refused: " + e.getMessage());
    }
    return bytes;
  }

  /**
   * Refuses an ONNX model whose float initializers hold NaN or an infinite value.
   *
   * @throws NonFiniteWeightException naming the initializer
   */
  public static void requireFiniteInitializers(byte[] model) {
    for (OnnxModel.Tensor t : OnnxProtoReader.read(model, true).graph().initializers()) {
      if (t.dataType() == OnnxModel.FLOAT) {
        FiniteWeights.requireLittleEndian(t.name(), t.raw());
      }
    }
  }

  /**
   * The bundle's forward pass served by ONNX Runtime at {@code precision}, with {@code threads} intra-op threads (0:
   * ONNX Runtime's default) and {@link #DEFAULT_SESSION_ENTRIES}. The caller closes it. Needs ONNX Runtime on the class
   * path.
   */
  public static ForwardPass load(ModelBundle bundle, OnnxPrecision precision, int threads) throws IOException {
    return load(bundle, precision, threads, DEFAULT_SESSION_ENTRIES);
  }

  /**
   * {@link #load(ModelBundle, OnnxPrecision, int)} with ONNX Runtime session configuration entries (see
   * {@link OnnxRuntimeForwardPass#OnnxRuntimeForwardPass(byte[], HeadsSpec, int, int, OnnxRuntimeForwardPass.Limits,
   * Map)}).
   */
  public static ForwardPass load(ModelBundle bundle, OnnxPrecision precision, int threads,
      Map<String, String> configEntries) throws IOException {
    ModelMemory.estimate(BertBundles.bertConfig(bundle.model()), BertBundles.headsSpec(bundle.model()),
        precision == OnnxPrecision.INT8 ? ModelMemory.Engine.ONNXRUNTIME_INT8 : ModelMemory.Engine.ONNXRUNTIME_FP32)
        .requireFitsHere(BertBundles.describe(bundle), ModelMemory.LIVE_MODELS_DURING_SWAP);
    byte[] model = checkedModel(bundle);
    if (precision == OnnxPrecision.INT8) {
      model = OnnxQuantizer.quantizeInt8PerRow(model);
    } else if (precision == OnnxPrecision.INT8_PER_TENSOR) {
      model = OnnxQuantizer.quantizeInt8(model);
    }
    BertConfig cfg = BertBundles.bertConfig(bundle.model());
    HeadsSpec heads = BertBundles.headsSpec(bundle.model());
    return new OnnxRuntimeForwardPass(model, heads, cfg.hiddenSize(), threads,
        new OnnxRuntimeForwardPass.Limits(cfg.vocabSize(), cfg.typeVocabSize(), cfg.maxSequenceLength()),
        configEntries);
  }

  /** {@link #load} as a {@link ForwardPassLoader}, for {@link BertBundles#openPredictor(ModelBundle, org.streambert.bert.tokenizer.TextTokenizer, ForwardPassLoader, PredictorConfig)}. */
  public static ForwardPassLoader loader(OnnxPrecision precision, int threads) {
    return bundle -> load(bundle, precision, threads);
  }

  /**
   * {@code BertBundles.openPredictor} with the forward pass served by ONNX Runtime: the bundle's tokenizer, heads and
   * labels, this engine's arithmetic. The caller closes the returned predictor.
   */
  public static BertPredictor openPredictor(ModelBundle bundle, PredictorConfig config, OnnxPrecision precision,
      int threads) throws IOException {
    return BertBundles.openPredictor(bundle, BertBundles.openTokenizer(bundle), loader(precision, threads), config);
  }
}
