package org.streambert.streams;

import java.util.Objects;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.streambert.schemas.SpecificAvroSerde;
import org.streambert.schemas.avro.TrainingExample;
import org.streambert.streams.dsl.internals.StepGraph;
import org.streambert.streams.processor.internals.BatchInferProcessor;
import org.streambert.streams.processor.internals.BatchOptions;
import org.streambert.streams.processor.internals.EmbeddingsOutput;
import org.streambert.streams.processor.internals.InputDeserializer;
import org.streambert.streams.processor.internals.LabelingSampler;
import org.streambert.streams.processor.internals.PendingRecord;
import org.streambert.streams.processor.internals.ResultCache;
import org.streambert.streams.processor.internals.ValidateProcessor;
import org.streambert.streams.processor.internals.WindowPolicy;
import org.streambert.streams.rollout.CheckpointListener;
import org.streambert.streams.serving.ModelHolder;
import org.streambert.streams.serving.QaModel;
import org.streambert.streams.serving.ShadowScorer;

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
 * <p>The step itself (pending store, batch node, checkpoint global store) is {@link StepGraph}'s, the one assembly the
 * library's DSL step ({@code org.streambert.streams.dsl.NlpStep}) uses too, under its own names; this topology adds
 * the program's input decoding before it and its output, dead-letter, embeddings and labelling topics after it.
 *
 * <p>Output keys are the input key bytes unchanged (or, for input without key, the record id as UTF-8: the value's
 * id, else {@code topic-partition-offset}). Tokenization happens inside the batch's prediction and is timed
 * separately (EnrichedText.timings). Exceptions in validation go to Kafka's processing exception handler, which the
 * configuration from {@link NlpConfig#streamsProperties()} points at the dead-letter topic.
 */
public final class NlpTopology {

  public static final String SOURCE = "text-source";
  public static final String VALIDATE = ValidateProcessor.NAME;
  public static final String BATCH = "batch-infer";
  public static final String PENDING_STORE = "nlp-pending";
  public static final String CHECKPOINT_STORE = "nlp-checkpoints";

  /**
   * The models a topology runs with; the caller owns them and closes them after the streams.
   *
   * @param serving where batches get their model from (filled by the rollout, or by tests directly)
   * @param qa      the question-answering model of {@code nlp.qa.model.dir}, or null for none
   * @param shadow  scores sampled batches with the CANDIDATE model too, or null for none
   */
  public record Models(ModelHolder serving, QaModel qa, ShadowScorer shadow) {
    public Models {
      Objects.requireNonNull(serving, "serving");
    }

    /** Only the serving model: no question answering, no shadow scoring. */
    public static Models of(ModelHolder serving) {
      return new Models(serving, null, null);
    }
  }

  private NlpTopology() {
  }

  /** {@link #build(NlpConfig, Models, CheckpointListener, NlpSerdes)} with only the serving model. */
  public static Topology build(NlpConfig config, ModelHolder models, CheckpointListener checkpoints,
      NlpSerdes serdes) {
    return build(config, Models.of(models), checkpoints, serdes);
  }

  /**
   * Builds the topology.
   *
   * @param checkpoints receives each checkpoint event of the global store (the
   *                    {@link org.streambert.streams.rollout.ModelRollout}); called on the global stream thread
   * @param serdes      Avro serdes (configured)
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static Topology build(NlpConfig config, Models models, CheckpointListener checkpoints, NlpSerdes serdes) {
    StreamsBuilder builder = new StreamsBuilder();
    // Values are decoded in the first processor rather than by the source's deserializer: with exactly_once_v2,
    // Kafka Streams 4.4.0's TopologyTestDriver dropped the dead-letter records of the deserialization handler, while
    // the processing handler's (same raw bytes and headers, KIP-1034) are produced in the task's transaction.
    KStream<byte[], byte[]> input = builder.stream(config.inputTopic(),
        Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(SOURCE));
    boolean textMode = config.inputFormat().equals("text");
    int maxChars = config.textMaxChars();
    InputDeserializer decoder = new InputDeserializer(config.inputFormat(), serdes.textRecord().deserializer());
    String questionKey = models.qa() == null ? null : config.qaQuestionKey();
    KStream<byte[], PendingRecord> validated = input.process(
        () -> new ValidateProcessor(decoder, textMode, maxChars, questionKey), Named.as(VALIDATE));

    BatchOptions options = batchOptions(config, models);
    KStream batched = StepGraph.attach(builder, validated, new StepGraph.Names(BATCH, PENDING_STORE,
            CHECKPOINT_STORE, "checkpoint", config.checkpointsTopic(), config.modelName()), models.serving(), options,
        null, null, checkpoints, serdes.checkpoint());
    batched.to(config.outputTopic(), Produced.with(Serdes.ByteArray(), serdes.enrichedText())
        .withName(BatchInferProcessor.OUTPUT_SINK));
    batched.to(config.dlqTopic(), Produced.with(Serdes.ByteArray(), Serdes.ByteArray())
        .withName(BatchInferProcessor.DLQ_SINK));
    config.embeddingsTopic().ifPresent(topic -> batched.to(topic, Produced.with(Serdes.ByteArray(),
        serdes.enrichedText()).withName(BatchInferProcessor.EMBEDDINGS_SINK)));
    if (options.labeling() != null) {
      SpecificAvroSerde<TrainingExample> examples = new SpecificAvroSerde<>(TrainingExample.class);
      examples.configure(config.originalsMap(), false);
      batched.to(config.labelingTopic().orElseThrow(), Produced.with(Serdes.ByteArray(), examples)
          .withName(BatchInferProcessor.LABELING_SINK));
    }
    return builder.build();
  }

  /** The batch step's settings; the cache is created here, one per topology, shared by its tasks. */
  private static BatchOptions batchOptions(NlpConfig config, Models models) {
    EmbeddingsOutput embeddings = config.embeddingsTopic().isPresent() ? EmbeddingsOutput.on() : EmbeddingsOutput.off();
    LabelingSampler.Thresholds labeling = config.labelingTopic().isEmpty() ? null
        : new LabelingSampler.Thresholds(config.labelingMarginThreshold(), config.labelingScoreThreshold(),
            config.labelingEntityScoreThreshold(), config.labelingSampleRate(), config.labelingDedupMaxTexts());
    return new BatchOptions(PENDING_STORE, config.checkpointsTopic(), config.batchMaxSize(),
        config.batchMaxDelayMs(), config.batchDrainMaxMs(), config.batchMaxTokens(), config.transactionBatchMs(),
        new WindowPolicy(config.textMaxWindows(), config.truncateLongTexts()), embeddings, models.qa(),
        new ResultCache(config.cacheMaxEntries(), config.cacheMaxBytes()), models.shadow(), labeling,
        config.batchOverlap());
  }
}
