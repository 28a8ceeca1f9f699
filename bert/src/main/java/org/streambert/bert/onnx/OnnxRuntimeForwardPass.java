package org.streambert.bert.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.streambert.bert.model.ForwardPass;
import org.streambert.bert.model.ForwardResult;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.onnx.internals.CommandLineGuard;

/**
 * A {@link ForwardPass} over ONNX Runtime (CPU execution provider) serving a model in {@link OnnxLayout}: the optional
 * engine. Needs {@code com.microsoft.onnxruntime:onnxruntime} on the class path (an optional dependency of bert).
 * The model bytes must have passed {@link OnnxOps#check} (as {@link OnnxBundles#load} does); this class registers no
 * custom-op library and reads no file, and sets all of ONNX Runtime's graph optimisations on.
 *
 * <p>Thread-safe: runs may be concurrent (ONNX Runtime's {@code Run} is). This object owns its session;
 * {@link #close()} waits for in-flight runs, then frees it; later runs throw {@link IllegalStateException}. Every
 * tensor a run creates or fetches is closed before the run returns.
 */
public final class OnnxRuntimeForwardPass implements ForwardPass {
  private final OrtEnvironment env;
  private final OrtSession session;
  private final HeadsSpec heads;
  private final int hiddenSize;
  private final int vocabSize;
  private final int typeVocabSize;
  private final int maxLength;
  private final Set<String> outputs;
  private final ReadWriteLock lock = new ReentrantReadWriteLock();
  private boolean closed;

  /**
   * Opens a session on {@code model}.
   *
   * @param threads intra-op threads (0: ONNX Runtime's default, one per physical core); inter-op runs sequentially
   * @param limits  the model's vocabulary, type vocabulary and position table sizes, to refuse out-of-range inputs
   *                with a clear error (ONNX Runtime's Gather would fail less clearly)
   * @throws IllegalArgumentException when ONNX Runtime cannot load the model
   * @throws IllegalStateException    when this JVM's command line is too long for ONNX Runtime 1.29.0, which would
   *                                  crash the process (see {@link CommandLineGuard})
   */
  public OnnxRuntimeForwardPass(byte[] model, HeadsSpec heads, int hiddenSize, int threads, Limits limits) {
    this(model, heads, hiddenSize, threads, limits, Map.of());
  }

  /**
   * {@link #OnnxRuntimeForwardPass(byte[], HeadsSpec, int, int, Limits)} with ONNX Runtime session configuration
   * entries, e.g. {@code session.intra_op.allow_spinning = 0} (its threads then sleep instead of spinning between
   * ops, which matters on a CPU shared with other work).
   */
  public OnnxRuntimeForwardPass(byte[] model, HeadsSpec heads, int hiddenSize, int threads, Limits limits,
      Map<String, String> configEntries) {
    this.heads = Objects.requireNonNull(heads, "heads");
    this.hiddenSize = hiddenSize;
    this.vocabSize = limits.vocabSize();
    this.typeVocabSize = limits.typeVocabSize();
    this.maxLength = limits.maxPositions();
    CommandLineGuard.check(); // ONNX Runtime would kill this JVM otherwise
    this.env = OrtEnvironment.getEnvironment();
    Set<String> out = new LinkedHashSet<>();
    out.add(OnnxLayout.POOLED_OUTPUT);
    if (heads.hasClassHead()) {
      out.add(OnnxLayout.CLASS_PROBS);
    }
    if (heads.hasTokenHead()) {
      out.add(OnnxLayout.TOKEN_PROBS);
    }
    this.outputs = Set.copyOf(out);
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
      if (threads > 0) {
        options.setIntraOpNumThreads(threads);
      }
      options.setInterOpNumThreads(1);
      for (Map.Entry<String, String> e : configEntries.entrySet()) {
        options.addConfigEntry(e.getKey(), e.getValue());
      }
      this.session = env.createSession(model, options);
    } catch (OrtException e) {
      throw new IllegalArgumentException("onnx: ONNX Runtime cannot load the model: " + e.getMessage(), e);
    }
  }

  /** Sizes of the model's lookup tables, for input checks. */
  public record Limits(int vocabSize, int typeVocabSize, int maxPositions) {
  }

  @Override
  public ForwardResult run(int batch, int seqLen, int[] inputIds, int[] inputMask, int[] segmentIds) {
    if (batch < 1 || seqLen < 1 || seqLen > maxLength) {
      throw new IllegalArgumentException("batch must be >= 1 and seqLen in [1, " + maxLength + "], got " + batch
          + ", " + seqLen);
    }
    long n = (long) batch * seqLen;
    long[] shape = {batch, seqLen};
    lock.readLock().lock();
    try {
      if (closed) {
        throw new IllegalStateException("the model is closed");
      }
      try (OnnxTensor ids = tensor(inputIds, n, vocabSize, "inputIds", shape);
          OnnxTensor mask = tensor(inputMask, n, 2, "inputMask", shape);
          OnnxTensor seg = tensor(segmentIds, n, typeVocabSize, "segmentIds", shape);
          OrtSession.Result r = session.run(Map.of(OnnxLayout.INPUT_IDS, ids, OnnxLayout.ATTENTION_MASK, mask,
              OnnxLayout.TOKEN_TYPE_IDS, seg), outputs)) {
        float[] pooled = floats(r, OnnxLayout.POOLED_OUTPUT);
        float[] cls = heads.hasClassHead() ? floats(r, OnnxLayout.CLASS_PROBS) : null;
        float[] tok = heads.hasTokenHead() ? floats(r, OnnxLayout.TOKEN_PROBS) : null;
        return new ForwardResult(batch, seqLen, hiddenSize, heads.numClasses(), heads.numTokenLabels(), pooled, cls,
            tok);
      } catch (OrtException e) {
        throw new IllegalStateException("ONNX Runtime run failed: " + e.getMessage(), e);
      }
    } finally {
      lock.readLock().unlock();
    }
  }

  private OnnxTensor tensor(int[] values, long n, int limit, String what, long[] shape) throws OrtException {
    if (values == null || values.length != n) {
      throw new IllegalArgumentException(what + " must have batch * seqLen = " + n + " values");
    }
    long[] longs = new long[values.length];
    for (int i = 0; i < values.length; i++) {
      if (values[i] < 0 || values[i] >= limit) {
        throw new IllegalArgumentException(what + "[" + i + "] = " + values[i] + " is outside [0, " + limit + ")");
      }
      longs[i] = values[i];
    }
    return OnnxTensor.createTensor(env, LongBuffer.wrap(longs), shape);
  }

  private static float[] floats(OrtSession.Result r, String name) {
    OnnxValue v = r.get(name).orElseThrow(() -> new IllegalStateException("no output " + name));
    FloatBuffer b = ((OnnxTensor) v).getFloatBuffer();
    float[] out = new float[b.remaining()];
    b.get(out);
    return out;
  }

  @Override
  public int hiddenSize() {
    return hiddenSize;
  }

  @Override
  public int numClasses() {
    return heads.numClasses();
  }

  @Override
  public int numTokenLabels() {
    return heads.numTokenLabels();
  }

  /** Waits for in-flight runs, then frees the session. Idempotent. */
  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      if (!closed) {
        closed = true;
        session.close();
      }
    } catch (OrtException e) {
      throw new IllegalStateException("cannot close the ONNX Runtime session", e);
    } finally {
      lock.writeLock().unlock();
    }
  }
}
