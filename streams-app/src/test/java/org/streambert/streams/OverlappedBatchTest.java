package org.streambert.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.streambert.streams.testing.Harness;
import org.streambert.streams.testing.TestModels;
import org.streambert.streams.testing.TestModels.RuleForwardPass;

/**
 * {@code nlp.batch.overlap}: a batch's forward pass runs on the stream thread's worker, and only the stream thread
 * forwards its results and deletes its records, in input order; a worker's failure takes the synchronous path; close()
 * never leaves a batch using the model and never forwards its results.
 */
class OverlappedBatchTest {

  private static final long WAIT_MS = 10_000;

  @TempDir
  Path dir;

  private Harness h;
  private final RuleForwardPass pass = RuleForwardPass.standard();

  private Harness start(boolean overlap, Map<String, ?> more) {
    Map<String, Object> overrides = new HashMap<>(Map.of(NlpConfig.BATCH_OVERLAP_CONFIG, overlap,
        NlpConfig.BATCH_MAX_SIZE_CONFIG, 2, NlpConfig.BATCH_MAX_DELAY_MS_CONFIG, 60_000L));
    overrides.putAll(more);
    h = new Harness(dir, overrides, cp -> { });
    h.models.swap(TestModels.serving("1", pass));
    return h;
  }

  @AfterEach
  void close() {
    if (h != null) {
      h.close();
    }
  }

  @Test
  void shouldKeepRecordsPendingWhileInFlightAndForwardOnlyFromTheStreamThreadInInputOrder() throws Exception {
    start(true, Map.of());
    hold();
    h.send("a", "good");
    h.send("b", "bad"); // a whole batch: handed to the worker
    assertTrue(pass.entered.await(WAIT_MS, TimeUnit.MILLISECONDS), "the forward pass started");
    assertTrue(h.output.isEmpty());
    assertEquals(2, h.pendingRecords(), "records in flight stay in the pending store");
    h.send("c", "good"); // the stream thread keeps taking records while the batch runs
    assertEquals(3, h.pendingRecords());

    pass.proceed.countDown();
    waitUntil(() -> pass.batchSizes.size() == 1);
    Thread.sleep(200); // the worker is done with the batch: still nothing may have been forwarded
    assertTrue(h.output.isEmpty(), "the worker never forwards");
    assertEquals(3, h.pendingRecords());

    h.driver.advanceWallClockTime(Duration.ofMillis(10)); // the stream thread's punctuator collects the batch
    assertEquals(List.of("a", "b"), keys(h.output.readRecordsToList()));
    assertEquals(1, h.pendingRecords(), "forwarded records are deleted in the same call");

    h.send("d", "good");
    h.send("e", "good");
    h.send("f", "bad");
    awaitOutputs(4);
    assertEquals(List.of("c", "d", "e", "f"), keys(h.output.readRecordsToList()));
    assertEquals(0, h.pendingRecords());
  }

  @Test
  void shouldForwardSeveralBatchesInInputOrderUnderABacklog() {
    start(true, Map.of());
    pass.sleepMsPerWindow = 2;
    for (int i = 0; i < 20; i++) {
      h.send("k" + i, i % 2 == 0 ? "good" : "bad");
    }
    assertTrue(h.pendingRecords() <= 2 + 2 + 1, "the stream thread waits once a whole batch waits behind one in flight");
    awaitOutputs(20);
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      expected.add("k" + i);
    }
    assertEquals(expected, keys(h.output.readRecordsToList()));
    assertEquals(0, h.pendingRecords());
  }

  @Test
  void shouldNeverWaitForABatchInFlightLongerThanTheOpenTransactionsBudget() throws Exception {
    // max.poll.interval.ms 400: a transaction's batches, and the stream thread's waits in it, may take 200 ms. The
    // forward pass is held for 3 s, far past that: a stream thread waiting for it inside the open transaction would
    // outlive transaction.timeout.ms and be fenced. (The held pass makes the measured speed slow, so the batches after
    // it take one record each: a short max delay lets the last one run. No duplicate cache: every record runs.)
    start(true, Map.of("max.poll.interval.ms", 400, NlpConfig.BATCH_MAX_DELAY_MS_CONFIG, 50L,
        NlpConfig.CACHE_MAX_ENTRIES_CONFIG, 0));
    hold();
    h.send("a", "good");
    h.send("b", "bad"); // a whole batch: handed to the worker, whose pass does not return
    assertTrue(pass.entered.await(WAIT_MS, TimeUnit.MILLISECONDS), "the forward pass started");
    Thread release = new Thread(() -> {
      sleep(3_000);
      pass.proceed.countDown();
    });
    release.start();
    try {
      h.send("c", "good");
      for (String id : List.of("d", "e", "f")) { // from "d" on a whole batch waits behind the one in flight
        long started = System.nanoTime();
        h.send(id, "good");
        long tookMs = (System.nanoTime() - started) / 1_000_000;
        assertTrue(tookMs < 1_000, "the stream thread held its transaction " + tookMs + " ms for the batch in flight, "
            + "past its 200 ms budget");
      }
      assertTrue(h.output.isEmpty(), "nothing is forwarded before the batch is done");
      assertEquals(6, h.pendingRecords(), "the batch in flight and the records behind it stay pending");
      assertEquals(0, pass.batchSizes.size(), "the forward pass is still held");
    } finally {
      pass.proceed.countDown();
      release.join();
    }
    awaitOutputs(6); // collected in a later call, in its own transaction; the records behind it follow in order
    assertEquals(List.of("a", "b", "c", "d", "e", "f"), keys(h.output.readRecordsToList()));
    assertEquals(0, h.pendingRecords());
    assertEquals(6, pass.batchSizes.stream().mapToInt(Integer::intValue).sum(), "every record ran once");
  }

  @Test
  void shouldRetryEachRecordAloneAndDeadLetterTheBadOneWhenTheWorkersBatchFails() {
    start(true, Map.of());
    h.send("a", "good");
    h.send("b", "boom"); // the batch fails on the worker; each record is retried alone there
    awaitOutputs(1);
    waitUntil(() -> {
      h.driver.advanceWallClockTime(Duration.ofMillis(5));
      return !h.dlq.isEmpty();
    });
    assertEquals(List.of("a"), keys(h.output.readRecordsToList()));
    TestRecord<byte[], byte[]> dead = h.dlq.readRecord();
    assertEquals("b", Harness.key(dead));
    assertEquals("INFERENCE_FAILED", Harness.header(dead, "nlp.error.reason"));
    assertEquals(0, h.pendingRecords());
  }

  @ParameterizedTest(name = "overlap={0}")
  @ValueSource(booleans = {false, true})
  void shouldFailWithTheWorkersErrorAsTheSynchronousPathDoesAndKeepTheBatchPending(boolean overlap) {
    start(overlap, Map.of());
    OutOfMemoryError nativeError = new OutOfMemoryError("native allocation failed");
    pass.errorWith = nativeError;
    Throwable thrown = null;
    try {
      h.send("a", "good");
      h.send("b", "good");
      long deadline = System.currentTimeMillis() + WAIT_MS;
      while (System.currentTimeMillis() < deadline) {
        h.driver.advanceWallClockTime(Duration.ofMillis(5));
      }
    } catch (Throwable t) {
      thrown = t;
    }
    assertNotNull(thrown, "the Error reaches the stream thread");
    assertSame(nativeError, rootCause(thrown), "the same Error, whichever thread ran the pass");
    assertTrue(h.output.isEmpty());
    assertTrue(h.dlq.isEmpty(), "an Error says nothing about the records");
    assertEquals(2, h.pendingRecords());
  }

  @Test
  void shouldWaitInCloseForTheBatchInFlightAndNeverForwardItsResults() throws Exception {
    start(true, Map.of());
    hold();
    h.send("a", "good");
    h.send("b", "good");
    assertTrue(pass.entered.await(WAIT_MS, TimeUnit.MILLISECONDS));
    assertEquals(2, h.pendingRecords());
    Thread release = new Thread(() -> {
      sleep(300);
      pass.proceed.countDown();
    });
    release.start();
    long started = System.nanoTime();
    h.driver.close(); // the batch processor's close() waits for the forward pass
    long tookMs = (System.nanoTime() - started) / 1_000_000;
    assertTrue(tookMs >= 250, "close returned after " + tookMs + " ms, before the forward pass ended");
    assertEquals(1, pass.batchSizes.size(), "the forward pass ended before close returned");
    assertTrue(h.output.isEmpty(), "results of a closing task are dropped: its records stay pending");
    h.models.close();
    assertTrue(pass.closed, "the model closes once no batch holds it");
    h = null;
    release.join();
  }

  @Test
  void shouldReturnFromCloseWithinItsBoundAndCloseTheModelOnlyWhenThePassEnds() throws Exception {
    // max.poll.interval.ms 400: a transaction's batches may take 200 ms, close() waits twice that
    start(true, Map.of("max.poll.interval.ms", 400));
    hold();
    h.send("a", "good");
    h.send("b", "good");
    assertTrue(pass.entered.await(WAIT_MS, TimeUnit.MILLISECONDS));
    long started = System.nanoTime();
    h.driver.close();
    long tookMs = (System.nanoTime() - started) / 1_000_000;
    assertTrue(tookMs >= 350 && tookMs < 5_000, "close took " + tookMs + " ms");
    h.models.close(); // the holder lets go; the abandoned batch still holds its lease
    assertFalse(pass.closed, "never closed under a running forward pass");
    pass.proceed.countDown();
    waitUntil(() -> pass.closed);
    assertTrue(h.output.isEmpty());
    h = null;
  }

  private void hold() {
    pass.entered = new CountDownLatch(1);
    pass.proceed = new CountDownLatch(1);
  }

  /** Lets the stream thread's punctuator run until {@code n} outputs arrived. */
  private void awaitOutputs(int n) {
    waitUntil(() -> {
      h.driver.advanceWallClockTime(Duration.ofMillis(5));
      return h.output.getQueueSize() >= n;
    });
  }

  private static void waitUntil(BooleanSupplier condition) {
    long deadline = System.currentTimeMillis() + WAIT_MS;
    while (!condition.getAsBoolean()) {
      assertTrue(System.currentTimeMillis() < deadline, "timed out");
      sleep(2);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Throwable rootCause(Throwable t) {
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t;
  }

  private static List<String> keys(List<? extends TestRecord<byte[], ?>> records) {
    return records.stream().map(Harness::key).toList();
  }
}
