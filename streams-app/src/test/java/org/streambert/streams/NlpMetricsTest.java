package org.streambert.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.schemas.avro.TextRecord;
import org.streambert.streams.ops.NlpMetrics;
import org.streambert.streams.processor.internals.ResultCache;
import org.streambert.streams.testing.Harness;
import org.streambert.streams.testing.TestModels;
import org.streambert.streams.testing.TestModels.RuleForwardPass;

/** The application's meters as the topology records them (Micrometer registry of the {@link Harness}). */
class NlpMetricsTest {

  @TempDir
  Path dir;

  private Harness h;

  private MeterRegistry start(int batchSize) {
    h = new Harness(dir, Map.of(NlpConfig.BATCH_MAX_SIZE_CONFIG, batchSize,
        NlpConfig.BATCH_MAX_DELAY_MS_CONFIG, 60_000L), cp -> { });
    h.models.swap(TestModels.serving("1", RuleForwardPass.standard()));
    return h.metrics.registry();
  }

  @AfterEach
  void close() {
    if (h != null) {
      h.close();
    }
  }

  @Test
  void shouldRecordStageTimersBatchSizeAndPaddingPerBatch() {
    MeterRegistry r = start(2);
    h.send("a", "good day alice met bob");
    h.send("b", "bad");
    assertEquals(2, h.output.readRecordsToList().size());

    Timer infer = r.get("nlp.infer").timer();
    assertEquals(1, infer.count(), "one forward pass for the batch of two");
    assertTrue(infer.totalTime(TimeUnit.NANOSECONDS) > 0);
    assertEquals(2, r.get("nlp.tokenize").timer().count());
    assertEquals(2, r.get("nlp.post.process").timer().count());
    assertEquals(1, r.get("nlp.batch.wait").timer().count());
    DistributionSummary size = r.get("nlp.batch.size").summary();
    assertEquals(1, size.count());
    assertEquals(2.0, size.totalAmount());
    DistributionSummary padding = r.get("nlp.batch.padding.efficiency").summary();
    assertEquals(1, padding.count());
    // Texts of different lengths in one batch: the shorter one is padded, so efficiency is strictly below 1.
    assertTrue(padding.totalAmount() > 0.2 && padding.totalAmount() < 1.0, "efficiency " + padding.totalAmount());
    assertEquals(2.0, r.get("nlp.records.enriched").counter().count());
    // The harness' records carry eventTime 1970-01-01T00:00:01Z: decades of end-to-end latency.
    Timer latency = r.get("nlp.record.latency").timer();
    assertEquals(2, latency.count());
    assertTrue(latency.max(TimeUnit.DAYS) > 365 * 50);
  }

  @Test
  void shouldNotRecordLatencyOfRecordWithFutureEventTime() {
    MeterRegistry r = start(1);
    byte[] future = h.serdes.textRecord().serializer().serialize(h.config.inputTopic(), TextRecord.newBuilder()
        .setId("f").setText("good day").setEventTime(Instant.now().plusSeconds(3600)).build());
    h.input.pipeInput("f".getBytes(StandardCharsets.UTF_8), future);
    assertEquals(1, h.output.readRecordsToList().size());
    assertEquals(1.0, r.get("nlp.records.enriched").counter().count());
    assertEquals(0, r.get("nlp.record.latency").timer().count());
  }

  @Test
  void shouldCountDeadLetteredRecordsByReason() {
    MeterRegistry r = start(1);
    assertEquals(0.0, r.get("nlp.records.dead.lettered").tag("reason", "UNDECODABLE").counter().count(),
        "every reason exists from the start");
    h.input.pipeInput("bad".getBytes(StandardCharsets.UTF_8), new byte[] {0, 0, 0, 0, 42, 1, 2, 3});
    h.send("blank", "   ");
    h.send("blank2", "\t");
    assertEquals(3, h.dlq.readRecordsToList().size());
    assertEquals(1.0, r.get("nlp.records.dead.lettered").tag("reason", "UNDECODABLE").counter().count());
    assertEquals(2.0, r.get("nlp.records.dead.lettered").tag("reason", "BLANK_TEXT").counter().count());
    assertEquals(0.0, r.get("nlp.records.enriched").counter().count());
  }

  @Test
  void shouldNameOnlyTheServingVersionInModelInfo() {
    MeterRegistry r = start(1);
    h.send("a", "good day");
    assertEquals(1.0, r.get("nlp.model.info").tag("model_version", "1").gauge().value());
    h.models.swap(TestModels.serving("2", RuleForwardPass.standard()));
    h.send("b", "good day");
    assertNull(r.find("nlp.model.info").tag("model_version", "1").gauge(), "the replaced version's series is gone");
    assertEquals(1, r.find("nlp.model.info").gauges().size());
    assertEquals(1.0, r.get("nlp.model.info").tag("model_version", "2").gauge().value());
    assertNotNull(r.find("nlp.model.info").tag("model_name", "bert-nlp").gauge());
    assertEquals(2.0, r.get("nlp.model.loads").functionCounter().count());
    assertEquals(1.0, r.get("nlp.model.loaded").gauge().value());
  }

  @Test
  void shouldBindAnInstancesSharedMetersOnceHoweverManyProcessorsBindThem() {
    NlpMetrics metrics = new NlpMetrics(new SimpleMeterRegistry());
    ResultCache cache = new ResultCache(10, 1 << 20);
    AtomicInteger binds = new AtomicInteger();
    // Every task's processor binds the instance's cache, and so does each processor of a replacement stream thread.
    for (int processor = 0; processor < 3; processor++) {
      metrics.bindOnce(cache, registry -> {
        binds.incrementAndGet();
        cache.bindTo(registry);
      });
    }
    assertEquals(1, binds.get(), "a second registration is ignored by Micrometer with a warning: do not attempt it");
    assertEquals(1, metrics.registry().find("nlp.cache.hits").functionCounters().size());
    ResultCache another = new ResultCache(10, 1 << 20);
    metrics.bindOnce(another, registry -> binds.incrementAndGet());
    assertEquals(2, binds.get(), "another source is bound");
  }
}
