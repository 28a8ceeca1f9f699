package org.streambert.streams.dsl;

import java.time.Duration;
import java.util.Objects;
import org.streambert.streams.NlpConfig;

/**
 * The settings of one NLP step, as an immutable value: start from {@link #defaults()} and change what you need with
 * the {@code with…} methods (each returns a new object). The defaults are the standalone program's ({@code nlp.*} keys
 * of the same meaning are named per method), so a step behaves like the program unless told otherwise; one exception:
 * the forward pass runs on the stream thread unless {@link #withBatchOverlap(boolean)} turns overlap on, so that
 * results come out of a step in a {@code TopologyTestDriver} test of your topology when it advances time, as before.
 */
public final class NlpStepOptions {

  /** Default of {@link #transactionBatch()}: half of Kafka Streams' exactly-once {@code transaction.timeout.ms}. */
  public static final Duration TRANSACTION_BATCH_DEFAULT = Duration.ofSeconds(5);

  private final String modelName;
  private final String checkpointsTopic;
  private final int batchMaxSize;
  private final Duration batchMaxDelay;
  private final int batchMaxTokens;
  private final Duration batchDrainMax;
  private final Duration transactionBatch;
  private final int textMaxChars;
  private final int textMaxWindows;
  private final boolean truncateLongTexts;
  private final int cacheMaxEntries;
  private final long cacheMaxBytes;
  private final boolean embeddings;
  private final double goldenScoreTolerance;
  private final Labelling labelling;
  private final boolean batchOverlap;

  private NlpStepOptions(String modelName, String checkpointsTopic, int batchMaxSize, Duration batchMaxDelay,
      int batchMaxTokens, Duration batchDrainMax, Duration transactionBatch, int textMaxChars, int textMaxWindows,
      boolean truncateLongTexts, int cacheMaxEntries, long cacheMaxBytes, boolean embeddings,
      double goldenScoreTolerance, Labelling labelling, boolean batchOverlap) {
    this.modelName = requireName(modelName, "modelName");
    this.checkpointsTopic = requireName(checkpointsTopic, "checkpointsTopic");
    this.batchMaxSize = atLeast(batchMaxSize, 1, "batchMaxSize");
    this.batchMaxDelay = positive(batchMaxDelay, "batchMaxDelay");
    this.batchMaxTokens = atLeast(batchMaxTokens, 1, "batchMaxTokens");
    this.batchDrainMax = Objects.requireNonNull(batchDrainMax, "batchDrainMax");
    if (batchDrainMax.isNegative()) {
      throw new IllegalArgumentException("batchDrainMax must not be negative, was " + batchDrainMax);
    }
    this.transactionBatch = positive(transactionBatch, "transactionBatch");
    this.textMaxChars = atLeast(textMaxChars, 1, "textMaxChars");
    this.textMaxWindows = atLeast(textMaxWindows, 1, "textMaxWindows");
    this.truncateLongTexts = truncateLongTexts;
    this.cacheMaxEntries = atLeast(cacheMaxEntries, 0, "cacheMaxEntries");
    if (cacheMaxBytes < 0) {
      throw new IllegalArgumentException("cacheMaxBytes must not be negative, was " + cacheMaxBytes);
    }
    this.cacheMaxBytes = cacheMaxBytes;
    this.embeddings = embeddings;
    if (!(goldenScoreTolerance >= 0 && goldenScoreTolerance <= 1)) {
      throw new IllegalArgumentException("goldenScoreTolerance must be in [0, 1], was " + goldenScoreTolerance);
    }
    this.goldenScoreTolerance = goldenScoreTolerance;
    this.labelling = labelling;
    this.batchOverlap = batchOverlap;
  }

  /** The program's defaults: model {@value NlpConfig#MODEL_NAME_DEFAULT}, checkpoints on topic
   * {@value NlpConfig#CHECKPOINTS_TOPIC_DEFAULT}, batches of up to 32 records / 16384 padded tokens / 20 ms. */
  public static NlpStepOptions defaults() {
    return new NlpStepOptions(NlpConfig.MODEL_NAME_DEFAULT, NlpConfig.CHECKPOINTS_TOPIC_DEFAULT,
        NlpConfig.BATCH_MAX_SIZE_DEFAULT, Duration.ofMillis(NlpConfig.BATCH_MAX_DELAY_MS_DEFAULT),
        NlpConfig.BATCH_MAX_TOKENS_DEFAULT, Duration.ofMillis(NlpConfig.BATCH_DRAIN_MAX_MS_DEFAULT),
        TRANSACTION_BATCH_DEFAULT, NlpConfig.TEXT_MAX_CHARS_DEFAULT, NlpConfig.TEXT_MAX_WINDOWS_DEFAULT, false,
        NlpConfig.CACHE_MAX_ENTRIES_DEFAULT, NlpConfig.CACHE_MAX_BYTES_DEFAULT, false,
        NlpConfig.GOLDEN_SCORE_TOLERANCE_DEFAULT, null, false);
  }

  /** The model this step serves: the rollout loads checkpoint events of this name only ({@code nlp.model.name}). */
  public NlpStepOptions withModelName(String name) {
    return new NlpStepOptions(name, checkpointsTopic, batchMaxSize, batchMaxDelay, batchMaxTokens, batchDrainMax,
        transactionBatch, textMaxChars, textMaxWindows, truncateLongTexts, cacheMaxEntries, cacheMaxBytes,
        embeddings, goldenScoreTolerance, labelling, batchOverlap);
  }

  /**
   * The compacted topic of {@code ModelCheckpoint} events ({@code nlp.checkpoints.topic}). Kafka Streams reads a topic
   * into one global store only: two steps in one topology need two topics.
   */
  public NlpStepOptions withCheckpointsTopic(String topic) {
    return new NlpStepOptions(modelName, topic, batchMaxSize, batchMaxDelay, batchMaxTokens, batchDrainMax,
        transactionBatch, textMaxChars, textMaxWindows, truncateLongTexts, cacheMaxEntries, cacheMaxBytes,
        embeddings, goldenScoreTolerance, labelling, batchOverlap);
  }

  /**
   * Batch limits: a batch runs when it has {@code maxSize} records or its oldest record waited {@code maxDelay}, and
   * takes at most {@code maxTokens} padded tokens ({@code nlp.batch.max.size}, {@code nlp.batch.max.delay.ms},
   * {@code nlp.batch.max.tokens}).
   */
  public NlpStepOptions withBatch(int maxSize, Duration maxDelay, int maxTokens) {
    return new NlpStepOptions(modelName, checkpointsTopic, maxSize, maxDelay, maxTokens, batchDrainMax,
        transactionBatch, textMaxChars, textMaxWindows, truncateLongTexts, cacheMaxEntries, cacheMaxBytes,
        embeddings, goldenScoreTolerance, labelling, batchOverlap);
  }

  /**
   * How long the batches of one stream thread's transaction may take together; later batches are sized to the time
   * left, or wait for the next transaction. Keep it at most half of {@code transaction.timeout.ms} (exactly-once) and
   * of {@code max.poll.interval.ms}. Also the longest one punctuation drains a backlog ({@code nlp.batch.drain.max.ms}:
   * {@code drainMax}).
   */
  public NlpStepOptions withTransactionBatch(Duration perTransaction, Duration drainMax) {
    return new NlpStepOptions(modelName, checkpointsTopic, batchMaxSize, batchMaxDelay, batchMaxTokens, drainMax,
        perTransaction, textMaxChars, textMaxWindows, truncateLongTexts, cacheMaxEntries, cacheMaxBytes,
        embeddings, goldenScoreTolerance, labelling, batchOverlap);
  }

  /** Texts longer than this many code points are dead letters ({@code nlp.text.max.chars}). */
  public NlpStepOptions withTextMaxChars(int maxChars) {
    return new NlpStepOptions(modelName, checkpointsTopic, batchMaxSize, batchMaxDelay, batchMaxTokens, batchDrainMax,
        transactionBatch, maxChars, textMaxWindows, truncateLongTexts, cacheMaxEntries, cacheMaxBytes, embeddings,
        goldenScoreTolerance, labelling, batchOverlap);
  }

  /**
   * At most {@code maxWindows} model windows per text ({@code nlp.text.max.windows}); a longer text is a dead letter,
   * or with {@code truncate} runs its first windows only ({@link Enrichment#truncated()}).
   */
  public NlpStepOptions withTruncateLongTexts(int maxWindows, boolean truncate) {
    return new NlpStepOptions(modelName, checkpointsTopic, batchMaxSize, batchMaxDelay, batchMaxTokens, batchDrainMax,
        transactionBatch, textMaxChars, maxWindows, truncate, cacheMaxEntries, cacheMaxBytes, embeddings,
        goldenScoreTolerance, labelling, batchOverlap);
  }

  /** The duplicate-result cache of this step ({@code nlp.cache.max.entries}, {@code .bytes}; 0 entries: none). */
  public NlpStepOptions withCache(int maxEntries, long maxBytes) {
    return new NlpStepOptions(modelName, checkpointsTopic, batchMaxSize, batchMaxDelay, batchMaxTokens, batchDrainMax,
        transactionBatch, textMaxChars, textMaxWindows, truncateLongTexts, maxEntries, maxBytes, embeddings,
        goldenScoreTolerance, labelling, batchOverlap);
  }

  /** Whether each {@link Enrichment} carries the model's sentence embedding. */
  public NlpStepOptions withEmbeddings(boolean on) {
    return new NlpStepOptions(modelName, checkpointsTopic, batchMaxSize, batchMaxDelay, batchMaxTokens, batchDrainMax,
        transactionBatch, textMaxChars, textMaxWindows, truncateLongTexts, cacheMaxEntries, cacheMaxBytes, on,
        goldenScoreTolerance, labelling, batchOverlap);
  }

  /** Largest accepted difference of a golden example's label score at rollout ({@code nlp.golden.score.tolerance}). */
  public NlpStepOptions withGoldenScoreTolerance(double tolerance) {
    return new NlpStepOptions(modelName, checkpointsTopic, batchMaxSize, batchMaxDelay, batchMaxTokens, batchDrainMax,
        transactionBatch, textMaxChars, textMaxWindows, truncateLongTexts, cacheMaxEntries, cacheMaxBytes,
        embeddings, tolerance, labelling, batchOverlap);
  }

  /**
   * Labelling requests ({@link NlpStepResult#labellingRequests()}) for records the model is unsure about: class
   * margin below {@code margin}, top class score below {@code topScore} or an entity score below
   * {@code entityScore}; {@code sampleRate} of those are asked for ({@code nlp.labeling.*}). Off unless set.
   */
  public NlpStepOptions withLabelling(double margin, double topScore, double entityScore, double sampleRate) {
    return new NlpStepOptions(modelName, checkpointsTopic, batchMaxSize, batchMaxDelay, batchMaxTokens, batchDrainMax,
        transactionBatch, textMaxChars, textMaxWindows, truncateLongTexts, cacheMaxEntries, cacheMaxBytes,
        embeddings, goldenScoreTolerance,
        new Labelling(margin, topScore, entityScore, sampleRate, NlpConfig.LABELING_DEDUP_MAX_TEXTS_DEFAULT),
        batchOverlap);
  }

  /**
   * Whether a batch's forward pass runs beside the stream thread, which keeps polling and committing meanwhile
   * ({@code nlp.batch.overlap}: see docs/reliability.md); exactly-once holds either way. Off by default in a step,
   * unlike the standalone program: with it on, results are forwarded by the stream thread once the pass on the worker
   * is done, which a {@code TopologyTestDriver} test cannot wait for.
   */
  public NlpStepOptions withBatchOverlap(boolean on) {
    return new NlpStepOptions(modelName, checkpointsTopic, batchMaxSize, batchMaxDelay, batchMaxTokens, batchDrainMax,
        transactionBatch, textMaxChars, textMaxWindows, truncateLongTexts, cacheMaxEntries, cacheMaxBytes,
        embeddings, goldenScoreTolerance, labelling, on);
  }

  public boolean batchOverlap() {
    return batchOverlap;
  }

  public String modelName() {
    return modelName;
  }

  public String checkpointsTopic() {
    return checkpointsTopic;
  }

  public int batchMaxSize() {
    return batchMaxSize;
  }

  public Duration batchMaxDelay() {
    return batchMaxDelay;
  }

  public int batchMaxTokens() {
    return batchMaxTokens;
  }

  public Duration batchDrainMax() {
    return batchDrainMax;
  }

  public Duration transactionBatch() {
    return transactionBatch;
  }

  public int textMaxChars() {
    return textMaxChars;
  }

  public int textMaxWindows() {
    return textMaxWindows;
  }

  public boolean truncateLongTexts() {
    return truncateLongTexts;
  }

  public int cacheMaxEntries() {
    return cacheMaxEntries;
  }

  public long cacheMaxBytes() {
    return cacheMaxBytes;
  }

  public boolean embeddings() {
    return embeddings;
  }

  public double goldenScoreTolerance() {
    return goldenScoreTolerance;
  }

  /** Whether labelling requests are on ({@link #withLabelling}). */
  public boolean labelling() {
    return labelling != null;
  }

  /** The labelling thresholds, or null when off. */
  Labelling labellingThresholds() {
    return labelling;
  }

  /** Thresholds of {@link #withLabelling}. */
  record Labelling(double margin, double topScore, double entityScore, double sampleRate, int dedupMax) {
  }

  private static String requireName(String name, String what) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException(what + " must not be blank");
    }
    return name;
  }

  private static int atLeast(int value, int min, String what) {
    if (value < min) {
      throw new IllegalArgumentException(what + " must be at least " + min + ", was " + value);
    }
    return value;
  }

  private static Duration positive(Duration d, String what) {
    Objects.requireNonNull(d, what);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be positive, was " + d);
    }
    return d;
  }

  @Override
  public String toString() {
    return "NlpStepOptions[model=" + modelName + ", checkpoints=" + checkpointsTopic + ", batch=" + batchMaxSize + "/"
        + batchMaxTokens + " tokens/" + batchMaxDelay.toMillis() + " ms, labelling=" + labelling() + ", embeddings="
        + embeddings + "]";
  }
}
