package org.streambert.streams.processor.internals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streambert.streams.errors.RejectedRecordException;
import org.streambert.streams.errors.RejectedRecordException.Reason;
import org.streambert.streams.ops.NlpMetrics;

/**
 * Dead-letter records of the batch step: a pending record that cannot be enriched goes to the dead-letter sink as it
 * was read (raw key and value bytes, its headers), with the headers Kafka Streams' own dead-letter records carry
 * (KIP-1034: {@code __streams.errors.exception}, {@code .message}, {@code .stacktrace}, {@code .topic},
 * {@code .partition}, {@code .offset}) and {@value RejectedRecordException#REASON_HEADER}; it is logged and counted.
 */
public final class DeadLetters {

  private static final Logger LOG = LoggerFactory.getLogger(DeadLetters.class);

  private final ProcessorContext<byte[], Object> context;
  private final String sink;
  private final NlpMetrics metrics;

  DeadLetters(ProcessorContext<byte[], Object> context, String sink, NlpMetrics metrics) {
    this.context = context;
    this.sink = sink;
    this.metrics = metrics;
  }

  /** Forwards {@code record} to the dead-letter sink because of {@code failure}. */
  void send(PendingRecord record, Exception failure, Reason reason) {
    LOG.warn("record {} (topic {} partition {} offset {}): {}; sending it to the dead-letter topic: {}", record.id(),
        record.topic(), record.partition(), record.offset(), reason, failure.toString());
    context.forward(new Record<byte[], Object>(record.key(), record.rawValue(), record.timestamp(),
        headers(record, failure, reason)), sink);
    metrics.deadLettered(reason.name(), 1);
  }

  /** The record's own headers plus the dead-letter headers. */
  public static Headers headers(PendingRecord record, Exception failure, Reason reason) {
    Headers headers = record.headersCopy();
    StringWriter trace = new StringWriter();
    failure.printStackTrace(new PrintWriter(trace));
    headers.add("__streams.errors.exception", utf8(failure.getClass().getName()));
    headers.add("__streams.errors.message", utf8(String.valueOf(failure.getMessage())));
    headers.add("__streams.errors.stacktrace", utf8(trace.toString()));
    headers.add("__streams.errors.topic", utf8(String.valueOf(record.topic())));
    headers.add("__streams.errors.partition", utf8(String.valueOf(record.partition())));
    headers.add("__streams.errors.offset", utf8(String.valueOf(record.offset())));
    headers.add(RejectedRecordException.REASON_HEADER, utf8(reason.name()));
    return headers;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
