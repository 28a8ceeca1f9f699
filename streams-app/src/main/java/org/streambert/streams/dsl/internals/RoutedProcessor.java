package org.streambert.streams.dsl.internals;

import java.io.File;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.StreamsMetrics;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.Punctuator;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.streambert.streams.ops.NlpMetrics;

/**
 * Runs a processor that forwards to fixed child names under other names: a step's batch processor forwards to
 * {@code enriched-sink} and the like, which become the step's own prefixed nodes here, so that several steps live in
 * one topology. A forward to a name without a route is dropped (an output the step does not expose). With its own
 * metrics, the processor finds them under {@link NlpMetrics#CONFIG_KEY} of {@code appConfigs()} instead of the
 * application's.
 */
final class RoutedProcessor<KIn, VIn, KOut, VOut> implements Processor<KIn, VIn, KOut, VOut> {

  private final Processor<KIn, VIn, KOut, VOut> inner;
  private final Map<String, String> routes;
  private final NlpMetrics metrics;

  RoutedProcessor(Processor<KIn, VIn, KOut, VOut> inner, Map<String, String> routes, NlpMetrics metrics) {
    this.inner = inner;
    this.routes = routes;
    this.metrics = metrics;
  }

  @Override
  public void init(ProcessorContext<KOut, VOut> context) {
    inner.init(new Routed<>(context, routes, metrics));
  }

  @Override
  public void process(Record<KIn, VIn> record) {
    inner.process(record);
  }

  @Override
  public void close() {
    inner.close();
  }

  /** The context the inner processor sees: forwards renamed, the step's metrics in the configuration. */
  private static final class Routed<K, V> implements ProcessorContext<K, V> {
    private final ProcessorContext<K, V> context;
    private final Map<String, String> routes;
    private final Map<String, Object> configs;

    Routed(ProcessorContext<K, V> context, Map<String, String> routes, NlpMetrics metrics) {
      this.context = context;
      this.routes = routes;
      if (metrics == null) {
        this.configs = context.appConfigs();
      } else {
        Map<String, Object> own = new HashMap<>(context.appConfigs());
        own.put(NlpMetrics.CONFIG_KEY, metrics);
        this.configs = Collections.unmodifiableMap(own); // app configs may hold null values
      }
    }

    @Override
    public <K1 extends K, V1 extends V> void forward(Record<K1, V1> record) {
      throw new IllegalStateException("a routed processor must name the child it forwards to");
    }

    @Override
    public <K1 extends K, V1 extends V> void forward(Record<K1, V1> record, String childName) {
      String to = routes.get(childName);
      if (to != null) {
        context.forward(record, to);
      }
    }

    @Override
    public String applicationId() {
      return context.applicationId();
    }

    @Override
    public TaskId taskId() {
      return context.taskId();
    }

    @Override
    public Optional<RecordMetadata> recordMetadata() {
      return context.recordMetadata();
    }

    @Override
    public Serde<?> keySerde() {
      return context.keySerde();
    }

    @Override
    public Serde<?> valueSerde() {
      return context.valueSerde();
    }

    @Override
    public File stateDir() {
      return context.stateDir();
    }

    @Override
    public StreamsMetrics metrics() {
      return context.metrics();
    }

    @Override
    public <S extends StateStore> S getStateStore(String name) {
      return context.getStateStore(name);
    }

    @Override
    public Cancellable schedule(Duration interval, PunctuationType type, Punctuator callback) {
      return context.schedule(interval, type, callback);
    }

    @Override
    public Cancellable schedule(Instant startTime, Duration interval, PunctuationType type, Punctuator callback) {
      return context.schedule(startTime, interval, type, callback);
    }

    @Override
    public void commit() {
      context.commit();
    }

    @Override
    public Map<String, Object> appConfigs() {
      return configs;
    }

    @Override
    public Map<String, Object> appConfigsWithPrefix(String prefix) {
      return context.appConfigsWithPrefix(prefix);
    }

    @Override
    public long currentSystemTimeMs() {
      return context.currentSystemTimeMs();
    }

    @Override
    public long currentStreamTimeMs() {
      return context.currentStreamTimeMs();
    }
  }
}
