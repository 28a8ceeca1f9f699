package org.streambert.streams.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Meter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.schemas.CheckpointKeys;
import org.streambert.schemas.avro.EnrichedText;
import org.streambert.schemas.avro.Head;
import org.streambert.schemas.avro.HeadType;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.avro.ModelStage;
import org.streambert.schemas.rollout.RolloutStatus;
import org.streambert.schemas.rollout.ShadowReport;
import org.streambert.streams.NlpConfig;
import org.streambert.streams.serving.ModelHolder;
import org.streambert.streams.serving.ServingModel;
import org.streambert.streams.serving.ShadowScorer;
import org.streambert.streams.testing.Harness;
import org.streambert.streams.testing.TestModels;

/**
 * Stages: a CANDIDATE is loaded beside the PROMOTED model through the same checks, scored in shadow on sampled live
 * batches without changing outputs, unloaded by RETIRED and dropped when promoted. The "flipped" test model disagrees
 * with the "standard" one on every class label and agrees on every entity.
 */
class ShadowRolloutTest {

  @TempDir
  Path dir;

  private final List<RolloutStatus> statuses = new CopyOnWriteArrayList<>();
  private final List<ShadowReport> reports = new CopyOnWriteArrayList<>();
  private ModelHolder holder;
  private ModelRollout rollout;
  private ShadowScorer shadow;
  private Harness h;
  private ModelCheckpoint lastCandidate;

  @BeforeEach
  void setUp() {
    holder = new ModelHolder("bert-nlp");
    rollout = new ModelRollout("test-instance", holder, new TestModels.Loader(), dir.resolve("cache"), statuses::add,
        1e-3, 32);
    shadow = new ShadowScorer(holder, 1.0, 0, "test-instance", reports::add);
    h = new Harness(dir.resolve("state"), Map.of(NlpConfig.BATCH_MAX_SIZE_CONFIG, 1), rollout, holder, null,
        shadow);
  }

  @AfterEach
  void tearDown() {
    rollout.close();
    shadow.close();
    h.close();
  }

  private ModelCheckpoint checkpoint(String version, String variant, ModelStage stage, String sha) throws Exception {
    ModelBundle bundle = TestModels.writeBundle(dir.resolve("bundles").resolve(version + "-" + variant), "bert-nlp",
        version, variant, TestModels.VOCAB);
    return ModelCheckpoint.newBuilder().setModelName("bert-nlp").setVersion(version)
        .setBundleUri(bundle.dir().toUri().toString())
        .setManifestSha256(sha != null ? sha : bundle.manifestSha256())
        .setCreatedAt(Instant.parse("2025-01-01T00:00:00Z"))
        .setHeads(List.of(new Head("sentiment", HeadType.CLASSIFICATION, List.of("neg", "pos")),
            new Head("ner", HeadType.TOKEN_CLASSIFICATION, List.of("O", "B-PER", "I-PER"))))
        .setStage(stage).build();
  }

  private void publish(ModelCheckpoint cp) throws InterruptedException {
    h.checkpoints.pipeInput(CheckpointKeys.of(cp), cp);
    assertTrue(rollout.awaitIdle(Duration.ofSeconds(30)), "rollout did not finish");
  }

  private List<EnrichedText> enrich(String... texts) throws InterruptedException {
    for (int i = 0; i < texts.length; i++) {
      h.send("r" + i, texts[i]);
    }
    List<EnrichedText> out = h.output.readValuesToList();
    assertTrue(shadow.awaitIdle(10_000), "shadow scoring did not finish");
    return out;
  }

  private double metric(String name) {
    Meter meter = h.metrics.registry().find(name).meter();
    if (meter == null) {
      throw new AssertionError("no metric " + name);
    }
    return meter.measure().iterator().next().getValue();
  }

  @Test
  void shouldScoreCandidateInShadowWithoutChangingOutputs() throws Exception {
    publish(checkpoint("1", "standard", ModelStage.PROMOTED, null));
    publish(checkpoint("2", "flipped", ModelStage.CANDIDATE, null));
    assertEquals("1", holder.currentVersion());
    assertEquals("2", holder.candidateVersion());
    assertEquals(RolloutStatus.CANDIDATE_LOADED, statuses.get(1).status());
    assertEquals("1", statuses.get(1).servingVersion());

    List<EnrichedText> out = enrich("good day", "hello alice", "good bob", "bad day");
    assertEquals(4, out.size());
    assertTrue(out.stream().allMatch(o -> o.getModelVersion().equals("1")), "the champion made every output");
    assertEquals(List.of("pos", "neg", "pos", "neg"),
        out.stream().map(o -> o.getClassification().getLabel().toString()).toList());

    ShadowReport r = shadow.report();
    assertEquals("1", r.championVersion());
    assertEquals("2", r.candidateVersion());
    assertEquals(4, r.samples());
    assertEquals(0.0, r.labelAgreement(), "flipped disagrees on every label");
    assertEquals(1.0, r.entityF1(), "and agrees on every entity");
    assertEquals(0.85, r.championConfidence(), 1e-6); // (0.9 + 0.8 + 0.9 + 0.8) / 4
    assertEquals(0.85, r.candidateConfidence(), 1e-6);
    assertEquals(4.0, metric("nlp.shadow.samples"));
    assertEquals(0.0, metric("nlp.shadow.label.agreement"));

    shadow.reportIfNew();
    shadow.reportIfNew(); // nothing new: no second report
    assertEquals(1, reports.size());
    assertEquals(ShadowReport.STATUS, reports.get(0).status());
    String json = reports.get(0).toJson();
    assertEquals(reports.get(0), ShadowReport.fromJson(json).orElseThrow());
    assertEquals(ShadowReport.STATUS, RolloutStatus.fromJson(json).status(), "status readers skip the extra fields");
  }

  @Test
  void shouldCompareRepeatedTextsServedFromTheCacheToo() throws Exception {
    publish(checkpoint("1", "standard", ModelStage.PROMOTED, null));
    assertEquals(1, enrich("good day").size()); // the champion runs it once, before any candidate
    publish(checkpoint("2", "flipped", ModelStage.CANDIDATE, null));

    List<EnrichedText> out = enrich("good day", "good day", "good day"); // all three from the cache
    assertEquals(3, out.size());
    ShadowReport r = shadow.report();
    assertEquals(3, r.samples(), "repeated texts are traffic: every one is compared");
    assertEquals(0.0, r.labelAgreement());
    assertTrue(r.championLatencyMicros() > 0,
        "the champion's latency comes from the records it really ran, not from 0 µs cache hits");
    assertEquals(3.0, metric("nlp.cache.hits"));
    assertEquals(1.0, metric("nlp.cache.misses"));
  }

  @Test
  void shouldRefuseCandidateThatFailsTheChecksAndScoreNothing() throws Exception {
    publish(checkpoint("1", "standard", ModelStage.PROMOTED, null));
    publish(checkpoint("2", "flipped", ModelStage.CANDIDATE, "0".repeat(64)));
    assertEquals(RolloutStatus.REFUSED, statuses.get(1).status());
    assertNull(holder.candidateVersion());
    enrich("good day");
    assertEquals(0, shadow.report().samples());
  }

  @Test
  void shouldUnloadCandidateWhenRetired() throws Exception {
    publish(checkpoint("1", "standard", ModelStage.PROMOTED, null));
    lastCandidate = checkpoint("2", "flipped", ModelStage.CANDIDATE, null);
    publish(lastCandidate);
    ServingModel candidate = holder.peekCandidate().orElseThrow();
    RolloutAttempt shadowed = rollout.active(ModelRollout.Slots.CANDIDATE).orElseThrow();
    assertEquals(RolloutState.SHADOW, shadowed.state());
    publish(ModelCheckpoint.newBuilder(lastCandidate)
        .setStage(ModelStage.RETIRED).build());
    assertNull(holder.candidateVersion());
    assertEquals(RolloutState.RETIRED, shadowed.state());
    assertTrue(rollout.active(ModelRollout.Slots.CANDIDATE).isEmpty());
    assertEquals(RolloutState.RETIRED, rollout.newest(ModelRollout.Slots.CANDIDATE).orElseThrow().state(),
        "the RETIRED event, applied");
    assertTrue(candidate.isClosed(), "the retired candidate's native resources are released");
    assertEquals(RolloutStatus.CANDIDATE_RETIRED, statuses.get(2).status());
    assertEquals("1", enrich("good day").get(0).getModelVersion());
  }

  @Test
  void shouldServeCandidateOnceItsVersionIsPromotedAndKeepChampionEventUnderOwnKey() throws Exception {
    ModelCheckpoint v1 = checkpoint("1", "standard", ModelStage.PROMOTED, null);
    ModelCheckpoint v2 = checkpoint("2", "flipped", ModelStage.CANDIDATE, null);
    assertEquals("bert-nlp", CheckpointKeys.of(v1));
    assertEquals(CheckpointKeys.candidate("bert-nlp"), CheckpointKeys.of(v2));
    publish(v1);
    publish(v2);
    RolloutAttempt shadowed = rollout.active(ModelRollout.Slots.CANDIDATE).orElseThrow();
    RolloutAttempt champion = rollout.active(ModelRollout.Slots.SERVING).orElseThrow();
    ModelCheckpoint promoted = ModelCheckpoint.newBuilder(v2).setStage(ModelStage.PROMOTED).build();
    publish(promoted);
    assertEquals("2", holder.currentVersion());
    assertNull(holder.candidateVersion(), "nothing left to shadow");
    assertEquals(RolloutState.RETIRED, shadowed.state(), "promoting its version retires the candidate");
    assertEquals(RolloutState.REPLACED, champion.state());
    assertEquals(RolloutState.SERVING, rollout.active(ModelRollout.Slots.SERVING).orElseThrow().state());
    assertEquals("neg", enrich("good day").get(0).getClassification().getLabel());
  }
}
