package org.streambert.streams.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.Meter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.schemas.avro.EnrichedText;
import org.streambert.schemas.avro.Entity;
import org.streambert.schemas.avro.GoldenExample;
import org.streambert.schemas.avro.Head;
import org.streambert.schemas.avro.HeadType;
import org.streambert.schemas.avro.LabelScore;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.rollout.RolloutStatus;
import org.streambert.schemas.signing.TrustedKeys;
import org.streambert.streams.NlpConfig;
import org.streambert.streams.NlpTopology;
import org.streambert.streams.serving.ModelHolder;
import org.streambert.streams.serving.ModelLoader;
import org.streambert.streams.testing.Harness;
import org.streambert.streams.testing.TestModels;
import org.streambert.streams.testing.TestModels.RuleForwardPass;

class ModelRolloutTest {

  @TempDir
  Path dir;

  private final List<RolloutStatus> statuses = new CopyOnWriteArrayList<>();
  private final TestModels.Loader loader = new TestModels.Loader();
  private ModelHolder holder;
  private ModelRollout rollout;
  private Harness h;
  /** Thrown by the next load instead of loading (then cleared). */
  private volatile Error failNextLoad;

  @BeforeEach
  void setUp() {
    holder = new ModelHolder("bert-nlp");
    ModelLoader failing = bundle -> {
      Error e = failNextLoad;
      failNextLoad = null;
      if (e != null) {
        throw e;
      }
      return loader.load(bundle);
    };
    rollout = new ModelRollout("test-instance", holder, failing, dir.resolve("cache"), statuses::add, 1e-3, 32);
    h = new Harness(dir.resolve("state"), Map.of(NlpConfig.BATCH_MAX_SIZE_CONFIG, 1), rollout, holder);
  }

  @AfterEach
  void tearDown() {
    rollout.close();
    h.close();
  }

  /** Golden examples of the standard rule: "good" → pos 0.9, otherwise neg 0.8; alice/bob are PER. */
  private static List<GoldenExample> standardGolden() {
    return List.of(
        GoldenExample.newBuilder().setText("good day").setExpectedLabel("pos")
            .setExpectedScores(List.of(new LabelScore("pos", 0.9f), new LabelScore("neg", 0.1f))).build(),
        GoldenExample.newBuilder().setText("hello alice").setExpectedLabel("neg")
            .setExpectedScores(List.of(new LabelScore("neg", 0.8f)))
            .setExpectedEntities(List.of(new Entity("PER", "alice", 6, 11, 0.9f))).build());
  }

  private ModelCheckpoint checkpoint(String name, String version, String variant, String sha,
      List<GoldenExample> golden) throws Exception {
    ModelBundle bundle = TestModels.writeBundle(dir.resolve("bundles").resolve(version + "-" + variant), name,
        version, variant, TestModels.VOCAB);
    return ModelCheckpoint.newBuilder().setModelName(name).setVersion(version)
        .setBundleUri(bundle.dir().toUri().toString())
        .setManifestSha256(sha != null ? sha : bundle.manifestSha256())
        .setCreatedAt(Instant.parse("2025-01-01T00:00:00Z"))
        .setHeads(List.of(new Head("sentiment", HeadType.CLASSIFICATION, List.of("neg", "pos")),
            new Head("ner", HeadType.TOKEN_CLASSIFICATION, List.of("O", "B-PER", "I-PER"))))
        .setGoldenExamples(golden).build();
  }

  private void publish(ModelCheckpoint cp) throws InterruptedException {
    h.checkpoints.pipeInput(cp.getModelName(), cp);
    assertTrue(rollout.awaitIdle(Duration.ofSeconds(30)), "rollout did not finish");
  }

  private EnrichedText enrich(String id, String text) {
    h.send(id, text);
    return h.output.readRecord().value();
  }

  private double metric(String name) {
    Meter meter = h.metrics.registry().find(name).meter();
    if (meter == null) {
      throw new AssertionError("no metric " + name);
    }
    return meter.measure().iterator().next().getValue();
  }

  @Test
  void shouldSwapInVerifiedCheckpointSoOutputsCarryItsVersion() throws Exception {
    publish(checkpoint("bert-nlp", "1", "standard", null, standardGolden()));
    EnrichedText out = enrich("a", "good day");
    assertEquals("1", out.getModelVersion());
    assertEquals("pos", out.getClassification().getLabel());
    assertEquals(1, statuses.size());
    assertEquals(RolloutStatus.LOADED, statuses.get(0).status());
    assertEquals("1", statuses.get(0).servingVersion());
    assertEquals(1.0, metric("nlp.model.loaded"));
  }

  @Test
  void shouldRefuseALoadThatThrowsOutOfMemoryErrorOrLinkageErrorAndLoadTheNextCheckpoint() throws Exception {
    publish(checkpoint("bert-nlp", "1", "standard", null, standardGolden()));
    failNextLoad = new OutOfMemoryError("Java heap space");
    publish(checkpoint("bert-nlp", "2", "standard", null, standardGolden()));
    failNextLoad = new UnsatisfiedLinkError("no tensorflow in java.library.path");
    publish(checkpoint("bert-nlp", "3", "standard", null, standardGolden()));
    publish(checkpoint("bert-nlp", "4", "standard", null, standardGolden()));
    assertEquals(List.of("LOADED", "REFUSED", "REFUSED", "LOADED"), statuses.stream().map(RolloutStatus::status)
        .toList());
    assertTrue(statuses.get(1).reason().contains("OutOfMemoryError"), statuses.get(1).reason());
    assertTrue(statuses.get(2).reason().contains("UnsatisfiedLinkError"), statuses.get(2).reason());
    assertEquals("4", enrich("a", "good day").getModelVersion());
  }

  @Test
  void shouldKeepTheStoredCheckpointWhenAnEventIsRefusedBeforeAnyIo() throws Exception {
    rollout.close();
    h.close();
    holder = new ModelHolder("bert-nlp");
    ModelCheckpoint good = checkpoint("bert-nlp", "1", "standard", null, standardGolden());
    ModelSourcePolicy policy = new ModelSourcePolicy(TrustedKeys.none(),
        List.of(good.getBundleUri().toString()), 1L << 30, Duration.ofSeconds(50), true);
    rollout = new ModelRollout("test-instance", holder, new TestModels.Loader(), dir.resolve("cache2"), statuses::add,
        1e-3, 32, policy);
    h = new Harness(dir.resolve("state2"), Map.of(NlpConfig.BATCH_MAX_SIZE_CONFIG, 1), rollout, holder);
    publish(good);
    publish(checkpoint("bert-nlp", "2", "standard", null, standardGolden())); // outside the allowed location
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (statuses.size() < 2 && System.nanoTime() < deadline) {
      Thread.sleep(10); // a refusal before any I/O is published from its own thread
    }

    assertEquals(List.of("LOADED", "REFUSED"), statuses.stream().map(RolloutStatus::status).toList());
    assertTrue(statuses.get(1).reason().startsWith("uri.allowed"), statuses.get(1).reason());
    KeyValueStore<String, ModelCheckpoint> stored =
        h.driver.getKeyValueStore(NlpTopology.CHECKPOINT_STORE);
    assertEquals("1", stored.get("bert-nlp").getVersion(), "a restart must still find the accepted checkpoint");
    assertEquals("1", rollout.newest(ModelRollout.Slots.SERVING).orElseThrow().checkpoint().getVersion(),
        "an event refused on arrival does not become the slot's newest");
    assertEquals("1", enrich("a", "good day").getModelVersion());
  }

  @Test
  void shouldLetANewerCheckpointCancelADownloadInProgress() throws Exception {
    HttpServer server =
        HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    ExecutorService threads = Executors.newCachedThreadPool();
    server.setExecutor(threads);
    server.createContext("/stall/", ex -> { // headers, then nothing for up to a minute
      ex.sendResponseHeaders(200, 0);
      try {
        Thread.sleep(60_000);
      } catch (InterruptedException e) {
        // server stopping
      }
      ex.close();
    });
    server.start();
    String base = "http://127.0.0.1:" + server.getAddress().getPort() + "/";
    ModelHolder other = new ModelHolder("bert-nlp");
    List<RolloutStatus> seen = new CopyOnWriteArrayList<>();
    ModelSourcePolicy policy = new ModelSourcePolicy(TrustedKeys.none(),
        List.of(base, dir.toUri().toString()), 1L << 30, Duration.ofSeconds(50), true);
    try (ModelRollout r = new ModelRollout("t", other, loader, dir.resolve("cache2"), seen::add, 1e-3, 32, policy)) {
      ModelCheckpoint good = checkpoint("bert-nlp", "2", "standard", null, standardGolden());
      r.onCheckpoint(ModelCheckpoint.newBuilder(good).setVersion("1").setBundleUri(base + "stall/").build());
      RolloutAttempt stalled = r.newest(ModelRollout.Slots.SERVING).orElseThrow();
      Thread.sleep(500); // the loader is now blocked reading the stalled body
      assertEquals(RolloutState.FETCHING, stalled.state());
      long start = System.nanoTime();
      r.onCheckpoint(good);
      assertTrue(r.awaitIdle(Duration.ofSeconds(20)), "the stalled download blocked the loader");
      assertTrue(System.nanoTime() - start < Duration.ofSeconds(20).toNanos());
      assertEquals(List.of("REFUSED", "LOADED"), seen.stream().map(RolloutStatus::status).toList());
      assertTrue(seen.get(0).reason().startsWith("superseded:"), seen.get(0).reason());
      assertEquals("2", other.currentVersion());
      assertEquals(RolloutState.SUPERSEDED, stalled.state(), "reported as refused, but superseded");
      assertEquals(RolloutState.SERVING, r.active(ModelRollout.Slots.SERVING).orElseThrow().state());
    } finally {
      server.stop(0);
      threads.shutdownNow();
      other.close();
    }
  }

  @Test
  void shouldMoveEachCheckpointThroughItsStatesAndMarkTheOneItReplaces() throws Exception {
    publish(checkpoint("bert-nlp", "1", "standard", null, standardGolden()));
    RolloutAttempt first = rollout.active(ModelRollout.Slots.SERVING).orElseThrow();
    assertEquals(RolloutState.SERVING, first.state());
    assertEquals("1", first.checkpoint().getVersion());

    publish(checkpoint("bert-nlp", "2", "standard", "0".repeat(64), standardGolden()));
    RolloutAttempt refused = rollout.newest(ModelRollout.Slots.SERVING).orElseThrow();
    assertEquals(RolloutState.REFUSED, refused.state());
    assertTrue(refused.reason().contains("sha256"), refused.reason());
    assertEquals(first, rollout.active(ModelRollout.Slots.SERVING).orElseThrow(), "the refused one left v1 serving");

    publish(checkpoint("bert-nlp", "3", "standard", null, standardGolden()));
    assertEquals(RolloutState.REPLACED, first.state());
    assertEquals("3", rollout.active(ModelRollout.Slots.SERVING).orElseThrow().checkpoint().getVersion());
    assertTrue(rollout.active(ModelRollout.Slots.CANDIDATE).isEmpty());
  }

  @Test
  void shouldSupersedeAQueuedCheckpointWhenANewerOneArrivesBeforeTheLoaderTakesIt() throws Exception {
    CountDownLatch loading = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ModelLoader blocking = bundle -> {
      if (bundle.model().version().equals("1")) {
        loading.countDown();
        try {
          release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return loader.load(bundle);
    };
    ModelHolder other = new ModelHolder("bert-nlp");
    try (ModelRollout r = new ModelRollout("t", other, blocking, dir.resolve("cache2"), statuses::add, 1e-3, 32)) {
      r.onCheckpoint(checkpoint("bert-nlp", "1", "standard", null, standardGolden()));
      RolloutAttempt v1 = r.newest(ModelRollout.Slots.SERVING).orElseThrow();
      assertTrue(loading.await(10, TimeUnit.SECONDS));
      assertEquals(RolloutState.LOADING, v1.state());
      r.onCheckpoint(checkpoint("bert-nlp", "2", "standard", null, standardGolden()));
      RolloutAttempt v2 = r.newest(ModelRollout.Slots.SERVING).orElseThrow();
      assertEquals(RolloutState.QUEUED, v2.state());
      r.onCheckpoint(checkpoint("bert-nlp", "3", "standard", null, standardGolden()));
      release.countDown();
      assertTrue(r.awaitIdle(Duration.ofSeconds(30)));
      assertEquals(RolloutState.SUPERSEDED, v1.state(), "v1 loaded (a load is not cancelled) but never served: v3 "
          + "was known by then (issue 29: never serve older than the newest acceptable event)");
      assertEquals(RolloutState.SUPERSEDED, v2.state(), "v2 never loaded");
      assertEquals("3", other.currentVersion());
      assertEquals(1, other.loads(), "only v3 was swapped in");
      assertEquals(List.of("LOADED"), statuses.stream().map(RolloutStatus::status).toList());
      assertEquals("3", statuses.get(0).version());
    } finally {
      other.close();
    }
  }

  @Test
  void shouldRefuseManifestHashMismatchAndKeepServingOldModel() throws Exception {
    publish(checkpoint("bert-nlp", "1", "standard", null, standardGolden()));
    publish(checkpoint("bert-nlp", "2", "standard", "0".repeat(64), standardGolden()));
    assertEquals("1", enrich("a", "good day").getModelVersion());
    RolloutStatus refused = statuses.get(1);
    assertEquals(RolloutStatus.REFUSED, refused.status());
    assertEquals("2", refused.version());
    assertEquals("1", refused.servingVersion());
    assertTrue(refused.reason().contains("sha256"), refused.reason());
    assertEquals(1, holder.refusals());
    assertEquals(1.0, metric("nlp.rollout.refusals"));
    assertEquals(refused, RolloutStatus.fromJson(refused.toJson()));
  }

  @Test
  void shouldRefuseModelThatFailsGoldenCheck() throws Exception {
    publish(checkpoint("bert-nlp", "1", "standard", null, standardGolden()));
    publish(checkpoint("bert-nlp", "2", "flipped", null, standardGolden()));
    assertEquals(RolloutStatus.REFUSED, statuses.get(1).status());
    assertTrue(statuses.get(1).reason().contains("golden example 0"), statuses.get(1).reason());
    assertEquals("1", enrich("a", "good day").getModelVersion());
    // The refused model's forward pass is released, not leaked.
    assertTrue(loader.loaded.get(1).closed);
  }

  @Test
  void shouldRefuseBundleWhoseHeadsDifferFromCheckpoint() throws Exception {
    ModelCheckpoint cp = checkpoint("bert-nlp", "1", "standard", null, List.of());
    cp.setHeads(List.of(new Head("sentiment", HeadType.CLASSIFICATION, List.of("bad", "good"))));
    publish(cp);
    assertEquals(RolloutStatus.REFUSED, statuses.get(0).status());
    assertTrue(statuses.get(0).reason().contains("labels"), statuses.get(0).reason());
    assertEquals(null, holder.currentVersion());
  }

  @Test
  void shouldRollBackToOlderVersionNamedByLaterEvent() throws Exception {
    ModelCheckpoint v1 = checkpoint("bert-nlp", "1", "standard", null, standardGolden());
    publish(v1);
    publish(checkpoint("bert-nlp", "2", "flipped", null, List.of()));
    EnrichedText fromV2 = enrich("a", "good day");
    assertEquals("2", fromV2.getModelVersion());
    assertEquals("neg", fromV2.getClassification().getLabel());
    publish(v1);
    EnrichedText back = enrich("b", "good day");
    assertEquals("1", back.getModelVersion());
    assertEquals("pos", back.getClassification().getLabel());
    assertEquals(3, holder.loads());
  }

  @Test
  void shouldIgnoreCheckpointsOfOtherModels() throws Exception {
    publish(checkpoint("other-model", "1", "standard", null, List.of()));
    assertTrue(statuses.isEmpty());
    assertEquals(null, holder.currentVersion());
    assertTrue(loader.loaded.isEmpty());
  }

  @Test
  void shouldCloseReplacedModelOnlyAfterItsInFlightBatchCompletes() throws Exception {
    RuleForwardPass first = RuleForwardPass.standard();
    first.entered = new CountDownLatch(1);
    first.proceed = new CountDownLatch(1);
    holder.swap(TestModels.serving("1", first));
    Thread batch = new Thread(() -> h.send("a", "good day"));
    batch.start();
    assertTrue(first.entered.await(10, TimeUnit.SECONDS));

    RuleForwardPass second = RuleForwardPass.standard();
    holder.swap(TestModels.serving("2", second));
    assertFalse(first.closed, "closed under a running batch");
    first.proceed.countDown();
    batch.join(10_000);
    assertTrue(first.closed, "not closed after its last batch");
    assertEquals("1", h.output.readRecord().value().getModelVersion());
    assertEquals("2", enrich("b", "hello").getModelVersion());
    assertFalse(second.closed);
  }

  @Test
  void shouldRefuseAModelThatScoresTheGoldenExamplesNaNWhileTheOldOneKeepsServing() throws Exception {
    publish(checkpoint("bert-nlp", "1", "standard", null, standardGolden()));
    publish(checkpoint("bert-nlp", "2", "nan", null, standardGolden()));
    RolloutStatus refused = statuses.get(1);
    assertEquals(RolloutStatus.REFUSED, refused.status());
    assertTrue(refused.reason().startsWith("golden.finite: golden example 0: the model's score of label"),
        refused.reason());
    assertEquals("1", enrich("a", "good day").getModelVersion());
  }

  @Test
  void shouldRefuseAGoldenExampleWhoseExpectedScoreIsNaN() throws Exception {
    // Math.abs(x - NaN) > tolerance is false: the comparison used to let a NaN expectation through.
    publish(checkpoint("bert-nlp", "1", "standard", null, List.of(GoldenExample.newBuilder().setText("good day")
        .setExpectedLabel("pos").setExpectedScores(List.of(new LabelScore("pos", Float.NaN))).build())));
    assertEquals(RolloutStatus.REFUSED, statuses.get(0).status());
    assertTrue(statuses.get(0).reason().startsWith("golden.finite: golden example 0: expected score NaN"),
        statuses.get(0).reason());
    assertEquals(null, holder.currentVersion());
  }
}
