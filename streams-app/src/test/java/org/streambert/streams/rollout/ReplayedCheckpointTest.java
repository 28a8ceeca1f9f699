package org.streambert.streams.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.schemas.avro.GoldenExample;
import org.streambert.schemas.avro.Head;
import org.streambert.schemas.avro.HeadType;
import org.streambert.schemas.avro.LabelScore;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.rollout.RolloutStatus;
import org.streambert.schemas.signing.CheckpointSequence;
import org.streambert.schemas.signing.CheckpointSignatures;
import org.streambert.schemas.signing.SigningKey;
import org.streambert.schemas.signing.TrustedKeys;
import org.streambert.streams.NlpConfig;
import org.streambert.streams.NlpTopology;
import org.streambert.streams.serving.ModelHolder;
import org.streambert.streams.testing.Harness;
import org.streambert.streams.testing.TestModels;

/**
 * The replay of issue 25 through the topology (TopologyTestDriver, the global store and the rollout): the v1 event
 * produced again after v2 is refused with {@code signature.replay:}, v2 keeps serving and stays the stored checkpoint;
 * an instance restarted with its cache directory, whose compacted topic kept only the replay, ends on v2.
 */
class ReplayedCheckpointTest {

  private static final KeyPair PAIR = CheckpointSignatures.generateKeyPair();
  private static final SigningKey KEY = new SigningKey("trainer", PAIR.getPrivate());

  @TempDir
  Path dir;

  private final List<RolloutStatus> statuses = new CopyOnWriteArrayList<>();
  private ModelHolder holder;
  private ModelRollout rollout;
  private Harness h;

  @AfterEach
  void tearDown() {
    rollout.close();
    h.close();
    holder.close();
  }

  /** A fresh instance (state directory {@code state}) with the cache directory every start of it shares. */
  private void start(String state) {
    holder = new ModelHolder("bert-nlp");
    ModelSourcePolicy policy = new ModelSourcePolicy(TrustedKeys.parse(TrustedKeys.entry("trainer", PAIR.getPublic())),
        List.of(), 1L << 30, Duration.ofSeconds(30), true);
    rollout = new ModelRollout("test-instance", holder, new TestModels.Loader(), dir.resolve("cache"), statuses::add,
        1e-3, 32, policy);
    h = new Harness(dir.resolve(state), Map.of(NlpConfig.BATCH_MAX_SIZE_CONFIG, 1), rollout, holder);
  }

  private void stop() {
    rollout.close();
    h.close();
    holder.close();
  }

  private ModelCheckpoint signed(String version, long sequence) throws Exception {
    return signedEvent(dir.resolve("bundles").resolve(version + "-" + sequence), version, sequence, null, KEY);
  }

  /**
   * A signed PROMOTED event of bert-nlp {@code version} whose bundle is written to {@code bundleDir}; with
   * {@code manifestSha256} non-null the event names that hash instead of the bundle's (refused at load).
   */
  static ModelCheckpoint signedEvent(Path bundleDir, String version, long sequence, String manifestSha256,
      SigningKey key) throws Exception {
    ModelBundle bundle = TestModels.writeBundle(bundleDir, "bert-nlp", version, "standard", TestModels.VOCAB);
    ModelCheckpoint cp = ModelCheckpoint.newBuilder().setModelName("bert-nlp").setVersion(version)
        .setBundleUri(bundle.dir().toUri().toString())
        .setManifestSha256(manifestSha256 != null ? manifestSha256 : bundle.manifestSha256())
        .setCreatedAt(Instant.parse("2025-01-01T00:00:00Z"))
        .setHeads(List.of(new Head("sentiment", HeadType.CLASSIFICATION, List.of("neg", "pos"))))
        .setGoldenExamples(List.of(GoldenExample.newBuilder().setText("good day").setExpectedLabel("pos")
            .setExpectedScores(List.of(new LabelScore("pos", 0.9f))).build()))
        .build();
    return CheckpointSequence.issue(cp, sequence, Instant.now(), null, key);
  }

  private void pipe(ModelCheckpoint cp) throws InterruptedException {
    h.checkpoints.pipeInput(cp.getModelName(), cp);
    assertTrue(rollout.awaitIdle(Duration.ofSeconds(30)), "rollout did not finish");
  }

  private void awaitStatuses(int n) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (statuses.size() < n && System.nanoTime() < deadline) {
      Thread.sleep(10); // a refusal on arrival is published from its own thread
    }
    assertEquals(n, statuses.size(), statuses.toString());
  }

  @Test
  void shouldRefuseTheReplayedEventAndKeepServingTheNewerModel() throws Exception {
    start("state");
    ModelCheckpoint v1 = signed("1", 1);
    ModelCheckpoint v2 = signed("2", 2);
    pipe(v1);
    pipe(v2);
    pipe(v1); // the attacker's replay: the very bytes of the v1 event, valid signature and all
    awaitStatuses(3);

    RolloutStatus refused = statuses.get(2);
    assertEquals(RolloutStatus.REFUSED, refused.status());
    assertEquals("1", refused.version());
    assertTrue(refused.reason().startsWith("signature.replay:"), refused.reason());
    assertEquals("2", refused.servingVersion());
    assertEquals("2", holder.currentVersion());
    KeyValueStore<String, ModelCheckpoint> store = h.driver.getKeyValueStore(NlpTopology.CHECKPOINT_STORE);
    assertEquals(v2, store.get("bert-nlp"), "the replay does not replace the checkpoint a restart loads");

    pipe(signed("1", 3)); // trainer rollback --to 1: a new event, a higher sequence
    assertEquals("1", holder.currentVersion());
  }

  @Test
  void shouldEndOnTheAcceptedModelAfterARestartWhoseTopicKeptOnlyTheReplay() throws Exception {
    start("state");
    ModelCheckpoint v1 = signed("1", 1);
    pipe(v1);
    pipe(signed("2", 2));
    assertEquals("2", holder.currentVersion());
    stop();

    statuses.clear();
    start("state-after-restart"); // no global store left: only the cache directory remembers
    assertTrue(rollout.awaitIdle(Duration.ofSeconds(30)));
    assertEquals("2", holder.currentVersion(), "handed over from the accepted record at start");
    // Compaction kept only the replayed v1 (offset 2, after the accepted v2 at offset 1) under the model's key; the
    // records before it are another model's.
    for (String other : List.of("other-a", "other-b")) {
      h.checkpoints.pipeInput(other, ModelCheckpoint.newBuilder(v1).setModelName(other).build());
    }
    pipe(v1);
    awaitStatuses(2);
    assertEquals("2", holder.currentVersion());
    assertEquals(RolloutStatus.REFUSED, statuses.get(1).status());
    assertTrue(statuses.get(1).reason().startsWith("signature.replay:"), statuses.get(1).reason());
  }
}
