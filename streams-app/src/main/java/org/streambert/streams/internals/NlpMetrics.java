package org.streambert.streams.internals;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.DoubleSupplier;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.MeasurableStat;
import org.apache.kafka.common.metrics.MetricConfig;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.metrics.stats.Avg;
import org.apache.kafka.common.metrics.stats.CumulativeCount;
import org.apache.kafka.common.metrics.stats.Max;
import org.apache.kafka.common.metrics.stats.Rate;
import org.apache.kafka.streams.StreamsMetrics;
import org.streambert.streams.model.ModelHolder;

/**
 * This application's metrics, registered in Kafka Streams' metrics registry (so they appear in
 * {@code KafkaStreams.metrics()} and over JMX as {@code kafka.streams:type=nlp-metrics,thread-id=...}). One set per
 * stream thread (tag {@code thread-id}). Latencies are in microseconds.
 *
 * <ul>
 *   <li>{@code tokenize-latency-avg/max} per record; {@code infer-latency-avg/max} per batch (all forward passes of
 *       it); {@code post-process-latency-avg/max} per record</li>
 *   <li>{@code batch-size-avg/max}; {@code enriched-records-rate/total}</li>
 *   <li>{@code dead-letter-records-total} (every record sent to the dead-letter topic by this application)</li>
 *   <li>{@code model-loaded} (0/1), {@code model-loads-total}, {@code rollout-refusals-total}, and
 *       {@code model-info} with tags {@code model-name}, {@code model-version}: 1 for the serving version, 0 for
 *       versions that served before</li>
 * </ul>
 */
public final class NlpMetrics {

  public static final String GROUP = "nlp-metrics";

  private final StreamsMetrics metrics;
  private final String threadId;
  private final ModelHolder holder;
  private final Sensor tokenize;
  private final Sensor infer;
  private final Sensor postProcess;
  private final Sensor batchSize;
  private final Sensor records;
  private final Sensor gauges;
  private final Set<String> versionsSeen = ConcurrentHashMap.newKeySet();

  public NlpMetrics(StreamsMetrics metrics, String threadId, ModelHolder holder, DoubleSupplier deadLetters) {
    this.metrics = metrics;
    this.threadId = threadId;
    this.holder = holder;
    tokenize = latencySensor("tokenize-latency", "Time to tokenize one record");
    infer = latencySensor("infer-latency", "Time of the forward passes of one batch");
    postProcess = latencySensor("post-process-latency", "Time to turn one prediction into an output record");
    batchSize = sensor("batch-size");
    add(batchSize, "batch-size-avg", "Records per batch", new Avg());
    add(batchSize, "batch-size-max", "Largest batch", new Max());
    records = sensor("enriched-records");
    add(records, "enriched-records-rate", "Enriched records written per second", new Rate());
    add(records, "enriched-records-total", "Enriched records written", new CumulativeCount());
    gauges = sensor("gauges");
    gauge("dead-letter-records-total", "Records sent to the dead-letter topic", Map.of(), deadLetters);
    gauge("model-loaded", "1 when a model is serving", Map.of(), () -> holder.currentVersion() == null ? 0 : 1);
    gauge("model-loads-total", "Models swapped in", Map.of(), holder::loads);
    gauge("rollout-refusals-total", "Checkpoints refused by the rollout", Map.of(), holder::refusals);
  }

  public void recordRecord(long tokenizeMicros, long postProcessMicros, long nowMs) {
    tokenize.record(tokenizeMicros, nowMs);
    postProcess.record(postProcessMicros, nowMs);
    records.record(1, nowMs);
  }

  public void recordBatch(int size, long inferMicros, long nowMs) {
    batchSize.record(size, nowMs);
    infer.record(inferMicros, nowMs);
  }

  /** Registers the {@code model-info} gauge of a version the first time it serves here. */
  public void observeModel(String modelName, String version) {
    if (versionsSeen.add(version)) {
      Map<String, String> tags = new LinkedHashMap<>();
      tags.put("model-name", modelName);
      tags.put("model-version", version);
      gauge("model-info", "1 for the serving model version, 0 for versions served before", tags,
          () -> version.equals(holder.currentVersion()) ? 1 : 0);
    }
  }

  /**
   * Registers the shadow-scoring gauges (candidate vs champion on sampled live records, see {@link ShadowScorer}):
   * {@code shadow-samples-total}, {@code shadow-label-agreement}, {@code shadow-entity-f1},
   * {@code shadow-champion-confidence-avg}, {@code shadow-candidate-confidence-avg},
   * {@code shadow-champion-latency-avg}, {@code shadow-candidate-latency-avg} (forward time per record, µs) and
   * {@code shadow-dropped-batches-total}. A figure that is undefined (no candidate, no class head) reads NaN.
   */
  public void observeShadow(java.util.function.Supplier<org.streambert.streams.model.ShadowReport> report) {
    gauge("shadow-samples-total", "Records scored by champion and candidate", Map.of(),
        () -> report.get().samples());
    gauge("shadow-label-agreement", "Share of shadow records with the same class label", Map.of(),
        () -> orNaN(report.get().labelAgreement()));
    gauge("shadow-entity-f1", "Entity F1 of the candidate against the champion", Map.of(),
        () -> orNaN(report.get().entityF1()));
    gauge("shadow-champion-confidence-avg", "Mean top class score of the champion on shadow records", Map.of(),
        () -> orNaN(report.get().championConfidence()));
    gauge("shadow-candidate-confidence-avg", "Mean top class score of the candidate on shadow records", Map.of(),
        () -> orNaN(report.get().candidateConfidence()));
    gauge("shadow-champion-latency-avg", "Champion forward time per shadow record (microseconds)", Map.of(),
        () -> report.get().championLatencyMicros());
    gauge("shadow-candidate-latency-avg", "Candidate forward time per shadow record (microseconds)", Map.of(),
        () -> report.get().candidateLatencyMicros());
    gauge("shadow-dropped-batches-total", "Sampled batches dropped because the shadow queue was full", Map.of(),
        () -> report.get().droppedBatches());
  }

  private static double orNaN(Double value) {
    return value == null ? Double.NaN : value;
  }

  private Sensor sensor(String name) {
    // Sensor names are global in the registry: qualify them by thread so threads keep separate statistics.
    return metrics.addSensor("nlp." + threadId + "." + name, Sensor.RecordingLevel.INFO);
  }

  private Sensor latencySensor(String name, String description) {
    Sensor s = sensor(name);
    add(s, name + "-avg", description + " (average, microseconds)", new Avg());
    add(s, name + "-max", description + " (maximum, microseconds)", new Max());
    return s;
  }

  private void add(Sensor sensor, String name, String description, MeasurableStat stat) {
    MetricName metricName = new MetricName(name, GROUP, description, Map.of("thread-id", threadId));
    if (!metrics.metrics().containsKey(metricName)) {
      sensor.add(metricName, stat);
    }
  }

  private void gauge(String name, String description, Map<String, String> extraTags, DoubleSupplier value) {
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put("thread-id", threadId);
    tags.putAll(extraTags);
    MetricName metricName = new MetricName(name, GROUP, description, tags);
    if (!metrics.metrics().containsKey(metricName)) {
      gauges.add(metricName, new MeasurableStat() {
        @Override
        public void record(MetricConfig config, double v, long timeMs) {
        }

        @Override
        public double measure(MetricConfig config, long now) {
          return value.getAsDouble();
        }
      });
    }
  }
}
