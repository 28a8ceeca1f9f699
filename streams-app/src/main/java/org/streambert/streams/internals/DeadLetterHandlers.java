package org.streambert.streams.internals;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.errors.LogAndContinueProcessingExceptionHandler;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Kafka Streams' log-and-continue handlers with the dead-letter topic (KIP-1033/KIP-1034): the dead-letter record
 * keeps the raw source key and value and Kafka's {@code __streams.errors.*} headers (exception, message, stack trace,
 * topic, partition, offset); these subclasses add header {@value #REASON_HEADER} with a
 * {@link RejectedRecordException.Reason} and count the record. A bad record never stops a stream thread.
 */
public final class DeadLetterHandlers {

  /** Header with the machine-readable reason, one of {@link RejectedRecordException.Reason}. */
  public static final String REASON_HEADER = "nlp.error.reason";

  private DeadLetterHandlers() {
  }

  /** For {@code deserialization.exception.handler}: undecodable records. */
  public static final class Deserialization extends LogAndContinueExceptionHandler {
    private String applicationId;
    private NlpMetrics metrics;

    @Override
    public void configure(Map<String, ?> configs) {
      super.configure(configs);
      applicationId = String.valueOf(configs.get(StreamsConfig.APPLICATION_ID_CONFIG));
      metrics = NlpMetrics.from(configs);
    }

    @Override
    public DeserializationExceptionHandler.Response handleError(ErrorHandlerContext context,
        ConsumerRecord<byte[], byte[]> record, Exception exception) {
      DeserializationExceptionHandler.Response response = super.handleError(context, record, exception);
      tag(response.deadLetterQueueRecords(), RejectedRecordException.Reason.UNDECODABLE, applicationId, metrics);
      return response;
    }
  }

  /** For {@code processing.exception.handler}: records refused by validation, and unexpected failures. */
  public static final class Processing extends LogAndContinueProcessingExceptionHandler {
    private String applicationId;
    private NlpMetrics metrics;

    @Override
    public void configure(Map<String, ?> configs) {
      super.configure(configs);
      applicationId = String.valueOf(configs.get(StreamsConfig.APPLICATION_ID_CONFIG));
      metrics = NlpMetrics.from(configs);
    }

    @Override
    public ProcessingExceptionHandler.Response handleError(ErrorHandlerContext context, Record<?, ?> record,
        Exception exception) {
      ProcessingExceptionHandler.Response response = super.handleError(context, record, exception);
      RejectedRecordException.Reason reason = exception instanceof RejectedRecordException r
          ? r.reason() : RejectedRecordException.Reason.PROCESSING_FAILED;
      tag(response.deadLetterQueueRecords(), reason, applicationId, metrics);
      return response;
    }
  }

  private static void tag(java.util.List<ProducerRecord<byte[], byte[]>> records,
      RejectedRecordException.Reason reason, String applicationId, NlpMetrics metrics) {
    for (ProducerRecord<byte[], byte[]> r : records) {
      r.headers().add(REASON_HEADER, reason.name().getBytes(StandardCharsets.UTF_8));
    }
    DeadLetters.counter(applicationId).addAndGet(records.size());
    (metrics == null ? NlpMetrics.from(null) : metrics).deadLettered(reason.name(), records.size());
  }
}
