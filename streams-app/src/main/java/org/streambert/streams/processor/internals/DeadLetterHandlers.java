package org.streambert.streams.processor.internals;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.errors.LogAndContinueProcessingExceptionHandler;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.apache.kafka.streams.errors.ProductionExceptionHandler.SerializationExceptionOrigin;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streambert.streams.errors.RejectedRecordException;
import org.streambert.streams.errors.RejectedRecordException.Reason;
import org.streambert.streams.errors.TransientFailureException;
import org.streambert.streams.ops.NlpMetrics;

/**
 * Kafka Streams' log-and-continue handlers with the dead-letter topic (KIP-1033/KIP-1034): the dead-letter record
 * keeps the raw source key and value and Kafka's {@code __streams.errors.*} headers (exception, message, stack trace,
 * topic, partition, offset); these subclasses add header {@value RejectedRecordException#REASON_HEADER} with a
 * {@link Reason} and count the record. A bad record never stops a stream thread; a transient
 * failure, or any failure of the stateful batch processor or its punctuator, fails the task instead (see
 * {@link Processing#handleError}); a failed write never dead-letters anything ({@link Production}).
 */
public final class DeadLetterHandlers {

  private static final Logger LOG = LoggerFactory.getLogger(DeadLetterHandlers.class);

  private DeadLetterHandlers() {
  }

  /** For {@code deserialization.exception.handler}: undecodable records. */
  public static final class Deserialization extends LogAndContinueExceptionHandler {
    private NlpMetrics metrics;

    @Override
    public void configure(Map<String, ?> configs) {
      super.configure(configs);
      metrics = NlpMetrics.from(configs);
    }

    @Override
    public DeserializationExceptionHandler.Response handleError(ErrorHandlerContext context,
        ConsumerRecord<byte[], byte[]> record, Exception exception) {
      if (TransientFailureException.isTransient(exception)) {
        LOG.warn("failing task {}: transient failure decoding {}-{}@{}: {}", context.taskId(), record.topic(),
            record.partition(), record.offset(), exception.toString());
        return DeserializationExceptionHandler.Response.fail();
      }
      DeserializationExceptionHandler.Response response = super.handleError(context, record, exception);
      tag(response.deadLetterQueueRecords(), Reason.UNDECODABLE, metrics);
      return response;
    }
  }

  /** For {@code processing.exception.handler}: records refused by validation, and unexpected failures. */
  public static final class Processing extends LogAndContinueProcessingExceptionHandler {
    private NlpMetrics metrics;

    @Override
    public void configure(Map<String, ?> configs) {
      super.configure(configs);
      metrics = NlpMetrics.from(configs);
    }

    /**
     * Dead-letters records the validation step refused or failed on; fails the task (the transaction aborts and the
     * records are retried, nothing is dead-lettered) for transient failures and for anything thrown by a processor
     * other than validation — the batch processor holds state (its pending store, a half-forwarded batch), so
     * continuing after a failure there would commit part of a batch and leave the rest pending.
     */
    @Override
    public ProcessingExceptionHandler.Response handleError(ErrorHandlerContext context, Record<?, ?> record,
        Exception exception) {
      if (!(exception instanceof RejectedRecordException)
          && (TransientFailureException.isTransient(exception) || !perRecordNode(context))) {
        LOG.warn("failing task {} (processor {}) so that its transaction aborts and its records are retried: {}",
            context.taskId(), context.processorNodeId(), exception.toString());
        return ProcessingExceptionHandler.Response.fail();
      }
      ProcessingExceptionHandler.Response response = super.handleError(context, record, exception);
      Reason reason = exception instanceof RejectedRecordException r
          ? r.reason() : Reason.PROCESSING_FAILED;
      tag(response.deadLetterQueueRecords(), reason, metrics);
      return response;
    }
  }

  /**
   * For {@code production.exception.handler}: a record the app failed to write (an output, a store's changelog
   * record, a dead letter) says nothing about the input that made it, so it is never dead-lettered. Kafka's default
   * handler retries a {@code RetriableException} (NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS, a timeout: the task is
   * retried) but fails the task on anything else <em>with dead-letter records built from the input</em> once a
   * dead-letter topic is set (KIP-1034); under {@code exactly_once_v2} they land in the transaction that then aborts —
   * invisible to read_committed readers, but a read_uncommitted reader of the dead-letter topic (the console
   * consumer's default) would see a good record dead-lettered for a broker's fault. This handler retries what Kafka's
   * retries and fails the task without dead letters otherwise, so the records are processed again.
   */
  public static final class Production implements ProductionExceptionHandler {

    @Override
    public void configure(Map<String, ?> configs) {
      // nothing to configure
    }

    @Override
    public ProductionExceptionHandler.Response handleError(ErrorHandlerContext context,
        ProducerRecord<byte[], byte[]> record, Exception exception) {
      if (TransientFailureException.isTransient(exception)) {
        return ProductionExceptionHandler.Response.retry();
      }
      LOG.warn("failing task {}: cannot write to {}: {}; the input is processed again, not dead-lettered",
          context.taskId(), record.topic(), exception.toString());
      return ProductionExceptionHandler.Response.fail();
    }

    @Override
    public ProductionExceptionHandler.Response handleSerializationError(ErrorHandlerContext context,
        ProducerRecord record, Exception exception, SerializationExceptionOrigin origin) {
      LOG.warn("failing task {}: cannot serialize the {} of a record for {}: {}; the input is processed again, not "
          + "dead-lettered", context.taskId(), origin, record.topic(), exception.toString());
      return ProductionExceptionHandler.Response.fail();
    }
  }

  /** Nodes whose failures concern only the record at hand (stateless): the validation step. */
  private static boolean perRecordNode(ErrorHandlerContext context) {
    return ValidateProcessor.NAME.equals(context.processorNodeId());
  }

  private static void tag(List<ProducerRecord<byte[], byte[]>> records, Reason reason, NlpMetrics metrics) {
    for (ProducerRecord<byte[], byte[]> r : records) {
      r.headers().add(RejectedRecordException.REASON_HEADER, reason.name().getBytes(StandardCharsets.UTF_8));
    }
    (metrics == null ? NlpMetrics.from(null) : metrics).deadLettered(reason.name(), records.size());
  }
}
