package org.streambert.streams.serving;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.streambert.bert.bundle.BundleException;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.model.Precision;
import org.streambert.bert.onnx.OnnxBundles;
import org.streambert.bert.onnx.OnnxPrecision;

/**
 * The engine choice: which {@link ModelLoader} turns verified bundles into forward passes. By default
 * ({@code nlp.model.engine}, {@link Settings}) a loader whose {@link ModelLoader#options} are the engines and
 * precisions the settings allow for the bundle, in the order measured fastest on a 2-core AVX512-VNNI/BF16 CPU
 * ({@link #MEASURED_ORDER}); the rollout serves the first whose golden check passes. A bundle without an ONNX file
 * has only TensorFlow options. Any other loader is named by class ({@code nlp.model.loader.class}) and built with its
 * public no-argument constructor.
 */
public final class ModelLoaders {

  /**
   * Engines and precisions from fastest to slowest as measured here (docs/benchmarks.md, issue 24: BERT-base on the
   * real length mix, AMD EPYC with AVX512-VNNI and AVX512-BF16, no AMX): ONNX Runtime int8 1.8–2.9× TensorFlow fp32,
   * TensorFlow bf16 1.1–1.4×, ONNX Runtime fp32 0.6–1.05× (slower than TensorFlow fp32 whenever the CPU was shared);
   * TensorFlow int8 (issue 32) 2.0–2.1× TensorFlow fp32, 0.97–0.98× ONNX Runtime per-row int8. Per-tensor int8 (issue 32: about 1.1× per-row int8) is in the order only when named.
   */
  public static final List<ServingEngine> MEASURED_ORDER = List.of(ServingEngine.ONNXRUNTIME_INT8_PER_TENSOR,
      ServingEngine.ONNXRUNTIME_INT8, ServingEngine.TENSORFLOW_INT8, ServingEngine.TENSORFLOW_BF16,
      ServingEngine.TENSORFLOW_FP32, ServingEngine.ONNXRUNTIME_FP32);

  private ModelLoaders() {
  }

  /** {@code nlp.model.engine}. */
  public enum Engine {
    /** TensorFlow only (the bundle's SavedModel). */
    TENSORFLOW,
    /** ONNX Runtime only: bundles without an ONNX file are refused. */
    ONNXRUNTIME,
    /** Every engine the bundle can run on, fastest first; a bundle without an ONNX file runs on TensorFlow. */
    AUTO;

    /**
     * Parses {@code tensorflow}, {@code onnxruntime} or {@code auto} (any case).
     *
     * @throws IllegalArgumentException naming the accepted values otherwise
     */
    public static Engine parse(String value) {
      if (value != null) {
        for (Engine e : values()) {
          if (e.name().equalsIgnoreCase(value.strip())) {
            return e;
          }
        }
      }
      throw new IllegalArgumentException("engine must be tensorflow, onnxruntime or auto, not '" + value + "'");
    }

    @Override
    public String toString() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * What the default loader may use.
   *
   * @param engine              {@code nlp.model.engine}
   * @param tensorflowPrecision {@code nlp.model.precision}: {@link Precision#AUTO} allows int8 (on a CPU with VNNI or
   *                            AMX-INT8), bf16 (on a CPU with AMX-BF16 or AVX512-BF16) and fp32
   * @param onnxPrecision       {@code nlp.model.onnxruntime.precision}: empty ({@code auto}) allows int8 and fp32
   * @param onnxThreads         {@code nlp.model.onnxruntime.threads} (0: ONNX Runtime's default)
   * @param onnxSpinning        {@code nlp.model.onnxruntime.spinning}
   */
  public record Settings(Engine engine, Precision tensorflowPrecision, Optional<OnnxPrecision> onnxPrecision,
      int onnxThreads, boolean onnxSpinning) {

    public Settings {
      Objects.requireNonNull(engine, "engine");
      Objects.requireNonNull(tensorflowPrecision, "tensorflowPrecision");
      Objects.requireNonNull(onnxPrecision, "onnxPrecision");
      if (onnxThreads < 0) {
        throw new IllegalArgumentException("onnxThreads must be >= 0, not " + onnxThreads);
      }
    }

    /** TensorFlow alone at {@code precision}: the loader before engines could be chosen. */
    public static Settings tensorflow(Precision precision) {
      return new Settings(Engine.TENSORFLOW, precision, Optional.empty(), 0, false);
    }

    /**
     * The engines and precisions to try for a bundle, fastest first.
     *
     * @param bundleHasOnnx whether the bundle carries {@code onnx/model.onnx}
     * @param cpuHasBf16    whether bf16 runs natively here ({@link Precision#cpuHasBf16()})
     * @param cpuHasInt8Dot whether int8 products run on an 8-bit dot product here ({@link Precision#cpuHasInt8Dot()})
     */
    public List<ServingEngine> order(boolean bundleHasOnnx, boolean cpuHasBf16, boolean cpuHasInt8Dot) {
      List<ServingEngine> allowed = new ArrayList<>();
      if (engine != Engine.ONNXRUNTIME) {
        switch (tensorflowPrecision) {
          case FP32 -> allowed.add(ServingEngine.TENSORFLOW_FP32);
          case BF16 -> allowed.add(ServingEngine.TENSORFLOW_BF16);
          case INT8 -> allowed.add(ServingEngine.TENSORFLOW_INT8);
          case AUTO -> {
            if (cpuHasInt8Dot) {
              allowed.add(ServingEngine.TENSORFLOW_INT8);
            }
            if (cpuHasBf16) {
              allowed.add(ServingEngine.TENSORFLOW_BF16);
            }
            allowed.add(ServingEngine.TENSORFLOW_FP32);
          }
          default -> throw new IllegalStateException("unknown precision " + tensorflowPrecision);
        }
      }
      if (engine != Engine.TENSORFLOW && bundleHasOnnx) {
        if (onnxPrecision.isPresent()) {
          allowed.add(ServingEngine.onnxRuntime(onnxPrecision.get()));
        } else {
          allowed.add(ServingEngine.ONNXRUNTIME_INT8);
          allowed.add(ServingEngine.ONNXRUNTIME_FP32);
        }
      }
      return MEASURED_ORDER.stream().filter(allowed::contains).toList();
    }
  }

  /**
   * The loader named by {@code className}, or the engine choice of {@code settings} when it is null or blank.
   *
   * @throws IllegalArgumentException if the class is missing, not a {@link ModelLoader} or has no public no-argument
   *                                  constructor
   */
  public static ModelLoader create(String className, Settings settings) {
    if (className == null || className.isBlank()) {
      return new EngineChoice(settings);
    }
    try {
      return Class.forName(className).asSubclass(ModelLoader.class).getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException | ClassCastException e) {
      throw new IllegalArgumentException(className + " is not a ModelLoader with a public no-argument constructor: "
          + e, e);
    }
  }

  /** The loader of one engine and precision. */
  static ModelLoader loaderOf(ServingEngine engine, Settings settings) {
    if (engine.engine().equals(ServingEngine.TENSORFLOW)) {
      return new TensorFlowModelLoader(Precision.parse(engine.precision()));
    }
    return new OnnxRuntimeModelLoader(OnnxPrecision.parse(engine.precision()), settings.onnxThreads(),
        settings.onnxSpinning());
  }

  /** The default loader: the settings' engines for each bundle, fastest first. */
  private static final class EngineChoice implements ModelLoader {
    private final Settings settings;

    EngineChoice(Settings settings) {
      this.settings = Objects.requireNonNull(settings, "settings");
    }

    @Override
    public LoadedModel load(ModelBundle bundle) throws IOException {
      return options(bundle).get(0).open();
    }

    /**
     * @throws BundleException when the bundle carries an ONNX file that ONNX Runtime may serve and the file fails its
     *                         checks (hash, op allow-list, parsing): a bad bundle is refused whatever engine could
     *                         serve it; or when only ONNX Runtime may serve and the bundle has no ONNX file
     */
    @Override
    public List<LoadOption> options(ModelBundle bundle) throws IOException {
      boolean hasOnnx = OnnxBundles.hasOnnx(bundle);
      List<ServingEngine> order = settings.order(hasOnnx, Precision.cpuHasBf16(), Precision.cpuHasInt8Dot());
      if (order.isEmpty()) {
        throw new BundleException("engine: bundle " + bundle.model().name() + " " + bundle.model().version() + " has no "
            + OnnxBundles.ONNX_FILE + ", and nlp.model.engine=onnxruntime serves only bundles that carry one (publish "
            + "it with trainer publish --with-onnx, or set nlp.model.engine=auto)");
      }
      if (order.stream().anyMatch(e -> e.engine().equals(ServingEngine.ONNXRUNTIME))) {
        try {
          OnnxBundles.checkedModel(bundle); // a bad ONNX file refuses the bundle, even where TensorFlow would serve
        } catch (BundleException e) {
          throw new BundleException("onnx.ops: " + e.getMessage(), e);
        }
      }
      List<LoadOption> options = new ArrayList<>();
      for (ServingEngine engine : order) {
        ModelLoader loader = loaderOf(engine, settings);
        options.add(new LoadOption(engine, () -> loader.load(bundle)));
      }
      return options;
    }

    @Override
    public String toString() {
      return "engine " + settings.engine() + " (" + settings + ")";
    }
  }
}
