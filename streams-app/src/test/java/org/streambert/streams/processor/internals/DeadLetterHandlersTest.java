package org.streambert.streams.processor.internals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler.Result;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;
import org.streambert.schemas.AvroSerdeException;
import org.streambert.streams.NlpTopology;
import org.streambert.streams.errors.RejectedRecordException;
import org.streambert.streams.errors.TransientFailureException;

/** Which failures are dead-lettered (permanent, per record) and which fail the task (transient, or stateful). */
class DeadLetterHandlersTest {

  private final DeadLetterHandlers.Processing handler = new DeadLetterHandlers.Processing();

  DeadLetterHandlersTest() {
    handler.configure(Map.of(StreamsConfig.APPLICATION_ID_CONFIG, "handlers-test",
        StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, "dlq"));
  }

  private ProcessingExceptionHandler.Response handle(String node, Exception e) {
    return handler.handleError(context(node), new Record<>("k".getBytes(StandardCharsets.UTF_8), "v", 0L), e);
  }

  @Test
  void shouldDeadLetterRecordsRefusedByValidation() {
    ProcessingExceptionHandler.Response r = handle(NlpTopology.VALIDATE,
        new RejectedRecordException(RejectedRecordException.Reason.UNDECODABLE, "bad bytes"));
    assertEquals(Result.RESUME, r.result());
    assertEquals(1, r.deadLetterQueueRecords().size());
    assertEquals("UNDECODABLE", new String(r.deadLetterQueueRecords().get(0).headers()
        .lastHeader(RejectedRecordException.REASON_HEADER).value(), StandardCharsets.UTF_8));
  }

  @Test
  void shouldFailTaskWhenRegistryIsUnavailable() {
    AvroSerdeException down = new AvroSerdeException(AvroSerdeException.Reason.REGISTRY_UNAVAILABLE, "in",
        "in-value", 1, "connection refused", null);
    ProcessingExceptionHandler.Response r = handle(NlpTopology.VALIDATE,
        new TransientFailureException("cannot decode now", down));
    assertEquals(Result.FAIL, r.result());
    assertTrue(r.deadLetterQueueRecords().isEmpty());
  }

  @Test
  void shouldFailTaskOnAnyFailureOfTheBatchProcessor() {
    ProcessingExceptionHandler.Response r = handle(NlpTopology.BATCH,
        new IllegalStateException("store.delete failed after part of the batch was forwarded"));
    assertEquals(Result.FAIL, r.result());
    assertTrue(r.deadLetterQueueRecords().isEmpty());
  }

  @Test
  void shouldDeadLetterUnexpectedValidationFailureOfOneRecord() {
    ProcessingExceptionHandler.Response r = handle(NlpTopology.VALIDATE, new IllegalArgumentException("odd"));
    assertEquals(Result.RESUME, r.result());
    assertEquals("PROCESSING_FAILED", new String(r.deadLetterQueueRecords().get(0).headers()
        .lastHeader(RejectedRecordException.REASON_HEADER).value(), StandardCharsets.UTF_8));
  }

  private static ErrorHandlerContext context(String node) {
    return new ErrorHandlerContext() {
      @Override
      public String topic() {
        return "in";
      }

      @Override
      public int partition() {
        return 0;
      }

      @Override
      public long offset() {
        return 7;
      }

      @Override
      public Headers headers() {
        return new RecordHeaders();
      }

      @Override
      public String processorNodeId() {
        return node;
      }

      @Override
      public TaskId taskId() {
        return new TaskId(0, 0);
      }

      @Override
      public long timestamp() {
        return 0;
      }

      @Override
      public byte[] sourceRawKey() {
        return "k".getBytes(StandardCharsets.UTF_8);
      }

      @Override
      public byte[] sourceRawValue() {
        return "v".getBytes(StandardCharsets.UTF_8);
      }
    };
  }
}
