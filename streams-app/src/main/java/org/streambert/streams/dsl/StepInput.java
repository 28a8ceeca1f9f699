package org.streambert.streams.dsl;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.kstream.ValueMapper;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.streambert.streams.dsl.internals.Envelope;
import org.streambert.streams.errors.RejectedRecordException;
import org.streambert.streams.errors.RejectedRecordException.Reason;
import org.streambert.streams.ops.NlpMetrics;
import org.streambert.streams.processor.internals.DeadLetters;
import org.streambert.streams.processor.internals.PendingRecord;

/**
 * The step's first node: takes the text (and id) of a user's record, refuses what cannot be enriched (null value,
 * empty, blank or over-long text, a text or id function that throws) to the step's dead letters as it came in, and
 * hands the rest to the batch node as a {@link PendingRecord} whose key is the user's key and value serialized with
 * the user's serdes ({@link Envelope}).
 */
final class StepInput<K, V> implements Processor<K, V, Object, Object> {

  private final StepNames names;
  private final Serde<K> keySerde;
  private final Serde<V> valueSerde;
  private final ValueMapper<? super V, String> text;
  private final ValueMapper<? super V, String> id;
  private final int maxCodePoints;
  private final NlpMetrics ownMetrics;
  private NlpMetrics metrics;
  private ProcessorContext<Object, Object> context;
  private String topic;

  StepInput(StepNames names, Serde<K> keySerde, Serde<V> valueSerde, ValueMapper<? super V, String> text,
      ValueMapper<? super V, String> id, int maxCodePoints, NlpMetrics metrics) { // metrics: null for the application's
    this.names = names;
    this.keySerde = keySerde;
    this.valueSerde = valueSerde;
    this.text = text;
    this.id = id;
    this.maxCodePoints = maxCodePoints;
    this.ownMetrics = metrics;
  }

  @Override
  public void init(ProcessorContext<Object, Object> context) {
    this.context = context;
    this.metrics = ownMetrics != null ? ownMetrics : NlpMetrics.from(context.appConfigs());
    // The bytes live in the pending store's changelog: serdes that use the topic (a schema registry) see that one.
    this.topic = names.changelog(context.applicationId());
  }

  @Override
  public void process(Record<K, V> record) {
    V value = record.value();
    if (value == null) {
      reject(record, new RejectedRecordException(Reason.EMPTY_RECORD, "record has a null value"));
      return;
    }
    String t;
    String recordId;
    try {
      t = text.apply(value);
      recordId = id == null ? null : id.apply(value);
    } catch (RuntimeException e) {
      reject(record, new RejectedRecordException(Reason.PROCESSING_FAILED, "the step's text or id function failed: "
          + e));
      return;
    }
    if (t == null || t.isBlank()) {
      reject(record, new RejectedRecordException(Reason.BLANK_TEXT, "text is null, empty or blank"));
      return;
    }
    int length = t.codePointCount(0, t.length());
    if (length > maxCodePoints) {
      reject(record, new RejectedRecordException(Reason.TEXT_TOO_LONG, "text has " + length
          + " code points, more than the limit " + maxCodePoints));
      return;
    }
    RecordMetadata meta = context.recordMetadata().orElse(null);
    String sourceTopic = meta == null ? null : meta.topic();
    int partition = meta == null ? -1 : meta.partition();
    long offset = meta == null ? -1 : meta.offset();
    if (recordId == null || recordId.isBlank()) {
      recordId = sourceTopic + "-" + partition + "-" + offset;
    }
    byte[] valueBytes = valueSerde.serializer().serialize(topic, record.headers(), value);
    if (valueBytes == null) {
      reject(record, new RejectedRecordException(Reason.PROCESSING_FAILED, "the value serde wrote null"));
      return;
    }
    byte[] key = new Envelope(keySerde.serializer().serialize(topic, record.headers(), record.key()), valueBytes)
        .encode();
    List<Header> headers = new ArrayList<>();
    for (Header h : record.headers()) {
      headers.add(new RecordHeader(h.key(), h.value()));
    }
    PendingRecord pending = new PendingRecord(key, null, recordId, t, record.timestamp(), record.timestamp(),
        sourceTopic, partition, offset, headers);
    context.forward(new Record<Object, Object>(key, pending, record.timestamp()), names.batch());
  }

  /** Forwards the record as it came in, with the dead-letter headers, to the step's dead letters. */
  private void reject(Record<K, V> record, RejectedRecordException failure) {
    RecordMetadata meta = context.recordMetadata().orElse(null);
    List<Header> headers = new ArrayList<>();
    for (Header h : record.headers()) {
      headers.add(new RecordHeader(h.key(), h.value()));
    }
    PendingRecord described = new PendingRecord(null, null, "", "", record.timestamp(), record.timestamp(),
        meta == null ? null : meta.topic(), meta == null ? -1 : meta.partition(), meta == null ? -1 : meta.offset(),
        headers);
    context.forward(new Record<Object, Object>(record.key(), record.value(), record.timestamp(),
        DeadLetters.headers(described, failure, failure.reason())), names.rejected());
    metrics.deadLettered(failure.reason().name(), 1);
  }
}
