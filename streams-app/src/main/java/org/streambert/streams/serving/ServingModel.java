package org.streambert.streams.serving;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.streambert.bert.bundle.BertBundles;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.embeddings.EmbeddingSpec;
import org.streambert.bert.heads.ClassificationHead;
import org.streambert.bert.heads.TokenClassificationHead;
import org.streambert.bert.inference.BertPredictor;
import org.streambert.bert.inference.Prediction;
import org.streambert.bert.inference.Predictions;
import org.streambert.bert.inference.PredictorConfig;
import org.streambert.bert.inference.TextWindows;
import org.streambert.bert.model.ForwardPass;
import org.streambert.bert.tokenizer.TextTokenizer;

/**
 * One loaded model version serving predictions, with reference counting so that a replaced model is closed only after
 * its in-flight batches finish: {@link ModelHolder} holds one reference while the model is current, every batch holds
 * one through a {@link ModelHolder.Lease}; whoever drops the last reference closes the predictor (and with it the
 * forward pass).
 *
 * <p>A record is tokenized once: {@link #plan} tokenizes it and splits it into windows (the batch step bounds and
 * budgets records by their windows), {@link #predictPlanned} runs the plans. The predictor reports its own stage
 * timings ({@link Predictions}); from them the model keeps its forward-pass speed on this machine
 * ({@link #nanosPerPaddedToken}), which the batch step sizes its batches by.
 */
public final class ServingModel {

  private final String name;
  private final String version;
  private final String manifestSha256;
  private final ServingEngine engine;
  private final BertPredictor predictor;
  private final AtomicInteger refs = new AtomicInteger(1);
  private final AtomicBoolean closed = new AtomicBoolean();
  /** Forward-pass nanoseconds per padded token, recent calls weighted most; 0 until measured. */
  private double nanosPerToken;

  private ServingModel(String name, String version, String manifestSha256, ServingEngine engine,
      BertPredictor predictor) {
    this.name = name;
    this.version = version;
    this.manifestSha256 = manifestSha256;
    this.engine = engine;
    this.predictor = predictor;
  }

  /**
   * A model over a tokenizer and forward pass (owned from here on: closed with the model, or now if this throws).
   *
   * @throws IllegalArgumentException if a head does not match the forward pass
   */
  public static ServingModel create(String name, String version, String manifestSha256, TextTokenizer tokenizer,
      ForwardPass forwardPass, ClassificationHead classificationHead, TokenClassificationHead tokenHead,
      PredictorConfig config) {
    return create(name, version, manifestSha256, ServingEngine.CUSTOM_FP32, tokenizer, forwardPass,
        classificationHead, tokenHead, config);
  }

  /** {@link #create(String, String, String, TextTokenizer, ForwardPass, ClassificationHead,
   * TokenClassificationHead, PredictorConfig)} on a named engine and precision. */
  public static ServingModel create(String name, String version, String manifestSha256, ServingEngine engine,
      TextTokenizer tokenizer, ForwardPass forwardPass, ClassificationHead classificationHead,
      TokenClassificationHead tokenHead, PredictorConfig config) {
    BertPredictor predictor = BertPredictor.create(tokenizer, forwardPass, classificationHead, tokenHead, config);
    return new ServingModel(name, version, manifestSha256, engine, predictor);
  }

  /**
   * A model for a verified bundle: heads, name and version from its model.json, sequence length from its tokenizer
   * settings, its embedding as {@code embeddings} resolves the bundle's own. Takes ownership of
   * {@code loaded.forwardPass()} (closed here if this throws).
   *
   * @throws IllegalArgumentException if the tokenizer's vocabulary or the forward pass do not match the bundle
   */
  public static ServingModel fromBundle(ModelBundle bundle, LoadedModel loaded, int maxBatchSize,
      EmbeddingChoice embeddings) throws IOException {
    PredictorConfig config = PredictorConfig.builder().maxLength(bundle.model().tokenizer().maxLength())
        .maxBatchSize(maxBatchSize).embeddings(embeddings.resolve(bundle.model().embeddings())).build();
    AtomicBoolean taken = new AtomicBoolean();
    BertPredictor predictor;
    try {
      predictor = BertBundles.openPredictor(bundle, loaded.tokenizer(), b -> {
        taken.set(true);
        return loaded.forwardPass();
      }, config);
    } catch (IOException | RuntimeException e) {
      if (!taken.get()) { // refused before the predictor took the pass, which it closes once it has it
        try {
          loaded.forwardPass().close();
        } catch (RuntimeException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      throw e;
    }
    return new ServingModel(bundle.model().name(), bundle.model().version(), bundle.manifestSha256(),
        loaded.engine(), predictor);
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

  /** The engine and precision the model computes with. */
  public ServingEngine engine() {
    return engine;
  }

  /** True when the model has a token classification head (produces entities). */
  public boolean hasTokenClassification() {
    return predictor.tokenClassificationHead().isPresent();
  }

  public boolean isClosed() {
    return closed.get();
  }

  /** The embedding {@link Prediction#embedding()} holds (pooling and normalisation). */
  public EmbeddingSpec embeddings() {
    return predictor.config().embeddings().orElse(EmbeddingSpec.DEFAULT);
  }

  /** The sequence length every window is padded to at most ([CLS] + word pieces + [SEP]). */
  public int sequenceLength() {
    return predictor.config().maxLength();
  }

  /**
   * Tokenizes {@code text} once and splits it into this model's windows; see {@link BertPredictor#plan}.
   *
   * @throws IllegalArgumentException if the text is blank or has no tokens
   */
  public TextWindows plan(String text) {
    return predictor.plan(text);
  }

  /** Predicts texts planned by {@link #plan} of this model, with the predictor's stage timings. */
  public Predictions predictPlanned(List<TextWindows> plans) {
    Predictions predictions = predictor.predictPlanned(plans);
    long windows = 0;
    for (TextWindows plan : plans) {
      windows += plan.windowCount();
    }
    observeSpeed(predictions.inferNanos(), windows * sequenceLength());
    return predictions;
  }

  /**
   * Predicts {@code text} once without counting the time in {@link #nanosPerPaddedToken}: the first runs of a graph
   * are slow (TensorFlow optimises it then), so a new model runs one before it serves.
   */
  public void warmUp(String text) {
    predictor.predictPlanned(List.of(predictor.plan(text)));
  }

  /**
   * The forward-pass time per padded token (windows × {@link #sequenceLength}) of this model's recent calls on this
   * machine, in nanoseconds; 0 until a call was measured (the rollout's golden check is the first). Shared by
   * every batch that leases the model, so a new task, a replacement stream thread or a batch that was fenced knows
   * it from the first batch on.
   */
  public synchronized double nanosPerPaddedToken() {
    return nanosPerToken;
  }

  private synchronized void observeSpeed(long inferNanos, long paddedTokens) {
    if (inferNanos <= 0 || paddedTokens <= 0) {
      return;
    }
    double measured = (double) inferNanos / paddedTokens;
    nanosPerToken = nanosPerToken == 0 ? measured : 0.5 * nanosPerToken + 0.5 * measured;
  }

  /** Plans and predicts {@code texts} (each tokenized once); see {@link BertPredictor#predict(List)}. */
  public Predictions predict(List<String> texts) {
    if (texts == null) {
      throw new IllegalArgumentException("texts is null");
    }
    List<TextWindows> plans = new ArrayList<>(texts.size());
    for (int i = 0; i < texts.size(); i++) {
      try {
        plans.add(predictor.plan(texts.get(i)));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("text at index " + i + ": " + e.getMessage(), e);
      }
    }
    return predictPlanned(plans);
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
}
