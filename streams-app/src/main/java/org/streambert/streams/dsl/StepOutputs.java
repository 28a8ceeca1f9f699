package org.streambert.streams.dsl;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.kstream.ValueJoiner;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.streambert.schemas.avro.EnrichedText;
import org.streambert.schemas.avro.TrainingExample;
import org.streambert.streams.dsl.internals.Envelope;

/**
 * The step's last nodes: they give the batch node's outputs back the user's types. The batch node forwards with the
 * pending record's key, which is the user's key and value in an {@link Envelope}.
 */
final class StepOutputs {

  private StepOutputs() {
  }

  /** Enriched records: the user's key, and the result function over the user's value and the enrichment. */
  static final class Enriched<K, V, R> implements Processor<Object, Object, K, R> {
    private final Codec<K, V> codec;
    private final ValueJoiner<? super V, ? super Enrichment, ? extends R> result;
    private ProcessorContext<K, R> context;

    Enriched(Codec<K, V> codec, ValueJoiner<? super V, ? super Enrichment, ? extends R> result) {
      this.codec = codec;
      this.result = result;
    }

    @Override
    public void init(ProcessorContext<K, R> context) {
      this.context = context;
    }

    @Override
    public void process(Record<Object, Object> record) {
      Envelope e = Envelope.decode((byte[]) record.key());
      String app = context.applicationId();
      V value = codec.value(e, app);
      R out = result.apply(value, Enrichment.of((EnrichedText) record.value()));
      context.forward(new Record<>(codec.key(e, app), out, record.timestamp()));
    }
  }

  /** Dead letters of the batch node (inference failed, too many windows): the user's record with the headers. */
  static final class Failed<K, V> implements Processor<Object, Object, K, V> {
    private final Codec<K, V> codec;
    private ProcessorContext<K, V> context;

    Failed(Codec<K, V> codec) {
      this.codec = codec;
    }

    @Override
    public void init(ProcessorContext<K, V> context) {
      this.context = context;
    }

    @Override
    public void process(Record<Object, Object> record) {
      Envelope e = Envelope.decode((byte[]) record.key());
      String app = context.applicationId();
      context.forward(new Record<>(codec.key(e, app), codec.value(e, app), record.timestamp(), record.headers()));
    }
  }

  /** Labelling requests, keyed by their example id as a string. */
  static final class Labelling implements Processor<Object, Object, String, TrainingExample> {
    private ProcessorContext<String, TrainingExample> context;

    @Override
    public void init(ProcessorContext<String, TrainingExample> context) {
      this.context = context;
    }

    @Override
    public void process(Record<Object, Object> record) {
      context.forward(new Record<>(new String((byte[]) record.key(), StandardCharsets.UTF_8),
          (TrainingExample) record.value(), record.timestamp()));
    }
  }

  /** Reads the user's key and value out of an envelope with the user's serdes. */
  record Codec<K, V>(Serde<K> keySerde, Serde<V> valueSerde, StepNames names) {
    K key(Envelope e, String applicationId) {
      return e.key() == null ? null : keySerde.deserializer().deserialize(names.changelog(applicationId), e.key());
    }

    V value(Envelope e, String applicationId) {
      return valueSerde.deserializer().deserialize(names.changelog(applicationId), e.value());
    }
  }
}
