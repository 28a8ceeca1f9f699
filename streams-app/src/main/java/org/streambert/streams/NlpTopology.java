package org.streambert.streams;

import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;
import org.streambert.streams.processor.internals.BatchInferProcessor;
import org.streambert.streams.processor.internals.ResultCache;
import org.streambert.streams.processor.internals.CheckpointProcessor;
import org.streambert.schemas.SpecificAvroSerde;
import org.streambert.schemas.avro.TrainingExample;
import org.streambert.streams.processor.internals.InputDeserializer;
import org.streambert.streams.processor.internals.LabelingSampler;
import org.streambert.streams.serving.ShadowScorer;
import org.streambert.streams.processor.internals.PendingRecord;
import org.streambert.streams.processor.internals.ValidateProcessor;
import org.streambert.streams.rollout.CheckpointListener;
import org.streambert.streams.serving.ModelHolder;
import org.streambert.streams.serving.QaModel;

/**
 * The NLP topology, used by the {@code run} command and the tests alike:
 *
 * <pre>
 *   input topic ──(bytes)──▶ validate (decode by nlp.input.format) ──▶ batch-infer ──▶ output topic (EnrichedText)
 *                     undecodable or refused ─▶ dead-letter topic     │  └─(inference fails alone)─▶ dead-letter topic
 *                                                                    └─ pending store (changelogged, seq → record)
 *   checkpoints topic ──▶ global store (model name → ModelCheckpoint) ──▶ {@link CheckpointListener} (the rollout)
 * </pre>
 *
 * With {@code nlp.embeddings.topic} set, batch-infer also forwards one embedding record per input to that topic (a
 * third sink, so it commits in the same transaction). With a {@link QaModel} ({@code nlp.qa.model.dir}), records
 * whose metadata holds a question ({@code nlp.qa.question.key}) get an answer span in the same batch. With
 * {@code nlp.labeling.topic} set, records the model is unsure about go there as labelling requests; with a
 * {@link ShadowScorer}, sampled batches are scored by a loaded CANDIDATE off the output path.
 *
 *
 * Output keys are the input key bytes unchanged (or, for input without key, the record id as UTF-8: the value's id,
 * else {@code topic-partition-offset}). Tokenization happens inside the batch's prediction and is timed separately
 * (EnrichedText.timings). Exceptions in validation go to Kafka's processing exception handler, which the
 * configuration from {@link NlpConfig#streamsProperties()} points at the dead-letter topic.
 */
public final class NlpTopology {

  public static final String SOURCE = "text-source";
  public static final String VALIDATE = "validate";
  public static final String BATCH = "batch-infer";
  public static final String PENDING_STORE = "nlp-pending";
  public static final String CHECKPOINT_STORE = "nlp-checkpoints";

  private NlpTopology() {
  }

  /**
   * Builds the topology.
   *
   * @param models      where batches get their model from (filled by the rollout, or by tests directly)
   * @param checkpoints receives each checkpoint event of the global store (the {@link
   *                    org.streambert.streams.rollout.ModelRollout}); called on the global stream thread
   * @param serdes      Avro serdes (configured)
   */
  public static Topology build(NlpConfig config, ModelHolder models, CheckpointListener checkpoints,
      NlpSerdes serdes) {
    return build(config, models, checkpoints, serdes, null);
  }

  /**
   * Builds the topology with question answering.
   *
   * @param qa the question-answering model (owned by the caller, who closes it after the streams), or null for none
   */
  public static Topology build(NlpConfig config, ModelHolder models, CheckpointListener checkpoints,
      NlpSerdes serdes, QaModel qa) {
    return build(config, models, checkpoints, serdes, qa, null);
  }

  /**
   * Builds the topology with shadow scoring of candidates; with {@code nlp.labeling.topic} set, uncertain records
   * also go there as labelling requests (TrainingExample, in the same transaction as the outputs).
   *
   * @param shadow scores sampled batches with the candidate model (owned by the caller), or null for none
   */
  public static Topology build(NlpConfig config, ModelHolder models, CheckpointListener checkpoints,
      NlpSerdes serdes, QaModel qa, ShadowScorer shadow) {
    Topology topology = new Topology();
    // Values are decoded in the first processor rather than by the source's deserializer: with exactly_once_v2,
    // Kafka Streams 4.4.0's TopologyTestDriver dropped the dead-letter records of the deserialization handler, while
    // the processing handler's (same raw bytes and headers, KIP-1034) are produced in the task's transaction.
    topology.addSource(SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(), config.inputTopic());
    boolean textMode = config.inputFormat().equals("text");
    int maxChars = config.textMaxChars();
    InputDeserializer decoder = new InputDeserializer(config.inputFormat(), serdes.textRecord().deserializer());
    String questionKey = qa == null ? null : config.qaQuestionKey();
    topology.addProcessor(VALIDATE, () -> new ValidateProcessor(decoder, textMode, maxChars, questionKey), SOURCE);
    int maxBatch = config.batchMaxSize();
    long maxDelay = config.batchMaxDelayMs();
    long drain = config.batchDrainMaxMs();
    String checkpointsTopic = config.checkpointsTopic();
    boolean embeddings = config.embeddingsTopic().isPresent();
    BatchInferProcessor.Bounds bounds = new BatchInferProcessor.Bounds(config.textMaxWindows(),
        config.truncateLongTexts(), config.batchMaxTokens());
    LabelingSampler.Thresholds labeling = config.labelingTopic().isPresent() ? config.labelingThresholds() : null;
    BatchInferProcessor.Shared shared = new BatchInferProcessor.Shared(
        new ResultCache(config.cacheMaxEntries(), config.cacheMaxBytes()), shadow, labeling); // shared by the tasks
    topology.addProcessor(BATCH, () -> new BatchInferProcessor(PENDING_STORE, models, maxBatch, maxDelay, drain,
        checkpointsTopic, embeddings, qa, bounds, shared), VALIDATE);
    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(PENDING_STORE), Serdes.Long(),
        PendingRecord.serde()).withCachingDisabled(), BATCH);
    topology.addSink(BatchInferProcessor.OUTPUT_SINK, config.outputTopic(), new ByteArraySerializer(),
        serdes.enrichedText().serializer(), BATCH);
    topology.addSink(BatchInferProcessor.DLQ_SINK, config.dlqTopic(), new ByteArraySerializer(),
        new ByteArraySerializer(), BATCH);
    if (embeddings) {
      topology.addSink(BatchInferProcessor.EMBEDDINGS_SINK, config.embeddingsTopic().get(), new ByteArraySerializer(),
          serdes.enrichedText().serializer(), BATCH);
    }
    if (labeling != null) {
      SpecificAvroSerde<TrainingExample> examples = new SpecificAvroSerde<>(TrainingExample.class);
      examples.configure(config.originalsMap(), false);
      topology.addSink(BatchInferProcessor.LABELING_SINK, config.labelingTopic().get(), new ByteArraySerializer(),
          examples.serializer(), BATCH);
    }

    String modelName = config.modelName();
    topology.addGlobalStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(CHECKPOINT_STORE),
            Serdes.String(), serdes.checkpoint()).withLoggingDisabled(), "checkpoint-source",
        new StringDeserializer(), new ByteArrayDeserializer(), config.checkpointsTopic(), "checkpoint-processor",
        () -> new CheckpointProcessor(CHECKPOINT_STORE, modelName, checkpoints, config.checkpointsTopic(),
            serdes.checkpoint().deserializer()));
    return topology;
  }
}
