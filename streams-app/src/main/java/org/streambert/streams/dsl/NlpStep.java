package org.streambert.streams.dsl;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.ValueJoiner;
import org.apache.kafka.streams.kstream.ValueMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.avro.TrainingExample;
import org.streambert.streams.dsl.internals.BatchStage;
import org.streambert.streams.dsl.internals.StepGraph;
import org.streambert.streams.ops.NlpMetrics;
import org.streambert.streams.processor.internals.BatchOptions;
import org.streambert.streams.processor.internals.EmbeddingsOutput;
import org.streambert.streams.processor.internals.LabelingSampler;
import org.streambert.streams.processor.internals.ResultCache;
import org.streambert.streams.processor.internals.WindowPolicy;
import org.streambert.streams.rollout.CheckpointListener;
import org.streambert.streams.rollout.ModelRollout;
import org.streambert.streams.rollout.ModelSourcePolicy;
import org.streambert.streams.rollout.RolloutStatusPublisher;
import org.streambert.streams.serving.EmbeddingChoice;
import org.streambert.streams.serving.ModelHolder;
import org.streambert.streams.serving.ModelLoader;

/**
 * BERT as a step of your own Kafka Streams topology: takes a {@code KStream<K, V>}, runs each value's text through
 * the model in batches, and returns a {@code KStream<K, R>} whose values your function makes of the value and its
 * {@link Enrichment} (labels, scores, entities with code-point spans, optionally the embedding), plus the dead letters
 * and labelling requests as streams of their own ({@link NlpStepResult}).
 *
 * <pre>{@code
 * try (NlpStep<String, Order, ScoredOrder> sentiment = NlpStep.<String, Order>builder("sentiment")
 *         .serdes(Serdes.String(), orderSerde)
 *         .text(Order::comment)
 *         .rollout(ModelLoaders.create("", engineSettings), Path.of("/var/cache/models"))
 *         .checkpointSerde(checkpointSerde)
 *         .build((order, e) -> new ScoredOrder(order, e.label(), e.score()))) {
 *   StreamsBuilder builder = new StreamsBuilder();
 *   KStream<String, Order> orders = builder.stream("orders", Consumed.with(Serdes.String(), orderSerde));
 *   NlpStepResult<String, Order, ScoredOrder> r = sentiment.apply(builder, orders);
 *   r.enriched().to("scored-orders", Produced.with(Serdes.String(), scoredSerde));
 *   r.deadLetters().to("orders-dlq", Produced.with(Serdes.String(), orderSerde));
 *   try (KafkaStreams streams = new KafkaStreams(builder.build(), props)) { ... }
 * }
 * }</pre>
 *
 * <p>The step brings its own state and names every part of it under its name (the prefix; see the names below), so
 * several steps (a sentiment and an NER model) live in one topology: the changelogged pending store
 * {@code <name>-pending} where records wait for their batch, a wall-clock punctuation that runs a batch once its
 * oldest record waited {@link NlpStepOptions#batchMaxDelay()}, batches bounded by records and padded tokens and sized
 * to the time left in the stream thread's transaction, the checkpoint global store {@code <name>-checkpoints} over
 * {@link NlpStepOptions#checkpointsTopic()} (its own topic per step), and the rollout that loads each signed
 * checkpoint event's bundle, checks its golden examples and swaps it in without stopping the stream. Processor names:
 * {@code <name>-input}, {@code -batch}, {@code -enriched}, {@code -rejected}, {@code -failed}, {@code -dead-letters},
 * {@code -labelling}.
 *
 * <p>Guarantees (with {@code processing.guarantee=exactly_once_v2}): every input record ends up exactly once in
 * {@link NlpStepResult#enriched()} or in {@link NlpStepResult#deadLetters()}, never both, also across crashes: a
 * batch's outputs, the deletion of its records from the pending store and the input offsets commit in one transaction,
 * together with whatever your stateful operators before and after the step write. Enriched records keep the input
 * order per partition, so per key (records refused before batching, e.g. blank texts, reach the dead letters at once,
 * ahead of earlier records still waiting). While no model is serving (before the first checkpoint event is loaded, or
 * when every event was refused) records wait in the pending store — they are not dropped, not dead-lettered and their
 * offsets do commit — and run in arrival order as soon as a model is loaded; the store's changelog keeps them across
 * restarts. A text or id function that throws makes its record a dead letter ({@code PROCESSING_FAILED}); a result
 * function that throws is handled like any DSL operator's exception, by the configured
 * {@code processing.exception.handler}. The result stream is marked key-changing by Kafka Streams (the step is built on {@code process()}), so a
 * {@code groupByKey()} after it repartitions; the key itself is the input key, unchanged.
 *
 * <p>An instance is for one topology ({@link #apply} once). The step owns the rollout and the serving model it creates
 * ({@link Builder#rollout}); close it after the {@code KafkaStreams} that runs the topology.
 *
 * @param <K> the key type of your stream
 * @param <V> the value type of your stream
 * @param <R> the value type of the enriched stream
 */
public final class NlpStep<K, V, R> implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(NlpStep.class);

  private final StepNames names;
  private final Serde<K> keySerde;
  private final Serde<V> valueSerde;
  private final ValueMapper<? super V, String> text;
  private final ValueMapper<? super V, String> id;
  private final ValueJoiner<? super V, ? super Enrichment, ? extends R> result;
  private final NlpStepOptions options;
  private final Serde<ModelCheckpoint> checkpointSerde;
  private final ModelHolder models;
  private final CheckpointListener checkpoints;
  /** The rollout this step created and closes, or null when the caller passed its own listener. */
  private final ModelRollout rollout;
  /** This step's metrics (tag {@code nlp_step=<name>}), or null for the application's. */
  private final NlpMetrics metrics;
  private final AtomicBoolean applied = new AtomicBoolean();

  private NlpStep(Builder<K, V> b, ValueJoiner<? super V, ? super Enrichment, ? extends R> result) {
    this.names = b.names;
    this.keySerde = Objects.requireNonNull(b.keySerde, "serdes(keySerde, valueSerde) is required");
    this.valueSerde = Objects.requireNonNull(b.valueSerde, "serdes(keySerde, valueSerde) is required");
    this.text = Objects.requireNonNull(b.text, "text(function) is required");
    this.id = b.id;
    this.result = Objects.requireNonNull(result, "result function");
    this.options = b.options;
    this.checkpointSerde = Objects.requireNonNull(b.checkpointSerde, "checkpointSerde(serde) is required");
    if (b.loader != null) {
      this.models = new ModelHolder(options.modelName());
      this.rollout = new ModelRollout(b.instanceId != null ? b.instanceId : names.prefix(), models, b.loader,
          b.cacheDir, b.publisher, options.goldenScoreTolerance(), options.batchMaxSize(), b.policy)
          .withEmbeddings(options.embeddings() ? EmbeddingChoice.MODEL : EmbeddingChoice.OFF);
      this.checkpoints = rollout;
    } else if (b.holder != null) {
      if (!b.holder.modelName().equals(options.modelName())) {
        throw new IllegalArgumentException("the model holder is for model '" + b.holder.modelName()
            + "', the options name '" + options.modelName() + "'");
      }
      this.models = b.holder;
      this.rollout = null;
      this.checkpoints = b.listener;
    } else {
      throw new IllegalStateException("step '" + names.prefix() + "' has no model source: call rollout(loader, "
          + "cacheDir) or models(holder, listener)");
    }
    if (b.registry != null) {
      CompositeMeterRegistry tagged = new CompositeMeterRegistry();
      tagged.config().commonTags("nlp_step", names.prefix());
      tagged.add(b.registry);
      this.metrics = new NlpMetrics(tagged);
      metrics.bindModels(models);
    } else {
      this.metrics = null;
    }
  }

  /**
   * A builder of a step named {@code name}: the prefix of every processor, store and metric tag of the step, and of
   * its changelog topic ({@code <application.id>-<name>-pending-changelog}); 1 to 100 of {@code [a-zA-Z0-9._-]}.
   */
  public static <K, V> Builder<K, V> builder(String name) {
    return new Builder<>(new StepNames(name));
  }

  /**
   * Adds the step to {@code builder}'s topology behind {@code stream} (which must come from {@code builder}).
   *
   * @return the enriched records, the dead letters and the labelling requests
   * @throws IllegalStateException when this step was applied already
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public NlpStepResult<K, V, R> apply(StreamsBuilder builder, KStream<K, V> stream) {
    if (!applied.compareAndSet(false, true)) {
      throw new IllegalStateException("step '" + names.prefix() + "' is in a topology already; build another step "
          + "(with another name) for another topology");
    }
    String topic = options.checkpointsTopic();
    KStream<Object, Object> input = stream.process(() -> new StepInput<>(names, keySerde, valueSerde, text, id,
        options.textMaxChars(), metrics), Named.as(names.input()));
    KStream<K, V> rejected = (KStream) input.filter((k, v) -> true, Named.as(names.rejected()));
    KStream<Object, Object> batched = (KStream) StepGraph.attach(builder, (KStream) input,
        new StepGraph.Names(names.batch(), names.pendingStore(), names.checkpointStore(), names.checkpointSource(),
            topic, options.modelName()),
        models, batchOptions(), Map.of(BatchStage.ENRICHED, names.enriched(), BatchStage.DEAD_LETTERS, names.failed(),
            BatchStage.LABELLING, names.labelling()), metrics, checkpoints, checkpointSerde);

    StepOutputs.Codec<K, V> codec = new StepOutputs.Codec<>(keySerde, valueSerde, names);
    KStream<K, R> enriched = batched.process(() -> new StepOutputs.Enriched<K, V, R>(codec, result),
        Named.as(names.enriched()));
    KStream<K, V> failed = batched.process(() -> new StepOutputs.Failed<>(codec), Named.as(names.failed()));
    KStream<String, TrainingExample> labelling = batched.process(StepOutputs.Labelling::new,
        Named.as(names.labelling()));
    LOG.info("NLP step '{}': model '{}', checkpoints on '{}', {}", names.prefix(), options.modelName(), topic,
        options);
    return new NlpStepResult<>(enriched, failed.merge(rejected, Named.as(names.deadLetters())), labelling);
  }

  private BatchOptions batchOptions() {
    NlpStepOptions.Labelling l = options.labellingThresholds();
    ResultCache cache = options.cacheMaxEntries() == 0 || options.cacheMaxBytes() == 0 ? ResultCache.disabled()
        : new ResultCache(options.cacheMaxEntries(), options.cacheMaxBytes());
    return new BatchOptions(names.pendingStore(), options.checkpointsTopic(), options.batchMaxSize(),
        options.batchMaxDelay().toMillis(), options.batchDrainMax().toMillis(), options.batchMaxTokens(),
        options.transactionBatch().toMillis(),
        new WindowPolicy(options.textMaxWindows(), options.truncateLongTexts()),
        options.embeddings() ? EmbeddingsOutput.on() : EmbeddingsOutput.off(), null, cache, null,
        l == null ? null : new LabelingSampler.Thresholds(l.margin(), l.topScore(), l.entityScore(), l.sampleRate(),
            l.dedupMax()), options.batchOverlap());
  }

  /** The step's name (the prefix of its processors, stores and metric tag). */
  public String name() {
    return names.prefix();
  }

  public NlpStepOptions options() {
    return options;
  }

  /** The version of the checkpoint now serving, or empty while records wait for a first model. */
  public Optional<String> servingVersion() {
    return Optional.ofNullable(models.currentVersion());
  }

  /** Checkpoint events refused so far (bad signature, failed golden check, unloadable bundle, replay). */
  public long refusedCheckpoints() {
    return models.refusals();
  }

  /**
   * Waits until the rollout has no load queued or running (tests: after publishing a checkpoint event); true at once
   * when this step does not own its rollout.
   *
   * @return false when {@code timeout} passed first
   */
  public boolean awaitRolloutIdle(Duration timeout) throws InterruptedException {
    return rollout == null || rollout.awaitIdle(timeout);
  }

  /** Stops the rollout this step created and releases its serving model; call after the streams closed. */
  @Override
  public void close() {
    if (rollout != null) {
      rollout.close();
      models.close();
    }
  }

  /**
   * Settings of a step; {@link #serdes}, {@link #text}, {@link #checkpointSerde} and a model source ({@link #rollout}
   * or {@link #models}) are required.
   */
  public static final class Builder<K, V> {
    private final StepNames names;
    private Serde<K> keySerde;
    private Serde<V> valueSerde;
    private ValueMapper<? super V, String> text;
    private ValueMapper<? super V, String> id;
    private NlpStepOptions options = NlpStepOptions.defaults();
    private Serde<ModelCheckpoint> checkpointSerde;
    private ModelLoader loader;
    private Path cacheDir;
    private ModelSourcePolicy policy = ModelSourcePolicy.defaults();
    private RolloutStatusPublisher publisher = status -> LOG.info("rollout: {}", status);
    private String instanceId;
    private ModelHolder holder;
    private CheckpointListener listener;
    private MeterRegistry registry;

    private Builder(StepNames names) {
      this.names = names;
    }

    /**
     * The serdes of the stream's key and value: records wait in the pending store (and its changelog) as these
     * bytes, and come back out through them.
     */
    public Builder<K, V> serdes(Serde<K> keySerde, Serde<V> valueSerde) {
      this.keySerde = Objects.requireNonNull(keySerde, "keySerde");
      this.valueSerde = Objects.requireNonNull(valueSerde, "valueSerde");
      return this;
    }

    /** The text to run the model on, from a value; a null, empty or blank text makes the record a dead letter. */
    public Builder<K, V> text(ValueMapper<? super V, String> text) {
      this.text = Objects.requireNonNull(text, "text");
      return this;
    }

    /**
     * The record id from a value (log lines, labelling requests); without it (or when it returns null) the id is
     * {@code topic-partition-offset}.
     */
    public Builder<K, V> id(ValueMapper<? super V, String> id) {
      this.id = Objects.requireNonNull(id, "id");
      return this;
    }

    public Builder<K, V> options(NlpStepOptions options) {
      this.options = Objects.requireNonNull(options, "options");
      return this;
    }

    /** The value serde of the checkpoints topic (an Avro serde of {@link ModelCheckpoint}, configured). */
    public Builder<K, V> checkpointSerde(Serde<ModelCheckpoint> serde) {
      this.checkpointSerde = Objects.requireNonNull(serde, "serde");
      return this;
    }

    /**
     * The step runs its own rollout: each checkpoint event of {@link NlpStepOptions#modelName()} is checked against
     * the {@link #policy}, its bundle downloaded to {@code cacheDir}, loaded with {@code loader}, golden-checked and
     * swapped in. The step owns and closes it.
     */
    public Builder<K, V> rollout(ModelLoader loader, Path cacheDir) {
      this.loader = Objects.requireNonNull(loader, "loader");
      this.cacheDir = Objects.requireNonNull(cacheDir, "cacheDir");
      this.holder = null;
      this.listener = null;
      return this;
    }

    /** What the rollout trusts: signing keys, bundle locations, download bounds (default: no keys, local paths). */
    public Builder<K, V> policy(ModelSourcePolicy policy) {
      this.policy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /** Where the rollout reports each attempt (default: a log line). */
    public Builder<K, V> rolloutStatus(RolloutStatusPublisher publisher) {
      this.publisher = Objects.requireNonNull(publisher, "publisher");
      return this;
    }

    /** This instance's name in rollout reports (default: the step's name). */
    public Builder<K, V> instanceId(String instanceId) {
      this.instanceId = Objects.requireNonNull(instanceId, "instanceId");
      return this;
    }

    /**
     * Serve from {@code holder}, which {@code listener} fills from the checkpoint events (both owned by the caller),
     * instead of a rollout of the step's own.
     */
    public Builder<K, V> models(ModelHolder holder, CheckpointListener listener) {
      this.holder = Objects.requireNonNull(holder, "holder");
      this.listener = Objects.requireNonNull(listener, "listener");
      this.loader = null;
      return this;
    }

    /**
     * Registers the step's meters ({@code nlp_*}, see {@code NlpMetrics}) in {@code registry} with tag
     * {@code nlp_step=<name>}; without a registry the step records nothing.
     */
    public Builder<K, V> metrics(MeterRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
      return this;
    }

    /** The step, whose enriched values are {@code result(value, enrichment)}. */
    public <R> NlpStep<K, V, R> build(ValueJoiner<? super V, ? super Enrichment, ? extends R> result) {
      return new NlpStep<>(this, result);
    }
  }
}
