package org.streambert.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.schemas.avro.EnrichedText;
import org.streambert.streams.testing.Harness;
import org.streambert.streams.testing.TestModels;
import org.streambert.streams.testing.TestModels.RuleForwardPass;

/**
 * The work of one record and one batch is bounded: the test model runs windows of 30 words (sequence length 32), so a
 * text of 61 words runs in 3 windows.
 */
class BoundedBatchTopologyTest {

  @TempDir
  Path dir;

  private Harness h;
  private final RuleForwardPass pass = RuleForwardPass.standard();

  private Harness start(Map<String, ?> overrides) {
    Map<String, Object> settings = new HashMap<>(overrides);
    // The texts here repeat: without the duplicate cache every record reaches the forward pass, which counts batches.
    settings.putIfAbsent(NlpConfig.CACHE_MAX_ENTRIES_CONFIG, 0);
    h = new Harness(dir, settings, cp -> { });
    h.models.swap(TestModels.serving("1", pass));
    return h;
  }

  @AfterEach
  void close() {
    if (h != null) {
      h.close();
    }
  }

  private static String words(int n, String word) {
    return String.join(" ", Collections.nCopies(n, word));
  }

  @Test
  void shouldDeadLetterTextOverWindowCapByDefault() {
    start(Map.of(NlpConfig.BATCH_MAX_SIZE_CONFIG, 1, NlpConfig.TEXT_MAX_WINDOWS_CONFIG, 2));
    h.send("long", words(61, "hello"));
    h.send("fits", words(60, "hello"));
    TestRecord<byte[], byte[]> dead = h.dlq.readRecord();
    assertEquals("long", Harness.key(dead));
    assertEquals("TOO_MANY_WINDOWS", Harness.header(dead, "nlp.error.reason"));
    assertTrue(Harness.header(dead, "__streams.errors.message").contains("3 windows"));
    assertTrue(h.dlq.isEmpty());
    assertEquals(1.0, h.metrics.registry().get("nlp.records.dead.lettered").tag("reason", "TOO_MANY_WINDOWS")
        .counter().count(), "counted under its own reason");
    assertEquals(0.0, h.metrics.registry().get("nlp.records.dead.lettered").tag("reason", "INFERENCE_FAILED")
        .counter().count());
    EnrichedText out = h.output.readRecord().value();
    assertEquals("fits", out.getId());
    assertEquals(2, out.getWindowCount());
    assertFalse(out.getTruncated());
    assertTrue(pass.batchSizes.stream().mapToInt(Integer::intValue).sum() <= 2, "the long text never ran");
  }

  @Test
  void shouldRunFirstWindowsAndFlagTruncatedUnderTruncatePolicy() {
    start(Map.of(NlpConfig.BATCH_MAX_SIZE_CONFIG, 1, NlpConfig.TEXT_MAX_WINDOWS_CONFIG, 2,
        NlpConfig.TEXT_MAX_WINDOWS_POLICY_CONFIG, "truncate"));
    String text = "alice " + words(58, "hello") + " bob " + words(40, "hello") + " alice";
    h.send("long", text);
    EnrichedText out = h.output.readRecord().value();
    assertTrue(out.getTruncated());
    assertEquals(text, out.getText(), "the output keeps the whole text");
    assertEquals(2, out.getWindowCount());
    assertEquals(2, pass.batchSizes.stream().mapToInt(Integer::intValue).sum(), "two windows ran, not four");
    int prefixEnd = ("alice " + words(58, "hello") + " bob").length();
    assertFalse(out.getEntities().isEmpty());
    assertTrue(out.getEntities().stream().allMatch(e -> e.getEnd() <= prefixEnd), out.getEntities().toString());
    assertTrue(h.dlq.isEmpty());
  }

  @Test
  void shouldCutBatchAtItsPaddedTokenBudget() {
    start(Map.of(NlpConfig.BATCH_MAX_SIZE_CONFIG, 4, NlpConfig.BATCH_MAX_TOKENS_CONFIG, 64,
        NlpConfig.BATCH_MAX_DELAY_MS_CONFIG, 20L));
    for (String id : List.of("a", "b", "c", "d")) {
      h.send(id, "hello");
    }
    // 4 records reach the batch size, but only 2 windows of 32 padded tokens fit in 64
    assertEquals(List.of("a", "b"), h.output.readRecordsToList().stream().map(Harness::key).toList());
    h.driver.advanceWallClockTime(Duration.ofMillis(20));
    assertEquals(List.of("c", "d"), h.output.readRecordsToList().stream().map(Harness::key).toList());
    assertEquals(List.of(2, 2), pass.batchSizes);
  }

  @Test
  void shouldRunRecordLargerThanTheBudgetAlone() {
    start(Map.of(NlpConfig.BATCH_MAX_SIZE_CONFIG, 2, NlpConfig.BATCH_MAX_TOKENS_CONFIG, 32));
    h.send("big", words(45, "hello"));
    h.send("small", "hello");
    assertEquals(List.of("big"), h.output.readRecordsToList().stream().map(Harness::key).toList());
    h.driver.advanceWallClockTime(Duration.ofMillis(100));
    assertEquals(List.of("small"), h.output.readRecordsToList().stream().map(Harness::key).toList());
  }

  @Test
  void shouldShrinkDrainBatchToWhatFitsBeforeTheDrainDeadline() {
    start(Map.of(NlpConfig.BATCH_MAX_SIZE_CONFIG, 32, NlpConfig.BATCH_MAX_DELAY_MS_CONFIG, 20L,
        NlpConfig.BATCH_DRAIN_MAX_MS_CONFIG, 100L));
    pass.sleepMsPerWindow = 20; // 0.625 ms per padded token of 32
    for (int i = 0; i < 4; i++) {
      h.send("a" + i, "hello");
    }
    h.driver.advanceWallClockTime(Duration.ofMillis(20)); // a first batch of 4 (80 ms) measures the speed
    assertEquals(List.of(4), pass.batchSizes);
    for (int i = 0; i < 28; i++) {
      h.send("b" + i, "hello");
    }
    h.driver.advanceWallClockTime(Duration.ofMillis(20));
    // 28 windows would take 560 ms; the 100 ms drain takes only what fits (5 at the measured speed; fewer if slower)
    int second = pass.batchSizes.get(1);
    assertTrue(second >= 1 && second <= 6, "drain batch of " + second + " records: " + pass.batchSizes);
    for (int i = 0; i < 40 && h.output.getQueueSize() < 32; i++) {
      h.driver.advanceWallClockTime(Duration.ofMillis(20));
    }
    List<String> keys = h.output.readRecordsToList().stream().map(Harness::key).toList();
    assertEquals(32, keys.size());
    assertEquals("a0", keys.get(0));
    assertEquals("b27", keys.get(31));
  }
}
