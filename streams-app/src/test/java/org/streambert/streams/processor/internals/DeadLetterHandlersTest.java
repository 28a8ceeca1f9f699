package org.streambert.streams.processor.internals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.CoordinatorLoadInProgressException;
import org.apache.kafka.common.errors.CoordinatorNotAvailableException;
import org.apache.kafka.common.errors.NotCoordinatorException;
import org.apache.kafka.common.errors.NotEnoughReplicasAfterAppendException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DefaultProductionExceptionHandler;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler.Result;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;
import org.streambert.schemas.AvroSerdeException;
import org.streambert.streams.NlpTopology;
import org.streambert.streams.errors.RejectedRecordException;
import org.streambert.streams.errors.TransientFailureException;

/**
 * Which failures are dead-lettered (permanent, per record) and which fail the task (transient, or stateful); a broker
 * fault never dead-letters anything.
 */
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

  /**
   * What a broker fault throws into the app: leader moves (NOT_LEADER_OR_FOLLOWER), an ISR below
   * {@code min.insync.replicas} (NOT_ENOUGH_REPLICAS), coordinator moves and timeouts, bare and wrapped as Kafka and
   * Kafka Streams wrap them.
   */
  private static List<Exception> brokerFaults() {
    List<Exception> bare = List.of(new NotLeaderOrFollowerException("leader moved"),
        new NotEnoughReplicasException("isr 1 < min.insync.replicas 2"),
        new NotEnoughReplicasAfterAppendException("isr shrank after append"),
        new NotCoordinatorException("coordinator moved"), new CoordinatorNotAvailableException("loading"),
        new CoordinatorLoadInProgressException("loading"), new TimeoutException("broker down"));
    List<Exception> all = new ArrayList<>(bare);
    for (Exception e : bare) {
      all.add(new StreamsException("task failed", e));
      all.add(new KafkaException("send failed", e));
    }
    return all;
  }

  @Test
  void shouldNeverDeadLetterARecordForABrokerFault() {
    DeadLetterHandlers.Deserialization deserialization = new DeadLetterHandlers.Deserialization();
    deserialization.configure(Map.of(StreamsConfig.APPLICATION_ID_CONFIG, "handlers-test",
        StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, "dlq"));
    for (Exception fault : brokerFaults()) {
      ProcessingExceptionHandler.Response p = handle(NlpTopology.VALIDATE, fault);
      assertEquals(Result.FAIL, p.result(), fault.toString());
      assertTrue(p.deadLetterQueueRecords().isEmpty(), fault.toString());
      DeserializationExceptionHandler.Response d = deserialization.handleError(context(NlpTopology.VALIDATE),
          new ConsumerRecord<>("in", 0, 7, new byte[] {1}, new byte[] {2}), fault);
      assertEquals(DeserializationExceptionHandler.Result.FAIL, d.result(), fault.toString());
      assertTrue(d.deadLetterQueueRecords().isEmpty(), fault.toString());
    }
  }

  @Test
  void shouldRetryAFailedWriteOnABrokerFaultWithoutDeadLetters() {
    for (Exception fault : brokerFaults()) {
      ProductionExceptionHandler.Response r = production().handleError(context(NlpTopology.BATCH), output(), fault);
      assertEquals(ProductionExceptionHandler.Result.RETRY, r.result(), fault.toString());
      assertTrue(r.deadLetterQueueRecords().isEmpty(), fault.toString());
    }
  }

  @Test
  void shouldFailTheTaskWithoutDeadLettersWhenAWriteFailsForGood() {
    Exception tooLarge = new RecordTooLargeException("output of 3 MB");
    ProductionExceptionHandler.Response r = production().handleError(context(NlpTopology.BATCH), output(), tooLarge);
    assertEquals(ProductionExceptionHandler.Result.FAIL, r.result());
    assertTrue(r.deadLetterQueueRecords().isEmpty(), "the input is processed again, not dead-lettered");
    ProductionExceptionHandler.Response s = production().handleSerializationError(context(NlpTopology.BATCH),
        output(), new IllegalStateException("registry down"),
        ProductionExceptionHandler.SerializationExceptionOrigin.VALUE);
    assertEquals(ProductionExceptionHandler.Result.FAIL, s.result());
    assertTrue(s.deadLetterQueueRecords().isEmpty());
    // Kafka's default handler would have dead-lettered the input (in the transaction that aborts: visible to
    // read_uncommitted readers of the dead-letter topic).
    DefaultProductionExceptionHandler kafkas = new DefaultProductionExceptionHandler();
    kafkas.configure(Map.of(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, "dlq"));
    assertEquals(1, kafkas.handleError(context(NlpTopology.BATCH), output(), tooLarge).deadLetterQueueRecords().size());
  }

  private static DeadLetterHandlers.Production production() {
    DeadLetterHandlers.Production handler = new DeadLetterHandlers.Production();
    handler.configure(Map.of(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, "dlq"));
    return handler;
  }

  private static ProducerRecord<byte[], byte[]> output() {
    return new ProducerRecord<>("out", new byte[] {1}, new byte[] {2});
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
