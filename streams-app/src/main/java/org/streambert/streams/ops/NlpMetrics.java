package org.streambert.streams.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.time.Duration;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.streambert.streams.errors.RejectedRecordException;
import org.streambert.streams.serving.ModelHolder;
import org.streambert.streams.serving.ServingEngine;
import org.streambert.streams.serving.ServingModel;
import org.streambert.streams.serving.ShadowScorer;

/**
 * This application's metrics, the one facade the processors, handlers and rollout call; the meters live in a
 * Micrometer {@link MeterRegistry} (Prometheus for {@code /metrics}, optionally JMX, see {@link AppMeters}). Names
 * follow Prometheus' guidelines once rendered: base units ({@code _seconds}, {@code _ratio}), {@code _total} only on
 * counters. Timers and distributions publish histogram buckets so that quantiles can be computed across instances.
 *
 * <ul>
 *   <li>{@code nlp_tokenize_seconds} per record, {@code nlp_infer_seconds} per batch (all its forward passes),
 *       {@code nlp_post_process_seconds} per record, {@code nlp_batch_wait_seconds} per batch (how long its oldest
 *       record waited in the pending store), {@code nlp_record_latency_seconds} per record (from its
 *       {@code eventTime} to its result; records with a future event time are not counted)</li>
 *   <li>{@code nlp_batch_size} (records per batch), {@code nlp_batch_padding_efficiency_ratio} (real tokens over
 *       tokens fed to the model, padding included)</li>
 *   <li>{@code nlp_records_enriched_total}, {@code nlp_records_dead_lettered_total{reason}}</li>
 *   <li>{@code nlp_model_info{model_name,model_version,engine,precision}}: a Prometheus info metric (always 1) naming
 *       the serving model and how it computes ({@code tensorflow}/{@code onnxruntime}, {@code fp32}/{@code bf16}/
 *       {@code int8}) only (the previous version's series goes at the swap), {@code nlp_model_loaded},
 *       {@code nlp_model_loads_total}, {@code nlp_rollout_refusals_total}</li>
 *   <li>{@code nlp_cache_hits_total}, {@code nlp_cache_misses_total}, {@code nlp_cache_evictions_total},
 *       {@code nlp_cache_entries}, {@code nlp_cache_bytes} of the duplicate-result cache (one cache per instance;
 *       the cache registers them in {@link #registry()})</li>
 * </ul>
 *
 * <p>Meters over an object shared by an instance's tasks (the cache, the shadow scorer) are registered once
 * ({@link #bindOnce}): processors are created again for every task and by every replacement stream thread, and a
 * second registration of a gauge or function counter is ignored by Micrometer with a warning.
 *
 * <p>Kafka Streams creates processors and exception handlers by itself, so the service hands this object to them
 * through the Streams configuration under {@link #CONFIG_KEY}; {@link #from(Map)} finds it there, or returns a no-op
 * instance (tests with {@code TopologyTestDriver} that do not care about metrics). Thread-safe.
 */
public final class NlpMetrics {

  /** Streams-configuration key under which the service passes this object to processors and handlers. */
  public static final String CONFIG_KEY = "nlp.internal.metrics";

  private static final Duration[] LATENCY_BUCKETS = {Duration.ofNanos(100_000), Duration.ofNanos(250_000),
      Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
      Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
      Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10),
      Duration.ofSeconds(30), Duration.ofSeconds(60)};

  /** Records nothing: a composite registry without registries (after the buckets it needs). */
  private static final NlpMetrics NOOP = new NlpMetrics(new CompositeMeterRegistry());

  private final MeterRegistry registry;
  private final Timer tokenize;
  private final Timer infer;
  private final Timer postProcess;
  private final Timer batchWait;
  private final Timer recordLatency;
  private final DistributionSummary batchSize;
  private final DistributionSummary paddingEfficiency;
  private final Counter enriched;
  private final Map<String, Counter> deadLettered = new ConcurrentHashMap<>();
  private volatile ModelHolder holder;
  /** Sources whose meters are registered already (see {@link #bindOnce}), by identity. */
  private final Set<Object> bound = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
  /** The serving model's info gauge and its name + version, or null; replaced under this object's lock. */
  private Gauge modelInfo;
  private volatile String modelInfoKey;

  /** Meters of this application in {@code registry} (which the caller owns and closes). */
  public NlpMetrics(MeterRegistry registry) {
    this.registry = registry;
    tokenize = timer("nlp.tokenize", "Time to tokenize one record");
    infer = timer("nlp.infer", "Time of the forward passes of one batch");
    postProcess = timer("nlp.post.process", "Time to turn one prediction into an output record");
    batchWait = timer("nlp.batch.wait", "How long the oldest record of a batch waited in the pending store");
    recordLatency = timer("nlp.record.latency", "From a record's eventTime to its enriched result");
    batchSize = DistributionSummary.builder("nlp.batch.size").description("Records per batch")
        .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024).register(registry);
    paddingEfficiency = DistributionSummary.builder("nlp.batch.padding.efficiency").baseUnit("ratio")
        .description("Real tokens over all tokens fed to the model in a batch (1 = no padding)")
        .serviceLevelObjectives(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0).register(registry);
    enriched = Counter.builder("nlp.records.enriched").description("Enriched records written").register(registry);
    // Every known reason from the start, at 0: a rate over a counter that appears with its first increment misses it.
    for (RejectedRecordException.Reason reason : RejectedRecordException.Reason.values()) {
      deadLettered(reason.name(), 0);
    }
  }

  /** The instance the service put into {@code configs} under {@link #CONFIG_KEY}, else a no-op instance. */
  public static NlpMetrics from(Map<String, ?> configs) {
    return configs != null && configs.get(CONFIG_KEY) instanceof NlpMetrics m ? m : NOOP;
  }

  /** The registry holding the meters (to bind more meters to, or to read them in tests). */
  public MeterRegistry registry() {
    return registry;
  }

  /**
   * Registers the meters {@code binder} puts over {@code source} in this registry, unless they were registered for
   * that source already: every task's processor, and each replacement of a failed stream thread, binds the
   * instance's shared parts again.
   */
  public void bindOnce(Object source, Consumer<MeterRegistry> binder) {
    if (bound.add(source)) {
      binder.accept(registry);
    }
  }

  /**
   * Meters over shadow scoring (candidate vs champion on sampled live records, see {@link ShadowScorer}), once per
   * scorer (see {@link #bindOnce}). {@code nlp_shadow_samples_total}, {@code nlp_shadow_label_agreement_ratio},
   * {@code nlp_shadow_entity_f1_ratio}, {@code nlp_shadow_confidence_ratio{model=champion|candidate}} (mean top class
   * score), {@code nlp_shadow_latency_seconds{model=...}} (forward time per record) and
   * {@code nlp_shadow_dropped_batches_total}. A figure that is undefined (no candidate, no class head) reads NaN.
   */
  public void observeShadow(ShadowScorer shadow) {
    bindOnce(shadow, registry -> bindShadow(shadow));
  }

  private void bindShadow(ShadowScorer shadow) {
    FunctionCounter.builder("nlp.shadow.samples", shadow, s -> s.report().samples())
        .description("Records scored by champion and candidate").register(registry);
    Gauge.builder("nlp.shadow.label.agreement", shadow, s -> orNaN(s.report().labelAgreement())).baseUnit("ratio")
        .description("Share of shadow records with the same class label").register(registry);
    Gauge.builder("nlp.shadow.entity.f1", shadow, s -> orNaN(s.report().entityF1())).baseUnit("ratio")
        .description("Entity F1 of the candidate against the champion").register(registry);
    Gauge.builder("nlp.shadow.confidence", shadow, s -> orNaN(s.report().championConfidence())).baseUnit("ratio")
        .tag("model", "champion").description("Mean top class score on shadow records").register(registry);
    Gauge.builder("nlp.shadow.confidence", shadow, s -> orNaN(s.report().candidateConfidence())).baseUnit("ratio")
        .tag("model", "candidate").description("Mean top class score on shadow records").register(registry);
    Gauge.builder("nlp.shadow.latency", shadow, s -> s.report().championLatencyMicros() / 1e6).baseUnit("seconds")
        .tag("model", "champion").description("Forward time per shadow record").register(registry);
    Gauge.builder("nlp.shadow.latency", shadow, s -> s.report().candidateLatencyMicros() / 1e6).baseUnit("seconds")
        .tag("model", "candidate").description("Forward time per shadow record").register(registry);
    FunctionCounter.builder("nlp.shadow.dropped.batches", shadow, s -> s.report().droppedBatches())
        .description("Sampled batches dropped because the shadow queue was full").register(registry);
  }

  private static double orNaN(Double value) {
    return value == null ? Double.NaN : value;
  }

  /** Gauges and counters over the rollout's state: loaded, loads, refusals and the serving version's info. */
  public void bindModels(ModelHolder models) {
    this.holder = models;
    Gauge.builder("nlp.model.loaded", models, h -> h.currentVersion() == null ? 0 : 1)
        .description("1 when a model is serving").register(registry);
    FunctionCounter.builder("nlp.model.loads", models, ModelHolder::loads)
        .description("Models swapped in").register(registry);
    FunctionCounter.builder("nlp.rollout.refusals", models, ModelHolder::refusals)
        .description("Checkpoints refused by the rollout (the previous model kept serving)").register(registry);
    refreshModelInfo();
  }

  /** Makes {@code nlp_model_info} name the holder's serving version (called per scrape and per batch). */
  public void refreshModelInfo() {
    ModelHolder h = holder;
    if (h != null) {
      ServingModel model = h.peek().orElse(null);
      if (model == null) {
        setModelInfo(h.modelName(), null, null);
      } else {
        setModelInfo(h.modelName(), model.version(), model.engine());
      }
    }
  }

  /**
   * A batch ran with this model. With bound models ({@link #bindModels}) the holder decides what serves (a batch
   * that leased the previous model during a swap must not bring its series back); without, this model does.
   */
  public void observeModel(ServingModel model) {
    if (holder != null) {
      refreshModelInfo();
    } else {
      setModelInfo(model.name(), model.version(), model.engine());
    }
  }

  private void setModelInfo(String modelName, String version, ServingEngine engine) {
    String key = version == null ? null : modelName + '\u0000' + version + '\u0000' + engine;
    if (Objects.equals(key, modelInfoKey)) {
      return; // the per-batch path: nothing changed
    }
    synchronized (this) {
      if (Objects.equals(key, modelInfoKey)) {
        return;
      }
      if (modelInfo != null) {
        registry.remove(modelInfo);
        modelInfo = null;
      }
      if (version != null) {
        // Prometheus' info convention (Micrometer renders *.info gauges as info metrics): value 1, labels inform.
        modelInfo = Gauge.builder("nlp.model.info", () -> 1.0)
            .description("The serving model (always 1; the labels name it)")
            .tags("model_name", modelName, "model_version", version, "engine", engine.engine(), "precision",
                engine.precision()).register(registry);
      }
      modelInfoKey = key;
    }
  }

  /**
   * One batch's figures.
   *
   * @param waitNanos    how long its oldest record waited, or a negative value when unknown (restored records)
   * @param realTokens   word pieces fed to the model without padding; with {@code paddedTokens} 0 nothing is recorded
   * @param paddedTokens all positions fed to the model (batch × sequence length, summed over forward passes)
   */
  public void recordBatch(int size, long inferNanos, long waitNanos, long realTokens, long paddedTokens) {
    batchSize.record(size);
    infer.record(inferNanos, TimeUnit.NANOSECONDS);
    if (waitNanos >= 0) {
      batchWait.record(waitNanos, TimeUnit.NANOSECONDS);
    }
    if (paddedTokens > 0) {
      paddingEfficiency.record(Math.min(1.0, (double) realTokens / paddedTokens));
    }
  }

  /**
   * One enriched record's figures.
   *
   * @param eventTimeMs the record's event time (epoch ms); latency is not recorded when it lies in the future or is
   *                    not set (≤ 0)
   */
  public void recordRecord(long tokenizeNanos, long postNanos, long eventTimeMs, long nowMs) {
    tokenize.record(tokenizeNanos, TimeUnit.NANOSECONDS);
    postProcess.record(postNanos, TimeUnit.NANOSECONDS);
    if (eventTimeMs > 0 && eventTimeMs <= nowMs) {
      recordLatency.record(nowMs - eventTimeMs, TimeUnit.MILLISECONDS);
    }
    enriched.increment();
  }

  /** {@code count} records sent to the dead-letter topic for {@code reason} (a {@code nlp.error.reason} value). */
  public void deadLettered(String reason, int count) {
    deadLettered.computeIfAbsent(String.valueOf(reason), r -> Counter.builder("nlp.records.dead.lettered")
        .description("Records sent to the dead-letter topic, by reason").tag("reason", r).register(registry))
        .increment(count);
  }

  private Timer timer(String name, String description) {
    return Timer.builder(name).description(description).serviceLevelObjectives(LATENCY_BUCKETS)
        .minimumExpectedValue(LATENCY_BUCKETS[0]).maximumExpectedValue(LATENCY_BUCKETS[LATENCY_BUCKETS.length - 1])
        .register(registry);
  }
}
