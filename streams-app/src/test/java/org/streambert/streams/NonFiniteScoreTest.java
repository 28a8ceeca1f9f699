package org.streambert.streams;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.streams.testing.Harness;
import org.streambert.streams.testing.TestModels;
import org.streambert.streams.testing.TestModels.RuleForwardPass;

/**
 * Issue 29: a forward pass that scores a record NaN sends that record (only) to the dead-letter topic with reason
 * {@code NON_FINITE_SCORE}, counted in {@code nlp_records_dead_lettered_total{reason}}; it is never written as a
 * result, from the model or from the duplicate cache.
 */
class NonFiniteScoreTest {

  @TempDir
  Path dir;

  private Harness h;

  @AfterEach
  void close() {
    if (h != null) {
      h.close();
    }
  }

  @Test
  void shouldDeadLetterOnlyTheRecordScoredNaNWithItsReasonAndCountIt() {
    RuleForwardPass pass = RuleForwardPass.standard();
    pass.nanToken = TestModels.VOCAB.indexOf("world");
    h = new Harness(dir, Map.of(NlpConfig.BATCH_MAX_SIZE_CONFIG, 3), cp -> { });
    h.models.swap(TestModels.serving("1", pass));
    assertEquals(0.0, deadLettered("NON_FINITE_SCORE"), "every reason is exported from the start");
    byte[] nan = h.avro("b", "hello world");
    h.send("a", "hello");
    h.input.pipeInput("b".getBytes(StandardCharsets.UTF_8), nan);
    h.send("c", "good");
    assertEquals(List.of(3), pass.batchSizes, "one batch: the NaN came out of a batch that otherwise succeeded");
    assertEquals(List.of("a", "c"), h.output.readRecordsToList().stream().map(Harness::key).toList());
    TestRecord<byte[], byte[]> dead = h.dlq.readRecord();
    assertEquals("b", Harness.key(dead));
    assertArrayEquals(nan, dead.value());
    assertEquals("NON_FINITE_SCORE", Harness.header(dead, "nlp.error.reason"));
    assertTrue(Harness.header(dead, "__streams.errors.message").contains("score of label"),
        Harness.header(dead, "__streams.errors.message"));
    assertEquals(1.0, deadLettered("NON_FINITE_SCORE"));

    h.send("d", "hello world"); // the same text again: a duplicate-cache answer is checked too
    h.send("e", "hello");
    h.send("f", "good day");
    assertEquals(List.of("e", "f"), h.output.readRecordsToList().stream().map(Harness::key).toList());
    assertEquals("d", Harness.key(h.dlq.readRecord()));
    assertEquals(2.0, deadLettered("NON_FINITE_SCORE"));
  }

  private double deadLettered(String reason) {
    return h.metrics.registry().get("nlp.records.dead.lettered").tag("reason", reason).counter().count();
  }
}
