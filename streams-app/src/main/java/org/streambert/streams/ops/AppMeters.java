package org.streambert.streams.ops;

import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.jmx.JmxConfig;
import io.micrometer.jmx.JmxMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.kafka.streams.KafkaStreams;
import org.streambert.streams.serving.ModelHolder;

/**
 * The meter registries of one running application and what is bound to them: a Prometheus registry (rendered by
 * {@code /metrics}), optionally a JMX registry (domain {@value #JMX_DOMAIN}), the JVM and process binders, Kafka
 * Streams' own metrics ({@link KafkaStreamsMetrics}: threads, tasks, the embedded clients' fetch lag and rates) and
 * {@link NlpMetrics}. Every meter carries the tag {@code instance_id} ({@code nlp.instance.id}). Owns the
 * registries and binders; {@link #close()} releases them.
 */
public final class AppMeters implements AutoCloseable {

  public static final String JMX_DOMAIN = "streambert";

  private final PrometheusMeterRegistry prometheus;
  private final JmxMeterRegistry jmx;
  private final CompositeMeterRegistry composite = new CompositeMeterRegistry();
  private final NlpMetrics nlp;
  private final List<AutoCloseable> binders = new ArrayList<>();

  public AppMeters(String instanceId, boolean jmxEnabled) {
    prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    composite.add(prometheus);
    if (jmxEnabled) {
      jmx = new JmxMeterRegistry(new JmxConfig() {
        @Override
        public String get(String key) {
          return null;
        }

        @Override
        public String domain() {
          return JMX_DOMAIN;
        }
      }, Clock.SYSTEM);
      composite.add(jmx);
    } else {
      jmx = null;
    }
    // Kafka's own metrics already carry application_id (Streams' client metrics) and client_id; a common tag of the
    // same name would make the scrape fail, so ours is only the instance.
    composite.config().commonTags("instance_id", String.valueOf(instanceId));
    MeterRegistry r = composite;
    new ClassLoaderMetrics().bindTo(r);
    new JvmMemoryMetrics().bindTo(r);
    JvmGcMetrics gc = new JvmGcMetrics();
    gc.bindTo(r);
    binders.add(gc);
    new JvmThreadMetrics().bindTo(r);
    new ProcessorMetrics().bindTo(r);
    new UptimeMetrics().bindTo(r);
    new FileDescriptorMetrics().bindTo(r);
    nlp = new NlpMetrics(r);
  }

  /** The application's metrics facade (meters in every registry of this object). */
  public NlpMetrics nlp() {
    return nlp;
  }

  /**
   * Binds Kafka Streams' metrics and the rollout's gauges.
   *
   * @param refresh how often to look for Kafka metrics that appeared since (Micrometer's default is a minute)
   */
  public void bind(KafkaStreams streams, ModelHolder models, Duration refresh) {
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "nlp-kafka-metrics");
      t.setDaemon(true);
      return t;
    });
    // KafkaMetrics.close() shuts the scheduler down.
    KafkaStreamsMetrics streamsMetrics = new KafkaStreamsMetrics(streams, List.of(), scheduler, refresh);
    streamsMetrics.bindTo(composite);
    binders.add(streamsMetrics);
    nlp.bindModels(models);
  }

  /** The Prometheus text exposition (format 0.0.4) of every meter. */
  public String scrape() {
    nlp.refreshModelInfo();
    return prometheus.scrape();
  }

  @Override
  public void close() {
    for (AutoCloseable b : binders) {
      try {
        b.close();
      } catch (Exception ignored) {
        // a binder that fails to unregister its listeners must not stop the others
      }
    }
    composite.close();
    prometheus.close();
    if (jmx != null) {
      jmx.close();
    }
  }
}
