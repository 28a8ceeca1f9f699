package org.streambert.schemas;

/** The project's topic names and what they carry (values are the Avro records named; keys are strings). */
public final class Topics {
  /** {@link org.streambert.schemas.avro.TextRecord} values, keyed by record id. */
  public static final String TEXT_INPUT = "text-input";
  /** {@link org.streambert.schemas.avro.EnrichedText} values, keyed by record id. */
  public static final String TEXT_ENRICHED = "text-enriched";
  /** {@link org.streambert.schemas.avro.ModelCheckpoint} values, keyed by model name; compacted. */
  public static final String MODEL_CHECKPOINTS = "model-checkpoints";
  /** {@link org.streambert.schemas.avro.TrainingExample} values, keyed by example id. */
  public static final String TRAINING_EXAMPLES = "training-examples";
  /** Rollout status of model versions per application instance. */
  public static final String MODEL_ROLLOUT_STATUS = "model-rollout-status";
  /** Records that could not be processed, with the failure in headers. */
  public static final String TEXT_DLQ = "text-dlq";
  /**
   * Records the application is unsure about: {@link org.streambert.schemas.avro.TrainingExample} values whose label
   * and entities are the model's suggestion, keyed by example id (a hash of the text).
   */
  public static final String NEEDS_LABELING = "needs-labeling";
  /** {@link org.streambert.schemas.avro.TrainingRun} values, keyed by model name: one per round of trainer serve. */
  public static final String TRAINING_RUNS = "training-runs";

  private Topics() {}
}
