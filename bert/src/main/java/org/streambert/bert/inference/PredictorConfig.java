package org.streambert.bert.inference;

import java.util.Objects;
import java.util.Optional;
import org.streambert.bert.embeddings.EmbeddingSpec;

/**
 * Settings of a {@link BertPredictor}; build with {@link #builder()}. Immutable.
 *
 * <ul>
 *   <li>{@code maxLength} (default {@value #DEFAULT_MAX_LENGTH}): tokens per window including [CLS] and [SEP]; must not
 *       exceed the model's {@code max_position_embeddings} (checked when built from a bundle).</li>
 *   <li>{@code docStride} (default: half a window, {@code max(1, (maxLength - 2) / 2)}, i.e. 63 for the default
 *       maxLength): tokens between the starts of consecutive windows of a long text. As in run_squad.py the step is
 *       {@code min(docStride, maxLength - 2)}, so windows overlap when {@code docStride < maxLength - 2}. With the
 *       default every token of a long text but those near its ends has at least a quarter window of context on each
 *       side in the window it takes its labels from (run_squad.py's max-context rule), so an entity at a window edge is
 *       not cut; a long text costs about twice the windows of non-overlapping ones (set {@code docStride} to
 *       {@code maxLength - 2} for those).</li>
 *   <li>{@code maxBatchSize} (default {@value #DEFAULT_MAX_BATCH_SIZE}): most windows per forward pass.</li>
 *   <li>{@code batchCostTokens} (default {@value #DEFAULT_BATCH_COST_TOKENS}): the fixed cost of one more forward pass,
 *       counted in padded tokens. Windows sorted by length are cut into the batches that minimise padded tokens plus
 *       this per batch, so a few long windows do not pad many short ones to their length; 0 splits wherever padding
 *       would be saved, a large value gives the fewest batches.</li>
 *   <li>{@code aggregation} (default {@link AggregationStrategy#FIRST}): BERT's NER fine-tuning labels the first
 *       piece of each word ({@link org.streambert.bert.tokenizer.TextWords}), so FIRST reads the model the way it was
 *       trained and never splits a word.</li>
 *   <li>{@code multiLabelThreshold} (default {@value #DEFAULT_MULTI_LABEL_THRESHOLD}): probability from which a label
 *       of a multi-label (sigmoid) head is active.</li>
 * </ul>
 */
public final class PredictorConfig {

  public static final int DEFAULT_MAX_LENGTH = 128;
  public static final int DEFAULT_MAX_BATCH_SIZE = 32;
  public static final int DEFAULT_BATCH_COST_TOKENS = 32;
  public static final AggregationStrategy DEFAULT_AGGREGATION = AggregationStrategy.FIRST;
  public static final float DEFAULT_MULTI_LABEL_THRESHOLD = 0.5f;

  /** [CLS], at least one token, [SEP]. */
  public static final int MIN_MAX_LENGTH = 3;

  private final int maxLength;
  private final int docStride;
  /** The stride as set, or null for the default (kept so that {@link #toBuilder} keeps following maxLength). */
  private final Integer docStrideSetting;
  private final int maxBatchSize;
  private final int batchCostTokens;
  private final AggregationStrategy aggregation;
  private final float multiLabelThreshold;
  private final EmbeddingSpec embeddings;

  private PredictorConfig(Builder b) {
    if (b.maxLength < MIN_MAX_LENGTH) {
      throw new IllegalArgumentException("maxLength must be at least " + MIN_MAX_LENGTH + ", got " + b.maxLength);
    }
    if (b.docStride != null && b.docStride < 1) {
      throw new IllegalArgumentException("docStride must be positive, got " + b.docStride);
    }
    if (b.maxBatchSize < 1) {
      throw new IllegalArgumentException("maxBatchSize must be positive, got " + b.maxBatchSize);
    }
    if (b.batchCostTokens < 0) {
      throw new IllegalArgumentException("batchCostTokens must be non-negative, got " + b.batchCostTokens);
    }
    if (!(b.multiLabelThreshold >= 0f && b.multiLabelThreshold <= 1f)) {
      throw new IllegalArgumentException("multiLabelThreshold must be in [0, 1], got " + b.multiLabelThreshold);
    }
    this.maxLength = b.maxLength;
    this.docStrideSetting = b.docStride;
    this.docStride = b.docStride != null ? b.docStride : defaultDocStride(b.maxLength);
    this.maxBatchSize = b.maxBatchSize;
    this.batchCostTokens = b.batchCostTokens;
    this.aggregation = Objects.requireNonNull(b.aggregation, "aggregation");
    this.multiLabelThreshold = b.multiLabelThreshold;
    this.embeddings = b.embeddings;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** All defaults. */
  public static PredictorConfig defaults() {
    return builder().build();
  }

  public int maxLength() {
    return maxLength;
  }

  /** Tokens between window starts: as set, or the default for this maxLength ({@link #defaultDocStride}). */
  public int docStride() {
    return docStride;
  }

  /** Half a window: {@code max(1, (maxLength - 2) / 2)}. */
  public static int defaultDocStride(int maxLength) {
    return Math.max(1, (maxLength - 2) / 2);
  }

  public int maxBatchSize() {
    return maxBatchSize;
  }

  public int batchCostTokens() {
    return batchCostTokens;
  }

  public AggregationStrategy aggregation() {
    return aggregation;
  }

  public float multiLabelThreshold() {
    return multiLabelThreshold;
  }

  /** A builder starting from this config's values. */
  /**
   * What {@link Prediction#embedding()} is: a pooling of the encoder's outputs and whether it is normalised. Empty
   * (the default) means the model's own: a bundle's {@code model.json} {@code "embeddings"} when opened through
   * {@code BertBundles.openPredictor}, else BERT's pooled output ({@link EmbeddingSpec#DEFAULT}).
   */
  public Optional<EmbeddingSpec> embeddings() {
    return Optional.ofNullable(embeddings);
  }

  public Builder toBuilder() {
    return builder().maxLength(maxLength).docStride(docStrideSetting).maxBatchSize(maxBatchSize)
        .batchCostTokens(batchCostTokens).aggregation(aggregation)
        .multiLabelThreshold(multiLabelThreshold).embeddings(embeddings);
  }

  @Override
  public String toString() {
    return "PredictorConfig[maxLength=" + maxLength + ", docStride=" + docStride + ", maxBatchSize=" + maxBatchSize
        + ", batchCostTokens=" + batchCostTokens + ", aggregation=" + aggregation + ", multiLabelThreshold="
        + multiLabelThreshold + (embeddings == null ? "" : ", embeddings=" + embeddings) + "]";
  }

  /** Mutable builder; {@link #build()} validates. */
  public static final class Builder {
    private int maxLength = DEFAULT_MAX_LENGTH;
    private Integer docStride;
    private int maxBatchSize = DEFAULT_MAX_BATCH_SIZE;
    private int batchCostTokens = DEFAULT_BATCH_COST_TOKENS;
    private AggregationStrategy aggregation = DEFAULT_AGGREGATION;
    private float multiLabelThreshold = DEFAULT_MULTI_LABEL_THRESHOLD;
    private EmbeddingSpec embeddings;

    private Builder() {
    }

    public Builder maxLength(int maxLength) {
      this.maxLength = maxLength;
      return this;
    }

    /** Tokens between window starts; null for the default, half a window. */
    public Builder docStride(Integer docStride) {
      this.docStride = docStride;
      return this;
    }

    public Builder maxBatchSize(int maxBatchSize) {
      this.maxBatchSize = maxBatchSize;
      return this;
    }

    public Builder batchCostTokens(int batchCostTokens) {
      this.batchCostTokens = batchCostTokens;
      return this;
    }

    public Builder aggregation(AggregationStrategy aggregation) {
      this.aggregation = aggregation;
      return this;
    }

    public Builder multiLabelThreshold(float multiLabelThreshold) {
      this.multiLabelThreshold = multiLabelThreshold;
      return this;
    }

    /** See {@link PredictorConfig#embeddings()}; null = the model's own. */
    public Builder embeddings(EmbeddingSpec embeddings) {
      this.embeddings = embeddings;
      return this;
    }

    public PredictorConfig build() {
      return new PredictorConfig(this);
    }
  }
}
