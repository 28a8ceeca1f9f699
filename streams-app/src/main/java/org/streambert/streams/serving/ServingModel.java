package org.streambert.streams.serving;

import java.io.IOException;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.heads.ClassificationHead;
import org.streambert.bert.heads.TokenClassificationHead;
import org.streambert.bert.inference.BertPredictor;
import org.streambert.bert.inference.Prediction;
import org.streambert.bert.inference.PredictorConfig;
import org.streambert.bert.model.ForwardPass;
import org.streambert.bert.model.ForwardResult;
import org.streambert.bert.tokenizer.TextTokenizer;
import org.streambert.bert.tokenizer.WordPieces;

/**
 * One loaded model version serving predictions, with reference counting so that a replaced model is closed only after
 * its in-flight batches finish: {@link ModelHolder} holds one reference while the model is current, every batch holds
 * one through a {@link ModelHolder.Lease}; whoever drops the last reference closes the predictor (and with it the
 * forward pass).
 *
 * <p>The tokenizer and the forward pass are wrapped to time them, so {@link #predict} reports honest per-stage
 * timings: tokenization (per text), the forward passes (per batch) and the rest of the predictor's work (entity
 * aggregation, averaging) as post-processing.
 */
public final class ServingModel {

  private final String name;
  private final String version;
  private final String manifestSha256;
  private final BertPredictor predictor;
  /** The tokenizer, untimed (for {@link #plan}). */
  private final TextTokenizer tokenizer;
  private final int maxTokens;
  private final int docStride;
  private final AtomicInteger refs = new AtomicInteger(1);
  private final AtomicBoolean closed = new AtomicBoolean();

  /** Stage timings of the predict call running on the current thread. */
  private static final ThreadLocal<Stopwatch> STOPWATCH = ThreadLocal.withInitial(Stopwatch::new);

  private ServingModel(String name, String version, String manifestSha256, BertPredictor predictor,
      TextTokenizer tokenizer) {
    this.name = name;
    this.version = version;
    this.manifestSha256 = manifestSha256;
    this.predictor = predictor;
    this.tokenizer = tokenizer;
    this.maxTokens = predictor.config().maxLength() - 2;
    this.docStride = Math.min(predictor.config().docStride(), maxTokens);
  }

  /**
   * A model over a tokenizer and forward pass (owned from here on: closed with the model, or now if this throws).
   *
   * @throws IllegalArgumentException if a head does not match the forward pass
   */
  public static ServingModel create(String name, String version, String manifestSha256, TextTokenizer tokenizer,
      ForwardPass forwardPass, ClassificationHead classificationHead, TokenClassificationHead tokenHead,
      PredictorConfig config) {
    BertPredictor predictor = BertPredictor.create(new TimedTokenizer(tokenizer), new TimedForwardPass(forwardPass),
        classificationHead, tokenHead, config);
    return new ServingModel(name, version, manifestSha256, predictor, tokenizer);
  }

  /**
   * A model for a verified bundle: heads, name and version from its model.json, sequence length from its tokenizer
   * settings. Takes ownership of {@code loaded.forwardPass()} (closed here if this throws).
   *
   * @throws IllegalArgumentException if the tokenizer's vocabulary or the forward pass do not match the bundle
   */
  public static ServingModel fromBundle(ModelBundle bundle, LoadedModel loaded, int maxBatchSize) throws IOException {
    PredictorConfig config = PredictorConfig.builder().maxLength(bundle.model().tokenizer().maxLength())
        .maxBatchSize(maxBatchSize).build();
    ForwardPass timed = new TimedForwardPass(loaded.forwardPass());
    BertPredictor predictor;
    try {
      predictor = BertPredictor.fromBundle(bundle, new TimedTokenizer(loaded.tokenizer()), b -> timed, config);
    } catch (IOException | RuntimeException e) {
      // fromBundle closes the pass only if it got as far as taking it; the wrapper closes the delegate at most once.
      try {
        timed.close();
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    return new ServingModel(bundle.model().name(), bundle.model().version(), bundle.manifestSha256(), predictor,
        loaded.tokenizer());
  }

  public String name() {
    return name;
  }

  public String version() {
    return version;
  }

  /** sha256 of the bundle's MANIFEST.json, or whatever the creator passed. */
  public String manifestSha256() {
    return manifestSha256;
  }

  /** True when the model has a token classification head (produces entities). */
  public boolean hasTokenClassification() {
    return predictor.tokenClassificationHead().isPresent();
  }

  public boolean isClosed() {
    return closed.get();
  }

  /** Predictions with stage timings; see {@link BertPredictor#predict(List)} for the exceptions. */
  public Inference predict(List<String> texts) {
    Stopwatch watch = STOPWATCH.get();
    watch.reset();
    long start = System.nanoTime();
    List<Prediction> predictions = predictor.predict(texts);
    long total = System.nanoTime() - start;
    long tokenizeTotal = 0;
    long[] tokenizeNanos = new long[texts.size()];
    int[] windows = new int[texts.size()];
    for (int i = 0; i < texts.size(); i++) {
      long[] t = watch.tokenized.get(texts.get(i));
      tokenizeNanos[i] = t == null ? 0 : t[0];
      windows[i] = t == null ? 1 : windowCount((int) t[1]);
      tokenizeTotal += tokenizeNanos[i];
    }
    long infer = watch.inferNanos;
    long post = Math.max(0, total - tokenizeTotal - infer);
    long realTokens = watch.realTokens;
    long paddedTokens = watch.paddedTokens;
    watch.reset();
    return new Inference(predictions, tokenizeNanos, windows, infer, post, realTokens, paddedTokens);
  }

  /**
   * How a text would run, decided before running it: its window count, and the longest prefix that fits in
   * {@code maxWindows} windows (cut after the last whole word they cover; the whole text when it fits).
   *
   * @param windows windows of the whole text
   * @param prefix  the text itself if {@code windows <= maxWindows}, else its prefix
   */
  public record Plan(int windows, String prefix) {
  }

  /** The sequence length every window is padded to at most ([CLS] + word pieces + [SEP]). */
  public int sequenceLength() {
    return maxTokens + 2;
  }

  /**
   * Tokenizes {@code text} to count its windows; see {@link Plan}.
   *
   * @throws IllegalArgumentException if {@code maxWindows < 1}
   */
  public Plan plan(String text, int maxWindows) {
    if (maxWindows < 1) {
      throw new IllegalArgumentException("maxWindows must be at least 1");
    }
    WordPieces pieces = tokenizer.tokenize(text);
    int tokens = pieces.size();
    int windows = windowCount(tokens);
    if (windows <= maxWindows) {
      return new Plan(windows, text);
    }
    // run_squad.py's split again, stopping after maxWindows windows: the tokens they cover.
    int start = 0;
    int covered = 0;
    for (int w = 0; w < maxWindows; w++) {
      int length = Math.min(tokens - start, maxTokens);
      covered = start + length;
      start += Math.min(length, docStride);
    }
    // Cut at a word boundary, so that the prefix tokenizes into the same pieces (no more windows).
    int last = covered - 1;
    if (covered < tokens) {
      int split = pieces.wordIndex()[covered];
      while (last >= 0 && pieces.wordIndex()[last] == split) {
        last--;
      }
      if (last < 0) {
        last = covered - 1;
      }
    }
    int endCodePoint = pieces.ends()[last];
    return new Plan(windows, text.substring(0, text.offsetByCodePoints(0, endCodePoint)));
  }

  /** Windows of a text of {@code tokens} word pieces, as run_squad.py splits them (see BertPredictor). */
  private int windowCount(int tokens) {
    int count = 0;
    int start = 0;
    while (start < tokens) {
      int length = Math.min(tokens - start, maxTokens);
      count++;
      if (start + length == tokens) {
        break;
      }
      start += Math.min(length, docStride);
    }
    return Math.max(1, count);
  }

  /** Takes a reference unless the model is already released for good. */
  boolean retain() {
    while (true) {
      int n = refs.get();
      if (n <= 0) {
        return false;
      }
      if (refs.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  /**
   * Drops the creator's reference of a model that was never handed to a {@link ModelHolder} (it failed its checks,
   * or loading was abandoned): closes it unless a lease still holds it.
   */
  public void discard() {
    release();
  }

  /** Drops a reference; the last one closes the predictor and its forward pass. */
  void release() {
    if (refs.decrementAndGet() == 0 && closed.compareAndSet(false, true)) {
      predictor.close();
    }
  }

  @Override
  public String toString() {
    return name + " " + version;
  }

  /**
   * Results of one {@link #predict} call.
   *
   * @param predictions   one per text, in input order
   * @param tokenizeNanos per text: time spent tokenizing it
   * @param windowCounts  per text: windows it was processed in
   * @param inferNanos    time of the batch's forward passes
   * @param postNanos     the predictor's remaining time for the whole batch (entity aggregation, merging)
   * @param realTokens    positions of the forward passes that held a word piece (input mask 1)
   * @param paddedTokens  all positions of the forward passes (batch × sequence length, summed), padding included
   */
  public record Inference(List<Prediction> predictions, long[] tokenizeNanos, int[] windowCounts, long inferNanos,
      long postNanos, long realTokens, long paddedTokens) {

    /** Without token counts (padding efficiency unknown). */
    public Inference(List<Prediction> predictions, long[] tokenizeNanos, int[] windowCounts, long inferNanos,
        long postNanos) {
      this(predictions, tokenizeNanos, windowCounts, inferNanos, postNanos, 0, 0);
    }
  }

  private static final class Stopwatch {
    private final Map<String, long[]> tokenized = new IdentityHashMap<>();
    private long inferNanos;
    private long realTokens;
    private long paddedTokens;

    void reset() {
      tokenized.clear();
      inferNanos = 0;
      realTokens = 0;
      paddedTokens = 0;
    }
  }

  private static final class TimedTokenizer implements TextTokenizer {
    private final TextTokenizer delegate;

    TimedTokenizer(TextTokenizer delegate) {
      this.delegate = Objects.requireNonNull(delegate, "tokenizer");
    }

    @Override
    public WordPieces tokenize(String text) {
      long start = System.nanoTime();
      WordPieces pieces = delegate.tokenize(text);
      STOPWATCH.get().tokenized.put(text, new long[] {System.nanoTime() - start, pieces.size()});
      return pieces;
    }

    @Override
    public int vocabSize() {
      return delegate.vocabSize();
    }

    @Override
    public int clsId() {
      return delegate.clsId();
    }

    @Override
    public int sepId() {
      return delegate.sepId();
    }

    @Override
    public int padId() {
      return delegate.padId();
    }

    @Override
    public int unkId() {
      return delegate.unkId();
    }

    @Override
    public int maskId() {
      return delegate.maskId();
    }
  }

  private static final class TimedForwardPass implements ForwardPass {
    private final ForwardPass delegate;
    private final AtomicBoolean closed = new AtomicBoolean();

    TimedForwardPass(ForwardPass delegate) {
      this.delegate = Objects.requireNonNull(delegate, "forwardPass");
    }

    @Override
    public ForwardResult run(int batch, int seqLen, int[] inputIds, int[] inputMask, int[] segmentIds) {
      long start = System.nanoTime();
      try {
        return delegate.run(batch, seqLen, inputIds, inputMask, segmentIds);
      } finally {
        Stopwatch watch = STOPWATCH.get();
        watch.inferNanos += System.nanoTime() - start;
        long real = 0;
        for (int i = 0, n = Math.min(inputMask.length, batch * seqLen); i < n; i++) {
          real += inputMask[i] != 0 ? 1 : 0;
        }
        watch.realTokens += real;
        watch.paddedTokens += (long) batch * seqLen;
      }
    }

    @Override
    public int hiddenSize() {
      return delegate.hiddenSize();
    }

    @Override
    public int numClasses() {
      return delegate.numClasses();
    }

    @Override
    public int numTokenLabels() {
      return delegate.numTokenLabels();
    }

    @Override
    public void close() {
      if (closed.compareAndSet(false, true)) {
        delegate.close();
      }
    }
  }
}
