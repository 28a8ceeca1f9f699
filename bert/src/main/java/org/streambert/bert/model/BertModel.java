package org.streambert.bert.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import org.streambert.bert.model.internals.TensorData;
import org.tensorflow.Graph;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * An inference BERT (dropout off) with its heads in its own graph and session: the {@link ForwardPass} the rest of
 * the project runs. Build one from weights with {@link #create}, or load an exported one with
 * {@link BertSavedModel#load}.
 *
 * <p>Thread-safe: any number of threads may {@link #run} concurrently. This object owns its graph and session (or
 * SavedModel bundle); {@link #close()} waits for in-flight runs, then frees them; later runs throw
 * {@link IllegalStateException}. Every tensor a run creates or fetches is closed before the run returns.
 */
public final class BertModel implements ForwardPass {
  private final BertConfig config;
  private final HeadsSpec heads;
  private final Graph graph;
  private final Session session;
  private final AutoCloseable owner;
  private final Signature signature;
  private final Output<?> inputIds;
  private final Output<?> inputMask;
  private final Output<?> segmentIds;
  private final Output<?> sequenceOutput;
  private final Output<?> pooledOutput;
  private final Output<?> classProbs;
  private final Output<?> tokenProbs;
  private final List<String> variableNames;
  private final boolean bf16Matmuls;
  private final ReadWriteLock lock = new ReentrantReadWriteLock();
  private boolean closed;

  private BertModel(BertConfig config, HeadsSpec heads, Graph graph, Session session, AutoCloseable owner,
      Signature signature, List<String> variableNames, boolean bf16Matmuls) {
    this.config = config;
    this.heads = heads;
    this.graph = graph;
    this.session = session;
    this.owner = owner;
    this.signature = signature;
    this.variableNames = List.copyOf(variableNames);
    this.bf16Matmuls = bf16Matmuls;
    this.inputIds = tensor(signature.getInputs(), BertGraph.INPUT_IDS_NAME);
    this.inputMask = tensor(signature.getInputs(), BertGraph.INPUT_MASK_NAME);
    this.segmentIds = tensor(signature.getInputs(), BertGraph.SEGMENT_IDS_NAME);
    this.sequenceOutput = tensor(signature.getOutputs(), BertGraph.SEQUENCE_OUTPUT_NAME);
    this.pooledOutput = tensor(signature.getOutputs(), BertGraph.POOLED_OUTPUT_NAME);
    this.classProbs = heads.hasClassHead() ? tensor(signature.getOutputs(), BertGraph.CLASS_PROBS_NAME) : null;
    this.tokenProbs = heads.hasTokenHead() ? tensor(signature.getOutputs(), BertGraph.TOKEN_PROBS_NAME) : null;
  }

  /**
   * Builds the inference graph for {@code cfg} and {@code heads} and loads every weight from {@code weights}
   * (which the caller still owns and may close afterwards).
   *
   * @throws IllegalArgumentException when a weight is missing or has the wrong shape
   */
  public static BertModel create(BertConfig cfg, HeadsSpec heads, WeightSource weights) {
    return create(cfg, heads, weights, null);
  }

  /**
   * {@link #create(BertConfig, HeadsSpec, WeightSource)} with session options, e.g. intra/inter-op thread counts;
   * {@code sessionConfig} may be null for TensorFlow's defaults.
   */
  public static BertModel create(BertConfig cfg, HeadsSpec heads, WeightSource weights, ConfigProto sessionConfig) {
    return create(cfg, heads, weights, sessionConfig, Precision.FP32);
  }

  /**
   * {@link #create(BertConfig, HeadsSpec, WeightSource, ConfigProto)} with the encoder's matrix products in bfloat16
   * against kernels converted once at load ({@link BertGraph#buildBf16Inference}).
   */
  public static BertModel createBf16(BertConfig cfg, HeadsSpec heads, WeightSource weights,
      ConfigProto sessionConfig) {
    return create(cfg, heads, weights, sessionConfig, Precision.BF16);
  }

  /**
   * {@link #create(BertConfig, HeadsSpec, WeightSource, ConfigProto)} with the encoder's dense layers in int8 against
   * kernels quantized once at load ({@link BertGraph#buildInt8Inference}).
   */
  public static BertModel createInt8(BertConfig cfg, HeadsSpec heads, WeightSource weights,
      ConfigProto sessionConfig) {
    return create(cfg, heads, weights, sessionConfig, Precision.INT8);
  }

  /** {@link #create(BertConfig, HeadsSpec, WeightSource, ConfigProto)} at {@code precision} ({@code auto} resolved). */
  public static BertModel create(BertConfig cfg, HeadsSpec heads, WeightSource weights, ConfigProto sessionConfig,
      Precision precision) {
    Objects.requireNonNull(weights, "weights");
    Graph g = new Graph();
    Session s = null;
    try {
      BertGraph bg = switch (precision.resolve()) {
        case BF16 -> BertGraph.buildBf16Inference(Ops.create(g), cfg, heads);
        case INT8 -> BertGraph.buildInt8Inference(Ops.create(g), cfg, heads);
        default -> BertGraph.build(Ops.create(g), cfg, heads, false);
      };
      s = new Session(g, sessionConfig);
      bg.initialize(s, weights);
      Session session = s;
      AutoCloseable owner = () -> {
        session.close();
        g.close();
      };
      return new BertModel(cfg, heads, g, s, owner, bg.servingSignature(),
          bg.variables().stream().map(BertVariable::name).toList(), bg.bf16Matmuls());
    } catch (RuntimeException | Error e) {
      if (s != null) {
        s.close();
      }
      g.close();
      throw e;
    }
  }

  /** Wraps a loaded bundle; takes ownership of it. */
  static BertModel fromBundle(SavedModelBundle bundle, BertConfig cfg, HeadsSpec heads, Signature signature) {
    Map<String, Shape> expected = BertGraph.variableShapes(cfg, heads);
    for (Map.Entry<String, Shape> e : expected.entrySet()) {
      var op = bundle.graph().operation(e.getKey());
      if (op == null) {
        throw new IllegalArgumentException("the SavedModel has no variable " + e.getKey() + " that " + cfg + " with "
            + heads + " needs");
      }
      Shape actual = op.output(0).shape();
      if (!actual.equals(e.getValue())) {
        throw new IllegalArgumentException("variable " + e.getKey() + " has shape " + actual + " in the SavedModel, "
            + "the config needs " + e.getValue());
      }
    }
    return new BertModel(cfg, heads, bundle.graph(), bundle.session(), bundle, signature,
        new ArrayList<>(expected.keySet()), false);
  }

  @Override
  public ForwardResult run(int batch, int seqLen, int[] inputIds, int[] inputMask, int[] segmentIds) {
    return run(batch, seqLen, inputIds, inputMask, segmentIds, false);
  }

  @Override
  public ForwardResult run(int batch, int seqLen, int[] inputIds, int[] inputMask, int[] segmentIds,
      boolean withSequence) {
    checkInputs(batch, seqLen, inputIds, inputMask, segmentIds);
    Shape shape = Shape.of(batch, seqLen);
    lock.readLock().lock();
    try {
      ensureOpen();
      try (TInt32 ids = TensorData.ints(shape, inputIds);
          TInt32 mask = TensorData.ints(shape, inputMask);
          TInt32 seg = TensorData.ints(shape, segmentIds)) {
        Session.Runner runner = session.runner()
            .feed(this.inputIds, ids).feed(this.inputMask, mask).feed(this.segmentIds, seg)
            .fetch(pooledOutput);
        if (classProbs != null) {
          runner.fetch(classProbs);
        }
        if (tokenProbs != null) {
          runner.fetch(tokenProbs);
        }
        if (withSequence) {
          runner.fetch(sequenceOutput);
        }
        try (Result r = runner.run()) {
          int i = 0;
          float[] pooled = TensorData.readFloats(r.get(i++));
          float[] cls = classProbs != null ? TensorData.readFloats(r.get(i++)) : null;
          float[] tok = tokenProbs != null ? TensorData.readFloats(r.get(i++)) : null;
          float[] seq = withSequence ? TensorData.readFloats(r.get(i)) : null; // [B, T, H]
          return new ForwardResult(batch, seqLen, config.hiddenSize(), heads.numClasses(), heads.numTokenLabels(),
              pooled, cls, tok, seq);
        }
      }
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Runs the encoder only, returning the sequence output [B, T, H] and the pooled output [B, H]. */
  public EncoderOutput encode(int batch, int seqLen, int[] inputIds, int[] inputMask, int[] segmentIds) {
    checkInputs(batch, seqLen, inputIds, inputMask, segmentIds);
    Shape shape = Shape.of(batch, seqLen);
    lock.readLock().lock();
    try {
      ensureOpen();
      try (TInt32 ids = TensorData.ints(shape, inputIds);
          TInt32 mask = TensorData.ints(shape, inputMask);
          TInt32 seg = TensorData.ints(shape, segmentIds);
          Result r = session.runner()
              .feed(this.inputIds, ids).feed(this.inputMask, mask).feed(this.segmentIds, seg)
              .fetch(sequenceOutput).fetch(pooledOutput).run()) {
        return new EncoderOutput(batch, seqLen, config.hiddenSize(), TensorData.readFloats(r.get(0)),
            TensorData.readFloats(r.get(1)));
      }
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Copies of every weight, by Google checkpoint name (e.g. to hand to another model or a checkpoint writer).
   *
   * @throws IllegalStateException for a bf16 or int8 model ({@link #createBf16}, {@link #createInt8}): it keeps only
   *                               its converted kernels
   */
  public Map<String, float[]> weights() {
    lock.readLock().lock();
    try {
      ensureOpen();
      if (bf16Matmuls) {
        throw new IllegalStateException("a bf16 or int8 model keeps only its bf16 or int8 kernels; load it at fp32 to "
            + "read its weights");
      }
      Map<String, float[]> out = new LinkedHashMap<>();
      for (String name : variableNames) {
        out.put(name, fetchFloats(name));
      }
      return out;
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * This model's variables as a weight source, each fetched from the session when asked (so at most one weight is
   * copied at a time, not the whole model); valid while this model is open. For loading the same weights into another
   * graph.
   */
  WeightSource liveWeights() {
    if (bf16Matmuls) {
      throw new IllegalStateException("a bf16 or int8 model keeps only its bf16 or int8 kernels");
    }
    return (name, shape) -> {
      lock.readLock().lock();
      try {
        ensureOpen();
        if (!variableNames.contains(name)) {
          return Optional.empty();
        }
        return Optional.of(TensorData.floats(shape, fetchFloats(name)));
      } finally {
        lock.readLock().unlock();
      }
    };
  }

  /**
   * Reads every variable once, in place, and refuses NaN or infinite values (a load-time check: cheap next to the
   * load). A bf16 or int8 model is not read: it was built from fp32 weights checked on their way in.
   *
   * @throws NonFiniteWeightException naming the first variable that holds one
   */
  public void requireFiniteWeights() {
    lock.readLock().lock();
    try {
      ensureOpen();
      if (bf16Matmuls) {
        return;
      }
      for (String name : variableNames) {
        try (Result r = session.runner().fetch(name).run()) {
          if (r.get(0) instanceof TFloat32 values) {
            FiniteWeights.require(name, values);
          }
        }
      }
    } finally {
      lock.readLock().unlock();
    }
  }

  /** A copy of variable {@code name}'s current value; the caller holds the read lock. */
  private float[] fetchFloats(String name) {
    try (Result r = session.runner().fetch(name).run()) {
      return TensorData.readFloats(r.get(0));
    }
  }

  /** Runs {@code action} with the session while no forward run is in flight (used by export). */
  void withExclusiveSession(Consumer<Session> action) {
    lock.writeLock().lock();
    try {
      ensureOpen();
      action.accept(session);
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** The graph (tests inspect its ops). */
  Graph graph() {
    return graph;
  }

  Signature signature() {
    return signature;
  }

  public BertConfig config() {
    return config;
  }

  public HeadsSpec heads() {
    return heads;
  }

  @Override
  public int hiddenSize() {
    return config.hiddenSize();
  }

  @Override
  public int numClasses() {
    return heads.numClasses();
  }

  @Override
  public int numTokenLabels() {
    return heads.numTokenLabels();
  }

  /** Waits for in-flight runs, then frees the session and graph. Idempotent. */
  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      owner.close();
    } catch (Exception e) {
      throw new IllegalStateException("cannot close the TensorFlow session", e);
    } finally {
      lock.writeLock().unlock();
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("the model is closed");
    }
  }

  private void checkInputs(int batch, int seqLen, int[] ids, int[] mask, int[] seg) {
    if (batch < 1) {
      throw new IllegalArgumentException("batch must be >= 1, got " + batch);
    }
    if (seqLen < 1 || seqLen > config.maxSequenceLength()) {
      throw new IllegalArgumentException("seqLen must be in [1, " + config.maxSequenceLength() + "], got "
          + seqLen);
    }
    long n = (long) batch * seqLen;
    checkRange("inputIds", ids, n, config.vocabSize());
    checkRange("inputMask", mask, n, 2);
    checkRange("segmentIds", seg, n, config.typeVocabSize());
  }

  private static void checkRange(String what, int[] values, long expectedLength, int limit) {
    if (values == null) {
      throw new IllegalArgumentException(what + " is null");
    }
    if (values.length != expectedLength) {
      throw new IllegalArgumentException(what + " has " + values.length + " values, batch * seqLen is "
          + expectedLength);
    }
    for (int i = 0; i < values.length; i++) {
      if (values[i] < 0 || values[i] >= limit) {
        throw new IllegalArgumentException(what + "[" + i + "] = " + values[i] + " is outside [0, " + limit + ")");
      }
    }
  }

  private Output<?> tensor(Map<String, Signature.TensorDescription> side, String key) {
    Signature.TensorDescription d = side.get(key);
    if (d == null) {
      throw new IllegalArgumentException("signature " + signature.key() + " has no " + key + " (has "
          + side.keySet() + ")");
    }
    return graph.outputOrThrow(d.name);
  }
}
