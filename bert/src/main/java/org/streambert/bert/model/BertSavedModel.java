package org.streambert.bert.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.proto.ConfigProto;

/**
 * A {@link BertModel} as a TF SavedModel directory ({@code saved_model.pb}, {@code variables/}; tag
 * {@code serve}), with one signature {@link BertGraph#SERVING_SIGNATURE_KEY} whose inputs {@code input_ids},
 * {@code input_mask}, {@code segment_ids} are int32 {@code [-1, -1]} and whose outputs are those of
 * {@link BertGraph#servingSignature()}. The graph holds inference ops only; the weights are stored once, in the
 * variables checkpoint under their Google names. Config and heads are not stored: the caller keeps them next to
 * the directory (e.g. in a bundle manifest) and passes them to {@link #load}.
 */
public final class BertSavedModel {
  /** The SavedModel tag. */
  public static final String TAG = SavedModelBundle.DEFAULT_TAG;

  private BertSavedModel() {
  }

  /**
   * Writes {@code model} to {@code dir} (created if missing; must not already hold a {@code saved_model.pb}). Runs
   * are paused while the variables are written.
   *
   * @throws NonFiniteWeightException when a weight is NaN or infinite (nothing is written)
   */
  public static void export(BertModel model, Path dir) {
    Objects.requireNonNull(model, "model");
    if (Files.exists(dir.resolve("saved_model.pb"))) {
      throw new IllegalArgumentException(dir + " already holds a SavedModel");
    }
    model.requireFiniteWeights(); // a diverged model is not written
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + dir, e);
    }
    model.withExclusiveSession(session -> {
      try {
        SavedModelBundle.exporter(dir.toString()).withTags(TAG)
            .withFunction(SessionFunction.create(model.signature(), session)).export();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot export the model to " + dir, e);
      }
    });
  }

  /**
   * Loads a directory written by {@link #export} as a {@link BertModel} that owns the loaded bundle.
   *
   * @throws IllegalArgumentException when the directory is not such a SavedModel or does not match {@code cfg} and
   *                                  {@code heads} (names the missing or mis-shaped variable or output), or uses an
   *                                  op a BERT graph does not ({@link SavedModelOps}: checked before TensorFlow
   *                                  loads anything), or holds a NaN or infinite weight
   *                                  ({@link NonFiniteWeightException}: every variable is read once after loading)
   */
  public static BertModel load(Path dir, BertConfig cfg, HeadsSpec heads) {
    return load(dir, cfg, heads, (ConfigProto) null);
  }

  /**
   * {@link #load(Path, BertConfig, HeadsSpec)} at a {@link Precision} ({@link Precision#AUTO} is resolved here, for
   * this CPU). At {@link Precision#BF16} or {@link Precision#INT8} the SavedModel is loaded (and checked) as at fp32,
   * then its weights are read one variable at a time into a {@link BertModel#createBf16 bf16} or
   * {@link BertModel#createInt8 int8 graph} and the SavedModel is closed.
   */
  public static BertModel load(Path dir, BertConfig cfg, HeadsSpec heads, Precision precision) {
    return load(dir, cfg, heads, precision, null);
  }

  /**
   * {@link #load(Path, BertConfig, HeadsSpec, Precision)} with session options for the served graph (e.g. thread
   * counts); {@code sessionConfig} may be null for TensorFlow's defaults.
   */
  public static BertModel load(Path dir, BertConfig cfg, HeadsSpec heads, Precision precision,
      ConfigProto sessionConfig) {
    if (precision.resolve() == Precision.FP32) {
      return load(dir, cfg, heads, sessionConfig);
    }
    try (BertModel fp32 = load(dir, cfg, heads, (ConfigProto) null)) {
      return BertModel.create(cfg, heads, fp32.liveWeights(), sessionConfig, precision);
    }
  }

  /**
   * {@link #load(Path, BertConfig, HeadsSpec)} with session options (e.g. thread counts); {@code sessionConfig} may
   * be null for TensorFlow's defaults.
   */
  public static BertModel load(Path dir, BertConfig cfg, HeadsSpec heads, ConfigProto sessionConfig) {
    Objects.requireNonNull(cfg, "cfg");
    Objects.requireNonNull(heads, "heads");
    if (!Files.isRegularFile(dir.resolve("saved_model.pb"))) {
      throw new IllegalArgumentException(dir + " has no saved_model.pb");
    }
    SavedModelOps.check(dir); // the loader runs initialisers: refuse what a BERT graph does not do first
    SavedModelBundle.Loader loader = SavedModelBundle.loader(dir.toString()).withTags(TAG);
    if (sessionConfig != null) {
      loader.withConfigProto(sessionConfig);
    }
    SavedModelBundle bundle = loader.load();
    try {
      Signature sig = bundle.signatures().stream()
          .filter(s -> s.key().equals(BertGraph.SERVING_SIGNATURE_KEY)).findFirst()
          .orElseThrow(() -> new IllegalArgumentException(dir + " has no signature "
              + BertGraph.SERVING_SIGNATURE_KEY));
      BertModel model = BertModel.fromBundle(bundle, cfg, heads, sig);
      model.requireFiniteWeights(); // read every variable once: NaN or infinite weights are refused at load
      return model;
    } catch (RuntimeException e) {
      bundle.close();
      throw e;
    }
  }
}
