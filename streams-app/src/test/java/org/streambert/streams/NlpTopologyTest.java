package org.streambert.streams;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.stream.IntStream;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.schemas.avro.EnrichedText;
import org.streambert.streams.testing.Harness;
import org.streambert.streams.testing.TestModels;
import org.streambert.streams.testing.TestModels.RuleForwardPass;

class NlpTopologyTest {

  @TempDir
  Path dir;

  private Harness h;
  private final RuleForwardPass pass = RuleForwardPass.standard();

  private Harness start(Map<String, ?> overrides, boolean withModel) {
    h = new Harness(dir, overrides, cp -> { });
    if (withModel) {
      h.models.swap(TestModels.serving("1", pass));
    }
    return h;
  }

  @AfterEach
  void close() {
    if (h != null) {
      h.close();
    }
  }

  @Test
  void shouldEnrichEachRecordUnderItsKeyWithModelVersionAndTimings() {
    start(Map.of(NlpConfig.BATCH_MAX_SIZE_CONFIG, 2), true);
    h.send("a", "good day alice");
    h.send("b", "bad day");
    List<TestRecord<byte[], EnrichedText>> out = h.output.readRecordsToList();
    assertEquals(2, out.size());
    EnrichedText a = out.get(0).value();
    assertEquals("a", Harness.key(out.get(0)));
    assertEquals("a", a.getId());
    assertEquals("good day alice", a.getText());
    assertEquals("bert-nlp", a.getModelName());
    assertEquals("1", a.getModelVersion());
    assertEquals("pos", a.getClassification().getLabel());
    assertEquals(0.9f, a.getClassification().getScore(), 1e-6);
    assertEquals(1, a.getEntities().size());
    assertEquals("PER", a.getEntities().get(0).getType());
    assertEquals("alice", a.getEntities().get(0).getText());
    assertEquals(9, a.getEntities().get(0).getStart());
    assertEquals(14, a.getEntities().get(0).getEnd());
    assertNotNull(a.getTimings());
    assertTrue(a.getTimings().getInferMicros() >= 0);
    assertEquals("b", Harness.key(out.get(1)));
    assertEquals("neg", out.get(1).value().getClassification().getLabel());
    assertTrue(out.get(1).value().getEntities().isEmpty());
  }

  @Test
  void shouldRunOneForwardPassWhenBatchReachesMaxSize() {
    start(Map.of(NlpConfig.BATCH_MAX_SIZE_CONFIG, 3, NlpConfig.BATCH_MAX_DELAY_MS_CONFIG, 60_000L), true);
    h.send("a", "hello");
    h.send("b", "world");
    assertTrue(h.output.isEmpty());
    h.send("c", "good");
    assertEquals(3, h.output.readRecordsToList().size());
    assertEquals(List.of(3), pass.batchSizes);
  }

  @Test
  void shouldRunPartialBatchAfterMaxDelay() {
    start(Map.of(NlpConfig.BATCH_MAX_SIZE_CONFIG, 32, NlpConfig.BATCH_MAX_DELAY_MS_CONFIG, 20L), true);
    h.send("a", "hello");
    h.send("b", "world");
    assertTrue(h.output.isEmpty());
    h.driver.advanceWallClockTime(Duration.ofMillis(20));
    assertEquals(List.of("a", "b"), h.output.readRecordsToList().stream().map(Harness::key).toList());
    assertEquals(List.of(2), pass.batchSizes);
  }

  @Test
  void shouldNotCountTheTimeOfAFullBatchAsWaitingOfTheRecordsAfterIt() {
    start(Map.of(NlpConfig.BATCH_MAX_SIZE_CONFIG, 2, NlpConfig.BATCH_MAX_DELAY_MS_CONFIG, 20L), true);
    // The full batch takes 200 ms of real time, during which the stream thread's cached clock stands still.
    pass.entered = new CountDownLatch(1);
    pass.proceed = new CountDownLatch(1);
    Thread release = new Thread(() -> {
      try {
        pass.entered.await();
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      pass.proceed.countDown();
    });
    release.start();
    h.send("a", "hello");
    h.send("b", "world");
    pass.entered = null;
    h.send("c", "good");
    h.driver.advanceWallClockTime(Duration.ofMillis(20));
    assertEquals(List.of(2), pass.batchSizes, "c arrived after the batch ended: it has not waited 20 ms yet");
    // Past the batch's real duration (200 ms and however long a loaded machine adds) plus the 20 ms delay.
    h.driver.advanceWallClockTime(Duration.ofMillis(2_000));
    assertEquals(List.of(2, 1), pass.batchSizes);
    assertEquals(List.of("a", "b", "c"), h.output.readRecordsToList().stream().map(Harness::key).toList());
  }

  @Test
  void shouldKeepInputOrderAcrossBatches() {
    start(Map.of(NlpConfig.BATCH_MAX_SIZE_CONFIG, 3), true);
    List<String> ids = IntStream.range(0, 8).mapToObj(i -> "r" + i).toList();
    ids.forEach(id -> h.send(id, "hello " + id));
    // The partial batch's wait starts when the batches before it really ended (real time, longer on a loaded
    // machine), so the mocked clock may have to move more than once.
    for (int i = 0; i < 40 && h.output.getQueueSize() < ids.size(); i++) {
      h.driver.advanceWallClockTime(Duration.ofMillis(50));
    }
    assertEquals(ids, h.output.readRecordsToList().stream().map(r -> r.value().getId()).toList());
  }

  @Test
  void shouldHoldRecordsWithoutModelAndProcessThemOnceOneIsLoaded() {
    start(Map.of(NlpConfig.BATCH_MAX_SIZE_CONFIG, 2), false);
    List<String> ids = List.of("x1", "x2", "x3", "x4", "x5");
    ids.forEach(id -> h.send(id, "hello"));
    h.driver.advanceWallClockTime(Duration.ofMillis(100));
    assertTrue(h.output.isEmpty());
    assertEquals(5L, h.pendingRecords());

    h.models.swap(TestModels.serving("7", pass));
    h.driver.advanceWallClockTime(Duration.ofMillis(100));
    List<TestRecord<byte[], EnrichedText>> out = h.output.readRecordsToList();
    assertEquals(ids, out.stream().map(r -> r.value().getId()).toList());
    assertTrue(out.stream().allMatch(r -> r.value().getModelVersion().equals("7")));
    assertEquals(0L, h.pendingRecords());
  }

  @Test
  void shouldSendUndecodableAvroToDeadLetterTopicWithRawBytesAndReason() {
    start(Map.of(NlpConfig.BATCH_MAX_SIZE_CONFIG, 1), true);
    byte[] garbage = {0, 0, 0, 0, 42, 1, 2, 3};
    h.input.pipeInput("bad".getBytes(StandardCharsets.UTF_8), garbage);
    h.send("ok", "hello");
    TestRecord<byte[], byte[]> dead = h.dlq.readRecord();
    assertArrayEquals(garbage, dead.value());
    assertEquals("bad", Harness.key(dead));
    assertEquals("UNDECODABLE", Harness.header(dead, "nlp.error.reason"));
    assertNotNull(Harness.header(dead, "__streams.errors.exception"));
    assertEquals("ok", Harness.key(h.output.readRecord()));
    assertTrue(h.dlq.isEmpty());
  }

  @Test
  void shouldSendBlankTextToDeadLetterTopic() {
    start(Map.of(NlpConfig.BATCH_MAX_SIZE_CONFIG, 1), true);
    byte[] raw = h.avro("blank", "   ");
    h.input.pipeInput("blank".getBytes(StandardCharsets.UTF_8), raw);
    TestRecord<byte[], byte[]> dead = h.dlq.readRecord();
    assertArrayEquals(raw, dead.value());
    assertEquals("BLANK_TEXT", Harness.header(dead, "nlp.error.reason"));
    assertEquals(h.config.inputTopic(), Harness.header(dead, "__streams.errors.topic"));
    assertTrue(h.output.isEmpty());
  }

  @Test
  void shouldSendOverLongTextToDeadLetterTopic() {
    start(Map.of(NlpConfig.BATCH_MAX_SIZE_CONFIG, 1, NlpConfig.TEXT_MAX_CHARS_CONFIG, 10), true);
    byte[] raw = h.avro("long", "hello world hello");
    h.input.pipeInput("long".getBytes(StandardCharsets.UTF_8), raw);
    h.send("short", "hello");
    TestRecord<byte[], byte[]> dead = h.dlq.readRecord();
    assertArrayEquals(raw, dead.value());
    assertEquals("TEXT_TOO_LONG", Harness.header(dead, "nlp.error.reason"));
    assertEquals("short", Harness.key(h.output.readRecord()));
  }

  @Test
  void shouldSendInvalidUtf8ToDeadLetterTopicInTextMode() {
    start(Map.of(NlpConfig.BATCH_MAX_SIZE_CONFIG, 1, NlpConfig.INPUT_FORMAT_CONFIG, "text"), true);
    byte[] invalid = {'h', 'i', (byte) 0xC3, (byte) 0x28};
    h.input.pipeInput("k".getBytes(StandardCharsets.UTF_8), invalid);
    TestRecord<byte[], byte[]> dead = h.dlq.readRecord();
    assertArrayEquals(invalid, dead.value());
    assertEquals("INVALID_UTF8", Harness.header(dead, "nlp.error.reason"));
    assertTrue(h.output.isEmpty());
  }

  @Test
  void shouldEnrichPlainTextWithoutKeyUnderGeneratedId() {
    start(Map.of(NlpConfig.BATCH_MAX_SIZE_CONFIG, 1, NlpConfig.INPUT_FORMAT_CONFIG, "text"), true);
    h.input.pipeInput((byte[]) null, "good day bob".getBytes(StandardCharsets.UTF_8));
    TestRecord<byte[], EnrichedText> out = h.output.readRecord();
    String id = h.config.inputTopic() + "-0-0";
    assertEquals(id, Harness.key(out));
    assertEquals(id, out.value().getId());
    assertEquals("pos", out.value().getClassification().getLabel());
    assertEquals("bob", out.value().getEntities().get(0).getText());
  }

  @Test
  void shouldSendOnlyTheRecordThatBreaksInferenceToDeadLetterTopic() {
    start(Map.of(NlpConfig.BATCH_MAX_SIZE_CONFIG, 3), true);
    byte[] bad = h.avro("b", "hello boom");
    h.send("a", "hello");
    h.input.pipeInput("b".getBytes(StandardCharsets.UTF_8), bad);
    h.send("c", "good");
    assertEquals(List.of("a", "c"), h.output.readRecordsToList().stream().map(Harness::key).toList());
    TestRecord<byte[], byte[]> dead = h.dlq.readRecord();
    assertEquals("b", Harness.key(dead));
    assertArrayEquals(bad, dead.value());
    assertEquals("INFERENCE_FAILED", Harness.header(dead, "nlp.error.reason"));
    assertEquals("1", Harness.header(dead, "__streams.errors.offset"));
    assertTrue(h.dlq.isEmpty());
    assertEquals(0L, h.pendingRecords());
  }

  @Test
  void shouldAnswerRepeatedTextsFromTheCacheWithOutputsIdenticalToUncachedOnes() {
    List<String> texts = List.of("good day alice", "bad day", "good day alice", "bob is good", "bad day",
        "good day alice");
    RuleForwardPass plain = RuleForwardPass.standard();
    List<EnrichedText> uncached = enrich(texts, 0, plain);
    RuleForwardPass withCache = RuleForwardPass.standard();
    List<EnrichedText> cached = enrich(texts, 100, withCache);
    assertEquals(List.of(3, 3), plain.batchSizes);
    assertEquals(List.of(2, 1), withCache.batchSizes,
        "distinct new texts per batch of 3: {good day alice, bad day}, then {bob is good}");
    assertEquals(texts.size(), cached.size());
    for (int i = 0; i < texts.size(); i++) {
      EnrichedText a = uncached.get(i);
      EnrichedText b = cached.get(i);
      assertEquals(a.getId(), b.getId());
      assertEquals(a.getClassification(), b.getClassification(), texts.get(i));
      assertEquals(a.getEntities(), b.getEntities(), texts.get(i));
      assertEquals(a.getWindowCount(), b.getWindowCount());
      assertEquals(a.getModelVersion(), b.getModelVersion());
    }
    MeterRegistry registry = h.metrics.registry();
    assertEquals(3.0, registry.get("nlp.cache.hits").functionCounter().count());
    assertEquals(3.0, registry.get("nlp.cache.misses").functionCounter().count());
    assertEquals(3.0, registry.get("nlp.cache.entries").gauge().value());
  }

  /** Enriches {@code texts} in batches of 3 with a fresh harness, the given cache size and forward pass. */
  private List<EnrichedText> enrich(List<String> texts, int cacheEntries, RuleForwardPass forward) {
    if (h != null) {
      h.close();
    }
    h = new Harness(dir.resolve("cache-" + cacheEntries), Map.of(NlpConfig.BATCH_MAX_SIZE_CONFIG, 3,
        NlpConfig.BATCH_MAX_DELAY_MS_CONFIG, 60_000L, NlpConfig.CACHE_MAX_ENTRIES_CONFIG, cacheEntries), cp -> { });
    h.models.swap(TestModels.serving("1", forward));
    for (int i = 0; i < texts.size(); i++) {
      h.send("k" + i, texts.get(i));
    }
    return h.output.readValuesToList();
  }
}
