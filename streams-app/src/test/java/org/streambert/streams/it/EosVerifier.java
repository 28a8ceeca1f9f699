package org.streambert.streams.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.streambert.schemas.avro.EnrichedText;

/**
 * The read_committed verifier of the broker suites (after Kafka's own {@code EosTestDriver.verify}): it reads the
 * output and dead-letter topics to their last stable offsets and checks that every input is in exactly one of them
 * exactly once, that outputs keep input order per partition, and that the dead-letter topic holds exactly the poison
 * pills, each with its raw bytes and expected reason. It prints {@code ALL-RECORDS-DELIVERED} when all of that holds.
 */
final class EosVerifier {

  /** One record produced: its key, partition, the DLQ reason expected (null: an output), and when it was sent. */
  record Sent(String id, int partition, String expectedReason, long sentAtMs) {
  }

  /** What the verifier read. */
  record Report(List<ConsumerRecord<String, EnrichedText>> outputs, List<ConsumerRecord<String, byte[]>> deadLetters,
      int lost, int duplicated, int pills) {
  }

  private EosVerifier() {
  }

  /**
   * Reads and checks (see the class comment); {@code pillBytes} holds the raw bytes each poison pill was sent with.
   */
  static Report verify(String bootstrap, String registryUrl, String outputTopic, String dlqTopic, List<Sent> sent,
      Map<String, byte[]> pillBytes) {
    List<ConsumerRecord<String, EnrichedText>> outputs = ItSupport.readAllCommitted(bootstrap, outputTopic,
        ItSupport.enrichedDeserializer(registryUrl));
    List<ConsumerRecord<String, byte[]>> dead = ItSupport.readAllCommitted(bootstrap, dlqTopic,
        new ByteArrayDeserializer());
    Map<String, Integer> counts = new LinkedHashMap<>();
    Map<Integer, List<String>> received = new TreeMap<>();
    for (ConsumerRecord<String, EnrichedText> r : outputs) {
      counts.merge(r.key(), 1, Integer::sum);
      received.computeIfAbsent(r.partition(), p -> new ArrayList<>()).add(r.key());
      assertEquals(r.key(), r.value().getId(), "an output's key differs from its input's id");
    }
    Map<String, String> reasons = new LinkedHashMap<>();
    for (ConsumerRecord<String, byte[]> r : dead) {
      counts.merge(r.key(), 1, Integer::sum);
      assertTrue(Arrays.equals(pillBytes.get(r.key()), r.value()), "DLQ record " + r.key() + " lost its raw bytes");
      Header reason = r.headers().lastHeader("nlp.error.reason");
      reasons.put(r.key(), reason == null ? null : new String(reason.value(), StandardCharsets.UTF_8));
    }
    Map<Integer, List<String>> expectedOrder = new TreeMap<>();
    Map<String, String> expectedReasons = new TreeMap<>();
    for (Sent s : sent) {
      if (s.expectedReason() == null) {
        expectedOrder.computeIfAbsent(s.partition(), p -> new ArrayList<>()).add(s.id());
      } else {
        expectedReasons.put(s.id(), s.expectedReason());
      }
    }
    List<String> duplicated = counts.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey)
        .sorted().toList();
    List<String> lost = sent.stream().map(Sent::id).filter(id -> !counts.containsKey(id)).sorted().toList();
    System.out.printf("%d records produced (%d poison pills); %d outputs, %d dead letters, %d lost, %d duplicated%n",
        sent.size(), expectedReasons.size(), outputs.size(), dead.size(), lost.size(), duplicated.size());
    assertEquals(List.of(), duplicated, "inputs in the output or DLQ more than once");
    assertEquals(List.of(), lost, "inputs in neither the output nor the DLQ");
    assertEquals(expectedReasons, new TreeMap<>(reasons), "the DLQ holds exactly the poison pills, with their reasons");
    assertEquals(expectedOrder, received, "outputs are not in input order per partition");
    System.out.println("ALL-RECORDS-DELIVERED");
    return new Report(outputs, dead, lost.size(), duplicated.size(), expectedReasons.size());
  }
}
