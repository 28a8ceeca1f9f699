package org.streambert.streams.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.rollout.RolloutStatus;
import org.streambert.schemas.signing.CheckpointSignatures;
import org.streambert.schemas.signing.SigningKey;
import org.streambert.schemas.signing.TrustedKeys;
import org.streambert.streams.serving.ModelHolder;
import org.streambert.streams.serving.ModelLoader;
import org.streambert.streams.testing.TestModels;

/**
 * Issue 29 item 5: an instance never serves older than the newest acceptable event it can know. Events are handed to
 * the rollout as the global store does (offsets of the checkpoint topic's one partition); the restore of a new
 * instance delivers them all within milliseconds, which a loader held on v1 reproduces deterministically.
 */
class FallbackRolloutTest {

  private static final KeyPair PAIR = CheckpointSignatures.generateKeyPair();
  private static final SigningKey KEY = new SigningKey("trainer", PAIR.getPrivate());
  private static final ModelSourcePolicy POLICY = new ModelSourcePolicy(
      TrustedKeys.parse(TrustedKeys.entry("trainer", PAIR.getPublic())), List.of(), 1L << 30, Duration.ofSeconds(30),
      true);

  @TempDir
  Path dir;

  private final List<RolloutStatus> statuses = new CopyOnWriteArrayList<>();
  private final TestModels.Loader models = new TestModels.Loader();
  private ModelHolder holder;
  private ModelRollout rollout;

  @AfterEach
  void tearDown() {
    if (rollout != null) {
      rollout.close();
    }
    if (holder != null) {
      holder.close();
    }
  }

  /** An instance with the cache directory every start of it shares, and {@code loader}. */
  private ModelRollout start(ModelLoader loader) {
    if (rollout != null) {
      rollout.close();
      holder.close();
    }
    holder = new ModelHolder("bert-nlp");
    rollout = new ModelRollout("test-instance", holder, loader, dir.resolve("cache"), statuses::add, 1e-3, 32, POLICY);
    return rollout;
  }

  /** A signed PROMOTED event of {@code version}; {@code good} false: its manifest hash is wrong (refused at load). */
  private ModelCheckpoint event(String version, long sequence, boolean good) throws Exception {
    return ReplayedCheckpointTest.signedEvent(dir.resolve("bundles").resolve(version), version, sequence,
        good ? null : "0".repeat(64), KEY);
  }

  /** Hands the events over at offsets 0, 1, ... as a restore of the compacted topic does, then waits. */
  private void restore(ModelRollout r, List<ModelCheckpoint> events) throws InterruptedException {
    for (int i = 0; i < events.size(); i++) {
      r.onArrival(events.get(i), 0, i);
    }
    assertTrue(r.awaitIdle(Duration.ofSeconds(30)), "rollout did not finish");
  }

  private List<String> loaded() {
    return statuses.stream().filter(RolloutStatus::loaded).map(RolloutStatus::version).toList();
  }

  private List<String> refused() {
    return statuses.stream().filter(s -> RolloutStatus.REFUSED.equals(s.status())).map(RolloutStatus::version)
        .toList();
  }

  /**
   * Hands the events over at offsets 0, 1, ... as the restore of a new instance does, the first one's load held
   * until all have arrived (a restore delivers them within milliseconds, a load takes longer), then waits.
   */
  private ModelRollout restoreWhileTheFirstLoads(List<ModelCheckpoint> topic) throws InterruptedException {
    CountDownLatch loadingFirst = new CountDownLatch(1);
    CountDownLatch restored = new CountDownLatch(1);
    String first = topic.get(0).getVersion();
    ModelLoader holdFirst = bundle -> {
      if (bundle.model().version().equals(first)) {
        loadingFirst.countDown();
        try {
          restored.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return models.load(bundle);
    };
    ModelRollout r = start(holdFirst);
    r.onArrival(topic.get(0), 0, 0);
    assertTrue(loadingFirst.await(10, TimeUnit.SECONDS));
    for (int i = 1; i < topic.size(); i++) {
      r.onArrival(topic.get(i), 0, i);
    }
    restored.countDown();
    assertTrue(r.awaitIdle(Duration.ofSeconds(30)), "rollout did not finish");
    return r;
  }

  @Test
  void shouldServeTheNewestAcceptableEventAndNeverTheFirstWhenTheNewestIsRefused() throws Exception {
    ModelRollout r = restoreWhileTheFirstLoads(List.of(event("1", 1, true), event("2", 2, true),
        event("3", 3, true), event("4", 4, true), event("5", 5, false)));

    assertEquals("4", holder.currentVersion(), "the newest acceptable event serves, as on the running instances");
    assertEquals(List.of("5"), refused(), "the refused newest event is reported");
    assertEquals(List.of("4"), loaded(), "v1 (loaded first) never served; v2 and v3 were never needed");
    assertEquals(RolloutState.REFUSED, r.newest(ModelRollout.Slots.SERVING).orElseThrow().state());
    RolloutAttempt active = r.active(ModelRollout.Slots.SERVING).orElseThrow();
    assertEquals("4", active.checkpoint().getVersion());
    assertTrue(active.reason().startsWith("fallback: the newest event (version 5) is REFUSED"), active.reason());
  }

  @Test
  void shouldTryOlderEventsOneByOneReportingEachRefusal() throws Exception {
    restoreWhileTheFirstLoads(List.of(event("1", 1, true), event("2", 2, true), event("3", 3, false),
        event("4", 4, false), event("5", 5, false)));
    assertEquals("2", holder.currentVersion());
    assertEquals(List.of("5", "4", "3"), refused(), "newest first, each published");
    assertEquals(List.of("2"), loaded());
    assertEquals(3, holder.refusals());
  }

  @Test
  void shouldServeNothingAndSayWhyWhenEveryEventItKnowsIsRefused() throws Exception {
    restore(start(models), List.of(event("7", 7, false)));
    assertNull(holder.currentVersion(), "no older event is left on the compacted topic: nothing serves");
    assertEquals(List.of("7"), refused());
    assertTrue(holder.lastRefusal().contains("sha256"), "what /ready shows: " + holder.lastRefusal());
  }

  @Test
  void shouldNeverFallBackBelowTheModelAlreadyServing() throws Exception {
    ModelRollout r = start(models);
    restore(r, List.of(event("1", 1, true), event("2", 2, true)));
    assertEquals("2", holder.currentVersion());
    r.onArrival(event("3", 3, false), 0, 2);
    assertTrue(r.awaitIdle(Duration.ofSeconds(30)));
    assertEquals("2", holder.currentVersion(), "v2 keeps serving; v1 is not loaded");
    assertEquals(List.of("2"), loaded().stream().filter(v -> !v.equals("1")).toList());
    assertEquals(1, loaded().stream().filter(v -> v.equals("2")).count());
  }

  @Test
  void shouldFallBackToTheTopicsHistoryAfterARestartWhoseAcceptedEventIsRefused() throws Exception {
    List<ModelCheckpoint> topic = List.of(event("1", 1, true), event("2", 2, true), event("3", 3, false));
    restoreWhileTheFirstLoads(topic);
    assertEquals("2", holder.currentVersion());

    statuses.clear();
    ModelRollout restarted = start(models); // the accepted record says v3 (refused at load); the store is empty
    restarted.onCheckpoint(restarted.lastAccepted("bert-nlp")); // CheckpointProcessor.init's hand-over
    restore(restarted, topic); // v1 and v2 are history before the accepted v3: not loaded, but fallbacks
    assertEquals("2", holder.currentVersion(), "the restarted instance serves v2 again, not nothing");
    assertEquals(List.of("3"), refused());
    assertEquals(List.of("2"), loaded());
  }
}
