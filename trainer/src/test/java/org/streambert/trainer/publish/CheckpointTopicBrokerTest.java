package org.streambert.trainer.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.schemas.AvroSerdeConfig;
import org.streambert.schemas.CheckpointKeys;
import org.streambert.schemas.SpecificAvroSerde;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.avro.ModelStage;
import org.streambert.schemas.embedded.KafkaBrokerProcess;
import org.streambert.schemas.signing.CheckpointSequence;
import org.streambert.schemas.signing.CheckpointSignatures;
import org.streambert.schemas.signing.SigningKey;
import org.streambert.schemas.signing.TrustedKeys;

/**
 * The trainer's publish path on a real broker (issue 25): every event gets the slot's next signed sequence and an
 * issue time; two trainers with different keys continue one sequence; a publisher that loses a race for a sequence
 * publishes again above the winner; events the trainer cannot verify neither steer its sequence nor get re-signed;
 * an undecodable record does not stop it; refresh re-issues the current events but not an old one; the gate compares
 * figures of one engine only (issue 32 §4).
 */
class CheckpointTopicBrokerTest {

  private static final KeyPair A_PAIR = CheckpointSignatures.generateKeyPair();
  private static final SigningKey A = new SigningKey("trainer-a", A_PAIR.getPrivate());
  private static final KeyPair B_PAIR = CheckpointSignatures.generateKeyPair();
  private static final SigningKey B = new SigningKey("trainer-b", B_PAIR.getPrivate());
  private static final TrustedKeys BOTH = TrustedKeys.parse(TrustedKeys.entry("trainer-a", A_PAIR.getPublic()) + ","
      + TrustedKeys.entry("trainer-b", B_PAIR.getPublic()));
  /** A clock far in the past, so that sequences follow the slot (+1) rather than the clock. */
  private static final Clock PAST = Clock.fixed(Instant.parse("2020-01-01T00:00:00Z"), ZoneOffset.UTC);

  @TempDir
  static Path dir;

  private static KafkaBrokerProcess broker;
  private static String registry;

  @BeforeAll
  static void start() {
    broker = KafkaBrokerProcess.start(dir.resolve("broker"), Map.of());
    registry = "mock://checkpoint-topic-" + UUID.randomUUID();
  }

  @AfterAll
  static void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  /** The topic {@code name}, created (compacted) if missing, signing with {@code key}. */
  private static CheckpointTopic topic(String name, SigningKey key) {
    CheckpointTopic topic = new CheckpointTopic(broker.bootstrapServers(), registry, name, key);
    topic.ensureExists();
    return topic;
  }

  private static ModelCheckpoint event(String version, ModelStage stage) {
    return ModelCheckpoint.newBuilder().setModelName("m").setVersion(version).setBundleUri("file:///store/m/" + version)
        .setManifestSha256("ab").setCreatedAt(Instant.parse("2025-01-01T00:00:00Z")).setHeads(List.of())
        .setStage(stage).build();
  }

  private static ModelCheckpoint promoted(String version) {
    return event(version, ModelStage.PROMOTED);
  }

  /** Produces {@code value} (Avro through the registry) under {@code key}, as anyone with write access could. */
  private static void produceRaw(String topic, String key, ModelCheckpoint value) throws Exception {
    try (SpecificAvroSerde<ModelCheckpoint> serde = new SpecificAvroSerde<>(ModelCheckpoint.class)) {
      serde.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registry), false);
      produceBytes(topic, key, serde.serializer().serialize(topic, value));
    }
  }

  private static void produceBytes(String topic, String key, byte[] value) throws Exception {
    try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()), new StringSerializer(),
        new ByteArraySerializer())) {
      p.send(new ProducerRecord<>(topic, key, value)).get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void shouldNumberEachEventAboveTheSlotAndTheClockAndSignIt() {
    CheckpointTopic topic = topic("seq-" + UUID.randomUUID(), A);
    Instant before = Instant.now();
    ModelCheckpoint first = topic.publish(promoted("1")).event();
    ModelCheckpoint second = topic.publish(promoted("2")).event();
    ModelCheckpoint candidate = topic.publish(event("3", ModelStage.CANDIDATE)).event();

    assertTrue(first.getSequence() >= before.toEpochMilli(), "the clock part: " + first.getSequence());
    assertTrue(second.getSequence() > first.getSequence());
    assertNull(TrustedKeys.of(A).check(second), "signed over the sequence");
    assertTrue(!second.getIssuedAt().isBefore(before.truncatedTo(ChronoUnit.MILLIS)));
    assertNull(second.getExpiresAt());
    assertEquals("2", topic.latest("m").orElseThrow().getVersion());
    assertEquals("3", topic.latestCandidate("m").orElseThrow().getVersion());

    ModelCheckpoint expiring = topic.withEventValidity(Duration.ofDays(3)).publish(promoted("4")).event();
    assertEquals(expiring.getIssuedAt().plus(Duration.ofDays(3)), expiring.getExpiresAt());
  }

  @Test
  void shouldLetTwoTrainersWithDifferentKeysContinueOneSequence() {
    String name = "rotation-" + UUID.randomUUID();
    CheckpointTopic a = topic(name, A).withTrustedKeys(BOTH).withClock(PAST, System.err);
    CheckpointTopic b = topic(name, B).withTrustedKeys(BOTH).withClock(PAST, System.err);
    long s1 = a.publish(promoted("1")).event().getSequence();
    long s2 = b.publish(promoted("2")).event().getSequence();
    long s3 = a.publish(promoted("3")).event().getSequence();
    assertEquals(List.of(s1, s1 + 1, s1 + 2), List.of(s1, s2, s3), "one sequence per slot, not per key");
    assertEquals("3", b.latest("m").orElseThrow().getVersion());
  }

  @Test
  void shouldPublishAgainAboveTheWinnerAfterLosingARaceForTheSequence() throws Exception {
    String name = "race-" + UUID.randomUUID();
    CountDownLatch aRead = new CountDownLatch(1);
    CountDownLatch bPublished = new CountDownLatch(1);
    AtomicBoolean first = new AtomicBoolean(true);
    // Trainer a's clock is read after it read the slot: the first time it waits there until b has published.
    Clock slowA = new HookClock(PAST, () -> {
      if (first.getAndSet(false)) {
        aRead.countDown();
        try {
          assertTrue(bPublished.await(60, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
      }
    });
    ByteArrayOutputStream aLog = new ByteArrayOutputStream();
    CheckpointTopic a = topic(name, A).withTrustedKeys(BOTH).withClock(slowA,
        new PrintStream(aLog, true, StandardCharsets.UTF_8));
    CheckpointTopic b = topic(name, B).withTrustedKeys(BOTH).withClock(PAST, System.err);
    long s0 = b.publish(promoted("0")).event().getSequence();

    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<CheckpointTopic.Published> aDone = pool.submit(() -> a.publish(promoted("a")));
      assertTrue(aRead.await(60, TimeUnit.SECONDS));
      CheckpointTopic.Published won = b.publish(promoted("b")); // takes s0 + 1 while a holds the same number
      bPublished.countDown();
      CheckpointTopic.Published retried = aDone.get(60, TimeUnit.SECONDS);

      assertEquals(s0 + 1, won.event().getSequence());
      assertEquals(s0 + 2, retried.event().getSequence(), "a numbered its event again, above the winner");
      assertTrue(retried.offset() > won.offset());
      assertTrue(aLog.toString(StandardCharsets.UTF_8).contains("another publisher's event"), aLog.toString());
      assertEquals("a", b.latest("m").orElseThrow().getVersion());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void shouldNeitherBelieveNorReSignEventsItCannotVerify() throws Exception {
    String name = "forged-" + UUID.randomUUID();
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    CheckpointTopic a = topic(name, A).withClock(PAST, new PrintStream(log, true, StandardCharsets.UTF_8));
    long s1 = a.publish(promoted("1")).event().getSequence();
    // Anyone with write access: an unsigned event naming a new version with a huge sequence, and garbage bytes.
    produceRaw(name, "m", ModelCheckpoint.newBuilder(promoted("evil")).setBundleUri("file:///tmp/evil")
        .setSequence(Long.MAX_VALUE).build());
    produceBytes(name, "m", new byte[] {0, 0, 0, 0, 42, 1, 2, 3});
    produceRaw(name, "m", CheckpointSignatures.sign(promoted("other-key"),
        new SigningKey("trainer-a", CheckpointSignatures.generateKeyPair().getPrivate())));

    assertEquals("1", a.latest("m").orElseThrow().getVersion(), "the forged events are not the serving one");
    assertTrue(a.find("m", "evil").isEmpty());
    assertThrows(IllegalArgumentException.class, () -> Promotion.promote(a, "m", "evil", System.out),
        "promote never re-signs an event it did not verify");
    long s2 = a.publish(promoted("2")).event().getSequence();
    assertEquals(s1 + 1, s2, "the forged sequence does not steer the numbering");
    String warnings = log.toString(StandardCharsets.UTF_8);
    assertTrue(warnings.contains("undecodable record"), warnings);
    assertTrue(warnings.contains("does not trust"), warnings);
  }

  @Test
  void shouldReissueTheCurrentEventsButNotAnOldOne() throws Exception {
    String name = "refresh-" + UUID.randomUUID();
    CheckpointTopic a = topic(name, A);
    ModelCheckpoint serving = a.publish(promoted("2")).event();
    ModelCheckpoint shadow = a.publish(event("3", ModelStage.CANDIDATE)).event();

    List<ModelCheckpoint> again = Promotion.refresh(a, "m", Duration.ofDays(1), System.out);
    assertEquals(List.of("2", "3"), again.stream().map(ModelCheckpoint::getVersion).toList());
    assertTrue(again.get(0).getSequence() > serving.getSequence());
    assertTrue(again.get(1).getSequence() > shadow.getSequence());
    assertEquals(serving.getBundleUri(), again.get(0).getBundleUri());
    assertEquals(ModelStage.CANDIDATE, again.get(1).getStage());

    // An old event as the slot's current one (what compaction leaves after a replay): not re-issued.
    String old = "refresh-old-" + UUID.randomUUID();
    topic(old, A);
    ModelCheckpoint v1 = CheckpointSequence.issue(promoted("1"), 5, Instant.now().minus(Duration.ofDays(9)), null, A);
    produceRaw(old, CheckpointKeys.of(v1), v1);
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> Promotion.refresh(topic(old, A), "m", Duration.ofDays(7), System.out));
    assertTrue(e.getMessage().contains("PROMOTED 1"), e.getMessage());
    assertEquals(5L, topic(old, A).latest("m").orElseThrow().getSequence(), "nothing was published");
  }

  @Test
  void shouldReadTheHighestSequenceNotTheLatestRecord() throws Exception {
    String name = "order-" + UUID.randomUUID();
    CheckpointTopic a = topic(name, A).withClock(PAST, System.err);
    ModelCheckpoint v1 = a.publish(promoted("1")).event();
    a.publish(promoted("2"));
    produceRaw(name, "m", v1); // the replay: v1's event produced again, valid signature and all
    assertEquals("2", a.latest("m").orElseThrow().getVersion(), "the trainer sees what the instances serve");
    List<Long> sequences = new ArrayList<>();
    sequences.add(a.publish(promoted("3")).event().getSequence());
    assertEquals(v1.getSequence() + 2, sequences.get(0));
  }

  /** A run directory of model "g" {@code version}: a tiny bundle (L=2, H=32, one class head), figures on {@code engine}. */
  private static Path run(String version, double servedMacroF1, String engine) throws Exception {
    Path runDir = dir.resolve("runs").resolve(version);
    List<String> tokens = new java.util.ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"));
    while (tokens.size() < org.streambert.bert.model.TinyBert.CONFIG.vocabSize()) {
      tokens.add("w" + tokens.size());
    }
    org.streambert.bert.model.HeadsSpec heads = new org.streambert.bert.model.HeadsSpec(2, false, 0);
    RunExporter.export(runDir, new RunExporter.Identity("g", version, null, null),
        org.streambert.bert.model.TinyBert.CONFIG,
        org.streambert.bert.model.TinyBert.randomWeights(org.streambert.bert.model.TinyBert.CONFIG, heads, 7), tokens,
        null, true, 32, "topic", List.of("neg", "pos"), false, "ner", List.of(),
        org.streambert.bert.embeddings.EmbeddingSpec.DEFAULT, Map.of("served_macro_f1", servedMacroF1), 1,
        List.of("w7 w8 w9"));
    RunReport report = RunReport.read(runDir);
    if (engine != null) {
      report.withMetrics(report.metrics(), engine).write(runDir);
    }
    return runDir;
  }

  @Test
  void shouldGateOnlyOnFiguresOfOneEngineReScoringThePublishedVersionOnTheCandidates() throws Exception {
    CheckpointTopic topic = topic("gate-engines", A);
    CheckpointStore store = CheckpointStore.at(dir.resolve("gate-store").toString());
    java.io.PrintStream log = System.out;
    assertTrue(Publisher.publish(run("1", 0.80, null), store, topic, null, true, 0, log).published());
    assertEquals("tensorflow fp32", topic.latest("g").orElseThrow().getDevEngine(), "the training loop's figures");
    Path candidate = run("2", 0.85, "onnxruntime int8");

    Publisher.Outcome mismatch = Publisher.publish(candidate, store, topic, null, true, 0, null, log);
    assertFalse(mismatch.published());
    assertEquals(PromotionGate.Refusal.ENGINE_MISMATCH, mismatch.decision().refusal());
    assertTrue(mismatch.decision().reasons().get(0).contains("onnxruntime int8")
        && mismatch.decision().reasons().get(0).contains("tensorflow fp32"), mismatch.decision().reasons().toString());

    Publisher.Outcome unavailable = Publisher.publish(candidate, store, topic, null, true, 0, (bundle, engine) -> {
      throw new IllegalArgumentException("bundle has no onnx/model.onnx");
    }, log);
    assertEquals(PromotionGate.Refusal.ENGINE_UNAVAILABLE, unavailable.decision().refusal());

    List<String> asked = new java.util.ArrayList<>();
    Publisher.Outcome worse = Publisher.publish(candidate, store, topic, null, true, 0, (bundle, engine) -> {
      asked.add(bundle + " " + engine);
      return Map.of("served_macro_f1", 0.90); // the champion is better on the candidate's engine
    }, log);
    assertEquals(PromotionGate.Refusal.WORSE, worse.decision().refusal());
    assertEquals(List.of(store.location("g", "1") + " onnxruntime int8"), asked);
    assertEquals("1", topic.latest("g").orElseThrow().getVersion(), "nothing published while refused");

    Publisher.Outcome better = Publisher.publish(candidate, store, topic, null, true, 0,
        (bundle, engine) -> Map.of("served_macro_f1", 0.84), log);
    assertTrue(better.published(), better.decision().reasons().toString());
    ModelCheckpoint published = topic.latest("g").orElseThrow();
    assertEquals("2", published.getVersion());
    assertEquals("onnxruntime int8", published.getDevEngine());
  }
}
