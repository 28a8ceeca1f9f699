package org.streambert.bert.inference;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.streambert.bert.embeddings.EmbeddingPooling;
import org.streambert.bert.embeddings.EmbeddingSpec;
import org.streambert.bert.heads.ClassificationHead;
import org.streambert.bert.heads.TokenClassificationHead;
import org.streambert.bert.inference.internals.Batches;
import org.streambert.bert.inference.internals.CodePoints;
import org.streambert.bert.inference.internals.PredictionAssembler;
import org.streambert.bert.inference.internals.Windows.Span;
import org.streambert.bert.model.ForwardPass;
import org.streambert.bert.model.ForwardResult;
import org.streambert.bert.tokenizer.BatchEncoding;
import org.streambert.bert.tokenizer.SpecialTokens;
import org.streambert.bert.tokenizer.TextTokenizer;
import org.streambert.bert.tokenizer.WordPieces;

/**
 * Classification, entities and embeddings for batches of texts.
 *
 * <p><b>Long texts.</b> A text of more word pieces than fit {@code maxLength} with the tokenizer's special tokens
 * ({@link TextTokenizer#specialTokens()}: {@code [CLS] A [SEP]} for BERT, {@code <s> A </s>} for RoBERTa and XLM-R)
 * is split into windows as run_squad.py
 * does (see {@link PredictorConfig}); nothing is truncated. Each token's label distribution is taken from the window in
 * which it has the most context (run_squad.py's _check_is_max_context), and entities are aggregated over the merged
 * sequence. The class probabilities and the embedding of a windowed text are the means over its windows weighted by
 * each window's token count, so every window contributes in proportion to the text it read (for max pooling the
 * embedding is the element-wise maximum over all windows).
 *
 * <p><b>Embeddings.</b> {@link Prediction#embedding()} is what {@link PredictorConfig#embeddings()} says: BERT's
 * pooled output by default, or sentence-transformers' mean/CLS/max pooling of the last layer over each window's
 * tokens, special tokens included ([CLS] ... [SEP]) (the forward pass then also returns the sequence output), normalised to unit length after
 * the windows are combined when asked.
 *
 * <p><b>Batching.</b> All windows of all texts of one {@link #predict} call are sorted by length and cut into batches of
 * at most {@code maxBatchSize}, each padded only to its longest window, where the cuts minimise padded tokens plus
 * {@code batchCostTokens} per batch (see {@link PredictorConfig}); results come back in input order.
 *
 * <p><b>Seam.</b> The predictor only orchestrates, as DJL's {@code Predictor} around a {@code Translator}: it plans
 * windows ({@link TextWindows}), builds their inputs with the project's one input builder ({@link BatchEncoding}, the
 * same the trainer's batches use), runs the {@link ForwardPass} (TensorFlow or ONNX Runtime), and hands the outputs to
 * {@code inference.internals.PredictionAssembler} (labels, entities, pooled embeddings).
 *
 * <p><b>Bad input.</b> A null, blank or token-less text is refused with an IllegalArgumentException naming its index
 * (callers route such records elsewhere before predicting); no text of that call is predicted.
 *
 * <p><b>Threads and ownership.</b> Thread-safe, provided the tokenizer is (all of {@code TextTokenizers}' are). The
 * predictor owns the {@link ForwardPass} it is given or loads and the {@link TextTokenizer} it is given, and closes
 * both in {@link #close()}, also when a factory method fails (a native tokenizer of RoBERTa or XLM-R frees its memory
 * then; a WordPiece tokenizer has nothing to free, so one may still be shared).
 */
public final class BertPredictor implements AutoCloseable {

  private final TextTokenizer tokenizer;
  private final SpecialTokens special;
  private final ForwardPass forwardPass;
  private final ClassificationHead classificationHead;
  private final TokenClassificationHead tokenHead;
  private final PredictionAssembler assembler;
  private final PredictorConfig config;
  private final EmbeddingSpec embeddings;
  private final AtomicBoolean closed = new AtomicBoolean();

  private BertPredictor(TextTokenizer tokenizer, ForwardPass forwardPass, ClassificationHead classificationHead,
      TokenClassificationHead tokenHead, PredictorConfig config) {
    this.tokenizer = tokenizer;
    this.special = tokenizer.specialTokens();
    this.forwardPass = forwardPass;
    this.classificationHead = classificationHead;
    this.tokenHead = tokenHead;
    this.config = config;
    this.embeddings = config.embeddings().orElse(EmbeddingSpec.DEFAULT);
    this.assembler = new PredictionAssembler(classificationHead, tokenHead, embeddings, special,
        config.multiLabelThreshold(), config.aggregation());
  }

  /**
   * A predictor over a tokenizer and a forward pass, which it then owns (both closed here if this method throws).
   *
   * @param classificationHead names the forward pass's classes; null to ignore class outputs (label is then null)
   * @param tokenHead          names the token labels; null to ignore token outputs (no entities)
   * @throws IllegalArgumentException if a head's label count differs from the forward pass's output size
   */
  public static BertPredictor create(TextTokenizer tokenizer, ForwardPass forwardPass,
      ClassificationHead classificationHead, TokenClassificationHead tokenHead, PredictorConfig config) {
    Objects.requireNonNull(forwardPass, "forwardPass");
    try {
      Objects.requireNonNull(tokenizer, "tokenizer");
      Objects.requireNonNull(config, "config");
      if (config.maxLength() <= tokenizer.specialTokens().singleCount()) {
        throw new IllegalArgumentException("maxLength " + config.maxLength() + " leaves no room for text beside the "
            + tokenizer.specialTokens().singleCount() + " special tokens");
      }
      if (classificationHead != null && classificationHead.size() != forwardPass.numClasses()) {
        throw new IllegalArgumentException("classification head '" + classificationHead.name() + "' has "
            + classificationHead.size() + " labels but the forward pass outputs " + forwardPass.numClasses()
            + " classes");
      }
      if (tokenHead != null && tokenHead.size() != forwardPass.numTokenLabels()) {
        throw new IllegalArgumentException("token classification head '" + tokenHead.name() + "' has "
            + tokenHead.size() + " labels but the forward pass outputs " + forwardPass.numTokenLabels()
            + " token labels");
      }
      return new BertPredictor(tokenizer, forwardPass, classificationHead, tokenHead, config);
    } catch (RuntimeException e) {
      closeQuietly(forwardPass, e);
      if (tokenizer != null) {
        closeQuietly(tokenizer, e);
      }
      throw e;
    }
  }

  public PredictorConfig config() {
    return config;
  }

  public Optional<ClassificationHead> classificationHead() {
    return Optional.ofNullable(classificationHead);
  }

  public Optional<TokenClassificationHead> tokenClassificationHead() {
    return Optional.ofNullable(tokenHead);
  }

  /** Predicts one text; see {@link #predict(List)}. */
  public Prediction predict(String text) {
    return predict(Collections.singletonList(text)).get(0);
  }

  /**
   * Predicts every text, in input order.
   *
   * @throws IllegalArgumentException naming the index of the first null, blank or token-less text
   * @throws IllegalStateException    if the predictor is closed, or the forward pass returns outputs of the wrong shape
   */
  public List<Prediction> predict(List<String> texts) {
    if (texts == null) {
      throw new IllegalArgumentException("texts is null");
    }
    if (closed.get()) {
      throw new IllegalStateException("predictor is closed");
    }
    List<TextWindows> plans = new ArrayList<>(texts.size());
    for (int i = 0; i < texts.size(); i++) {
      plans.add(plan(texts.get(i), i));
    }
    return predictPlanned(plans).predictions();
  }

  /**
   * Tokenizes {@code text} once and splits it into the windows {@link #predictPlanned} will run, so that a caller
   * can see its window count (and cut it with {@link TextWindows#firstWindows}) before running it.
   *
   * @throws IllegalArgumentException if the text is null, blank or has no tokens
   */
  public TextWindows plan(String text) {
    return plan(text, -1);
  }

  private TextWindows plan(String text, int index) {
    long start = System.nanoTime();
    WordPieces wp = tokenize(text, index);
    return new TextWindows(this, text, wp, config.maxLength() - special.singleCount(), config.docStride(), System.nanoTime() - start);
  }

  /**
   * Predicts texts planned by {@link #plan} (nothing is tokenized again), in input order, with this call's stage
   * timings.
   *
   * @throws IllegalArgumentException if an element is null or was planned by another predictor
   * @throws IllegalStateException    if the predictor is closed, or the forward pass returns outputs of the wrong shape
   */
  public Predictions predictPlanned(List<TextWindows> plans) {
    if (plans == null) {
      throw new IllegalArgumentException("plans is null");
    }
    if (closed.get()) {
      throw new IllegalStateException("predictor is closed");
    }
    long start = System.nanoTime();
    int n = plans.size();
    WordPieces[] pieces = new WordPieces[n];
    List<List<Span>> spans = new ArrayList<>(n);
    List<WindowRef> windows = new ArrayList<>();
    long tokenizeNanos = 0;
    for (int i = 0; i < n; i++) {
      TextWindows plan = plans.get(i);
      if (plan == null || !plan.plannedBy(this)) {
        throw new IllegalArgumentException("windows at index " + i + " were not planned by this predictor");
      }
      pieces[i] = plan.pieces();
      List<Span> textSpans = plan.spans();
      spans.add(textSpans);
      for (int s = 0; s < textSpans.size(); s++) {
        windows.add(new WindowRef(i, s, textSpans.get(s)));
      }
      tokenizeNanos += plan.tokenizeNanos();
    }

    // Longest first, cut where padding would cost more than another pass: each batch pads to a length close to all
    // its members.
    List<WindowRef> order = new ArrayList<>(windows);
    order.sort(Comparator.comparingInt((WindowRef w) -> w.span().length()).reversed());
    int[] lengths = order.stream().mapToInt(w -> w.span().length() + special.singleCount()).toArray();
    int[] cuts = Batches.cuts(lengths, config.maxBatchSize(), config.batchCostTokens());
    long inferNanos = 0;
    long realTokens = 0;
    long paddedTokens = 0;
    for (int k = 0; k + 1 < cuts.length; k++) {
      inferNanos += runBatch(order.subList(cuts[k], cuts[k + 1]), pieces);
      for (int w = cuts[k]; w < cuts[k + 1]; w++) {
        realTokens += lengths[w];
      }
      paddedTokens += (long) (cuts[k + 1] - cuts[k]) * lengths[cuts[k]]; // the batch pads to its first (longest)
    }

    List<Prediction> predictions = new ArrayList<>(n);
    int next = 0;
    for (int i = 0; i < n; i++) {
      int count = spans.get(i).size();
      predictions.add(assembler.assemble(plans.get(i).text(), pieces[i], spans.get(i),
          windows.subList(next, next + count).stream().map(w -> w.output).toList()));
      next += count;
    }
    long total = System.nanoTime() - start;
    return new Predictions(predictions, tokenizeNanos, inferNanos, Math.max(0, total - inferNanos), realTokens,
        paddedTokens);
  }

  /** Closes the forward pass and the tokenizer; idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      try {
        forwardPass.close();
      } finally {
        tokenizer.close();
      }
    }
  }

  /** One window of one text, and what the forward pass returned for it. */
  private static final class WindowRef {
    private final int text;
    private final int index;
    private final Span span;
    private PredictionAssembler.WindowOutput output;

    WindowRef(int text, int index, Span span) {
      this.text = text;
      this.index = index;
      this.span = span;
    }

    Span span() {
      return span;
    }
  }

  private WordPieces tokenize(String text, int index) {
    if (text == null) {
      throw new IllegalArgumentException(where(index) + " is null");
    }
    if (text.isBlank()) {
      throw new IllegalArgumentException(where(index) + " is blank");
    }
    WordPieces wp = tokenizer.tokenize(text);
    if (wp.size() == 0) {
      throw new IllegalArgumentException(where(index) + " has no tokens");
    }
    int length = text.codePointCount(0, text.length());
    for (int t = 0; t < wp.size(); t++) {
      if (wp.starts()[t] < 0 || wp.starts()[t] > wp.ends()[t] || wp.ends()[t] > length) {
        throw new IllegalStateException("tokenizer returned span [" + wp.starts()[t] + ", " + wp.ends()[t]
            + ") for token " + t + " of " + where(index) + ", which has " + length + " code points");
      }
    }
    return wp;
  }

  /** How an error message names a text: by its index in a {@link #predict(List)} call, or as the planned text. */
  private static String where(int index) {
    return index < 0 ? "text" : "text at index " + index;
  }

  /** Runs one batch of windows through the forward pass; returns the forward pass's time. */
  private long runBatch(List<WindowRef> batch, WordPieces[] pieces) {
    BatchEncoding in = BatchEncoding.ofWindows(batch.stream()
        .map(w -> new BatchEncoding.Window(pieces[w.text].ids(), w.span().start(), w.span().length())).toList(),
        special, tokenizer.padId()); // [B, T], each row [CLS] A [SEP], segment 0
    int b = in.size();
    int seqLen = in.seqLen();
    EmbeddingPooling pooling = embeddings.pooling();
    long start = System.nanoTime();
    ForwardResult result = pooling.needsSequence()
        ? forwardPass.run(b, seqLen, in.ids(), in.mask(), in.segments(), true)
        : forwardPass.run(b, seqLen, in.ids(), in.mask(), in.segments());
    long inferNanos = System.nanoTime() - start;
    int h = forwardPass.hiddenSize();
    assembler.checkShape(result, b, seqLen, h);
    for (int r = 0; r < b; r++) {
      WindowRef w = batch.get(r);
      w.output = assembler.window(result, r, seqLen, h, w.span());
    }
    return inferNanos;
  }

  private static void closeQuietly(AutoCloseable resource, Exception cause) {
    try {
      resource.close();
    } catch (Exception e) {
      cause.addSuppressed(e);
    }
  }
}
