package org.streambert.trainer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.bert.model.Activation;
import org.streambert.bert.model.BertConfig;
import org.streambert.schemas.AvroSerdeConfig;
import org.streambert.schemas.SpecificAvroSerde;
import org.streambert.schemas.Topics;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.avro.ModelStage;
import org.streambert.schemas.avro.TrainingDecision;
import org.streambert.schemas.avro.TrainingExample;
import org.streambert.schemas.avro.TrainingRun;
import org.streambert.schemas.embedded.KafkaBrokerProcess;
import org.streambert.schemas.rollout.ShadowReport;
import org.streambert.schemas.signing.CheckpointSignatures;
import org.streambert.schemas.signing.ExampleSignatures;
import org.streambert.schemas.signing.ShadowReportSignatures;
import org.streambert.schemas.signing.SigningKey;
import org.streambert.schemas.signing.TrustedKeys;
import org.streambert.trainer.ExitCodes;
import org.streambert.trainer.TrainerApp;
import org.streambert.trainer.data.ClassificationExample;
import org.streambert.trainer.data.DemoData;
import org.streambert.trainer.data.TopicSnapshot;
import org.streambert.trainer.data.VocabBuilder;
import org.streambert.trainer.publish.CheckpointStore;
import org.streambert.trainer.publish.CheckpointTopic;
import org.streambert.trainer.serve.ExampleLog;
import org.streambert.trainer.serve.ServeLoop;
import org.streambert.trainer.serve.TrainingRunTopic;
import picocli.CommandLine;

/**
 * {@code trainer serve} on a real broker with a tiny model (L=2, H=32, topic classification of the demo data): a weak
 * v1 trained on 12 examples improves through one round on 300 labelled examples; a worse candidate is refused; a
 * round killed mid-training or after publishing repeats without a second candidate; auto-promotion follows the shadow
 * reports. Tests run in order on one broker and one model lineage.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServeCommandBrokerTest {

  private static final String MODEL = "serve-test";

  @TempDir
  static Path dir;

  /** The labeller key that signs the test's examples, and the instance keys that sign its shadow reports. */
  private static final SigningKey LABELLER = key("labeller-1");
  private static final SigningKey INSTANCE_A = key("instance-a");
  private static final SigningKey INSTANCE_B = key("instance-b");
  private static final SigningKey STRANGER = key("stranger");

  private static KafkaBrokerProcess broker;
  private static Path labellerKeys;
  /** A fixed held-out secret, so that the split (and the quality the first round reaches) is the same every run. */
  private static final String HELD_OUT_SECRET = "5e7c0a1f9b3d2e4c6a8b0d1f3e5c7a9b1d3f5e7c9a0b2d4f6e8c0a2b4d6f8e0a";
  private static Path heldOutKey;
  private static String registry;
  private static Path vocab;
  private static Path config;

  @BeforeAll
  static void start() throws Exception {
    broker = KafkaBrokerProcess.start(dir.resolve("broker"), Map.of());
    registry = "mock://serve-" + UUID.randomUUID();
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(Topics.TRAINING_EXAMPLES, 2, (short) 1),
          new NewTopic(Topics.TRAINING_RUNS, 1, (short) 1), new NewTopic(Topics.MODEL_ROLLOUT_STATUS, 1, (short) 1)))
          .all().get(60, TimeUnit.SECONDS);
    }
    List<String> texts = new ArrayList<>();
    DemoData.classification(3000, 99).forEach(e -> texts.add(e.text()));
    vocab = dir.resolve("vocab.txt");
    Files.write(vocab, VocabBuilder.build(texts, false).tokens());
    heldOutKey = dir.resolve("held-out.key");
    Files.writeString(heldOutKey, HELD_OUT_SECRET + "\n");
    labellerKeys = dir.resolve("labellers.pub");
    Files.writeString(labellerKeys, TrustedKeys.entry(LABELLER.id(), LABELLER.publicKey()) + "\n");
    config = dir.resolve("bert_config.json");
    new BertConfig(10, 32, 2, 2, 64, Activation.GELU_TANH, 0.1, 0.1, 64, 2, 0.02).write(config);
  }

  @AfterAll
  static void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  private static SigningKey key(String id) {
    return new SigningKey(id, CheckpointSignatures.generateKeyPair().getPrivate());
  }

  private static String[] kafka() {
    return new String[] {"--bootstrap-servers", broker.bootstrapServers(), "--schema-registry-url", registry};
  }

  private static CheckpointTopic checkpoints() {
    return new CheckpointTopic(broker.bootstrapServers(), registry, Topics.MODEL_CHECKPOINTS);
  }

  /** The command line of a subcommand (its name first) with the broker and registry options. */
  private static String[] args(String... commandAndOptions) {
    List<String> a = new ArrayList<>(List.of(commandAndOptions));
    a.addAll(List.of(kafka()));
    return a.toArray(String[]::new);
  }

  private static void produce(List<ClassificationExample> examples, int firstId, String source) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    SpecificAvroSerde<TrainingExample> serde = new SpecificAvroSerde<>(TrainingExample.class);
    serde.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registry), false);
    try (KafkaProducer<String, TrainingExample> producer =
        new KafkaProducer<>(p, new StringSerializer(), serde.serializer())) {
      for (int i = 0; i < examples.size(); i++) {
        String id = "ex-" + (firstId + i);
        producer.send(new ProducerRecord<>(Topics.TRAINING_EXAMPLES, id, ExampleSignatures.sign(
            TrainingExample.newBuilder().setId(id).setText(examples.get(i).text()).setLabel(examples.get(i).label())
                .setSource(source).setLabeller(source).setCreatedAt(Instant.now()).build(), LABELLER)));
      }
      producer.flush();
    }
  }

  /** Records a labelling tool should never send: each is skipped, none stops a round. */
  private static void producePoison() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    try (KafkaProducer<String, byte[]> raw = new KafkaProducer<>(p, new StringSerializer(),
        new org.apache.kafka.common.serialization.ByteArraySerializer())) {
      raw.send(new ProducerRecord<>(Topics.TRAINING_EXAMPLES, "garbage", new byte[] {0, 0, 0, 0, 99, 1, 2}));
      raw.flush();
    }
    SpecificAvroSerde<TrainingExample> serde = new SpecificAvroSerde<>(TrainingExample.class);
    serde.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registry), false);
    try (KafkaProducer<String, TrainingExample> producer =
        new KafkaProducer<>(p, new StringSerializer(), serde.serializer())) {
      TrainingExample.Builder b = TrainingExample.newBuilder().setSource("hostile").setCreatedAt(Instant.now());
      producer.send(new ProducerRecord<>(Topics.TRAINING_EXAMPLES, "blank", b.setId("blank").setText("   ").build()));
      producer.send(new ProducerRecord<>(Topics.TRAINING_EXAMPLES, "bad-span", b.setId("bad-span").setText("Oslo")
          .setEntities(List.of(new org.streambert.schemas.avro.EntitySpan("LOC", 0, 99))).build()));
      producer.send(new ProducerRecord<>(Topics.TRAINING_EXAMPLES, "long", b.setId("long").setEntities(null)
          .setText("word ".repeat(300)).setLabel("tech").build()));
      // Valid examples a writer without the labeller key sends: refused by the trust check, counted by reason.
      TrainingExample steer = TrainingExample.newBuilder().setId("ex-0").setText("stock markets rally on tech earnings")
          .setLabel("sports").setSource("poisoner").setCreatedAt(Instant.now().plusSeconds(3600)).build();
      producer.send(new ProducerRecord<>(Topics.TRAINING_EXAMPLES, "ex-0", steer));
      producer.send(new ProducerRecord<>(Topics.TRAINING_EXAMPLES, "ex-1",
          ExampleSignatures.sign(TrainingExample.newBuilder(steer).setId("ex-1").build(), STRANGER)));
      TrainingExample tampered = TrainingExample.newBuilder(ExampleSignatures.sign(
          TrainingExample.newBuilder(steer).setId("ex-2").setLabel("business").build(), LABELLER))
          .setLabel("sports").build();
      producer.send(new ProducerRecord<>(Topics.TRAINING_EXAMPLES, "ex-2", tampered));
      producer.send(new ProducerRecord<>(Topics.TRAINING_EXAMPLES, "ex-3", null)); // an unsigned delete
      producer.flush();
    }
  }

  private static List<TrainingRun> runs() {
    SpecificAvroSerde<TrainingRun> serde = new SpecificAvroSerde<>(TrainingRun.class);
    serde.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registry), false);
    List<TrainingRun> out = new ArrayList<>();
    TopicSnapshot.read(broker.bootstrapServers(), Topics.TRAINING_RUNS, new StringDeserializer(),
        serde.deserializer(), r -> out.add(r.value()));
    return out;
  }

  private static long eventsOf(String version) {
    SpecificAvroSerde<ModelCheckpoint> serde = new SpecificAvroSerde<>(ModelCheckpoint.class);
    serde.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registry), false);
    AtomicInteger n = new AtomicInteger();
    TopicSnapshot.read(broker.bootstrapServers(), Topics.MODEL_CHECKPOINTS, new StringDeserializer(),
        serde.deserializer(), r -> n.addAndGet(r.value() != null && r.value().getVersion().equals(version) ? 1 : 0));
    return n.get();
  }

  private static ServeCommand serveCommand(String... extra) {
    List<String> a = new ArrayList<>(List.of(args("serve", "--model-name", MODEL, "--store", dir.resolve("store").toString(),
        "--work-dir", dir.resolve("work").toString(), "--min-new-examples", "100", "--lr", "2e-3", "--epochs", "4",
        "--batch-size", "16", "--max-length", "32", "--held-out-percent", "20")));
    a.addAll(List.of(extra));
    a.remove(0);
    return CommandLine.populateCommand(new ServeCommand(), a.toArray(String[]::new));
  }

  private static ServeLoop loop(ServeCommand cmd, ExampleLog log, TrainingRunTopic runs, ServeLoop.RoundTrainer t) {
    return loop(cmd, log, runs, t, 0.0);
  }

  private static ServeLoop loop(ServeCommand cmd, ExampleLog log, TrainingRunTopic runs, ServeLoop.RoundTrainer t,
      double gateTolerance) {
    ServeLoop.Settings s = new ServeLoop.Settings(MODEL, cmd.minNewExamples, cmd.maxInterval, cmd.pollInterval,
        cmd.heldOutPercent, gateTolerance, cmd.fromScratch, false, 10, 0.0, 1.5, 1, cmd.workDir, null,
        Topics.MODEL_ROLLOUT_STATUS, broker.bootstrapServers(), false);
    return new ServeLoop(s, log, checkpoints(), CheckpointStore.at(dir.resolve("store").toString()), runs, t,
        (bundle, cls, ner) -> EvaluateCommand.evaluate(bundle, cls, ner, 32).metrics(), System.out)
        .withHeldOutSecret(java.util.HexFormat.of().parseHex(HELD_OUT_SECRET));
  }

  private static ExampleLog exampleLog(String group) {
    return new ExampleLog(broker.bootstrapServers(), registry, Topics.TRAINING_EXAMPLES, group, 10_000, 1000,
        TrustedKeys.of(LABELLER));
  }

  @Test
  @Order(1)
  void shouldImproveWeakV1ThroughOneRoundCountingDuplicatesOnce() throws Exception {
    Path small = dir.resolve("small.tsv");
    DemoData.writeTsv(small, DemoData.classification(12, 1));
    Path smallDev = dir.resolve("small-dev.tsv");
    DemoData.writeTsv(smallDev, DemoData.classification(6, 2));
    assertEquals(ExitCodes.OK, TrainerApp.run(args("fine-tune", "--bert-config", config.toString(), "--vocab",
        vocab.toString(), "--cls-train", small.toString(), "--cls-dev", smallDev.toString(), "--epochs", "1",
        "--batch-size", "16", "--max-length", "32", "--lr", "1e-4", "--model-name", MODEL, "--version", "v1",
        "--out", dir.resolve("v1").toString(), "--publish", "--store", dir.resolve("store").toString())));
    assertEquals("v1", checkpoints().latest(MODEL).orElseThrow().getVersion());

    List<ClassificationExample> labelled = DemoData.classification(300, 7);
    produce(labelled, 0, "labeller");
    produce(labelled.subList(0, 60), 0, "labeller-again"); // the same 60 examples sent twice
    producePoison();

    assertEquals(ExitCodes.OK, TrainerApp.run(args("serve", "--model-name", MODEL, "--store",
        dir.resolve("store").toString(), "--work-dir", dir.resolve("work").toString(), "--min-new-examples", "100",
        "--lr", "2e-3", "--epochs", "4", "--batch-size", "16", "--max-length", "32", "--poll-interval", "100ms",
        "--max-rounds", "1", "--max-text-chars", "1000", "--labeller-keys", labellerKeys.toString(),
        "--held-out-key", heldOutKey.toString())));

    List<TrainingRun> runs = runs();
    assertEquals(1, runs.size());
    TrainingRun run = runs.get(0);
    assertEquals(TrainingDecision.PUBLISHED_CANDIDATE, run.getDecision(), run.toString());
    assertEquals(300, run.getNewExamples(), "360 records, 300 distinct examples");
    assertEquals(300, run.getTrainExamples() + run.getHeldOutExamples());
    assertTrue(run.getHeldOutExamples() > 30 && run.getHeldOutExamples() < 90, run.toString());
    assertEquals("v1", run.getChampionVersion());
    double candidate = run.getCandidateMetrics().get("macro_f1");
    double champion = run.getChampionMetrics().get("macro_f1");
    assertTrue(candidate > champion + 0.2, "candidate " + candidate + " vs weak v1 " + champion);

    ModelCheckpoint published = checkpoints().latestCandidate(MODEL).orElseThrow();
    assertEquals(ModelStage.CANDIDATE, published.getStage());
    assertEquals(run.getCandidateVersion(), published.getVersion());
    assertEquals("v1", published.getParentVersion());
    assertEquals("v1", checkpoints().latest(MODEL).orElseThrow().getVersion(), "a candidate does not serve");
    try (ExampleLog log = exampleLog("trainer-serve-" + MODEL)) {
      assertEquals(0, log.pendingRecords(), "offsets committed after publishing");
      ExampleLog.Snapshot snapshot = log.read();
      assertEquals(4, snapshot.skipped(), "garbage, a blank text, a span outside its text, an over-long text");
      assertEquals(Map.of("UNSIGNED", 1L, "UNTRUSTED_KEY", 1L, "BAD_SIGNATURE", 1L, "TOMBSTONE", 1L),
          snapshot.refused());
      for (String id : List.of("ex-0", "ex-1", "ex-2", "ex-3")) {
        assertEquals(labelled.get(Integer.parseInt(id.substring(3))).label(), snapshot.examples().get(id).getLabel(),
            id + " keeps the labeller's label: unsigned writes neither overwrite nor delete it");
      }
      assertTrue(snapshot.history().labels("ex-0").stream().allMatch(l -> l.verified()
          && l.labeller().startsWith(LABELLER.id() + "/")), "labels carry the verified labeller");
      assertEquals(2, snapshot.history().labels("ex-0").size(), "both sends of ex-0 are kept, with who and when");
      produce(labelled.subList(0, 10), 0, "labeller-third-time");
      assertEquals(0, log.read().newIds().size(), "identical resends are no new examples");
    }
  }

  @Test
  @Order(2)
  void shouldRefuseWorseCandidateAndKeepChampionServing() throws Exception {
    ModelCheckpoint candidateBefore = checkpoints().latestCandidate(MODEL).orElseThrow();
    produce(DemoData.classification(150, 11), 1000, "labeller");
    ServeCommand cmd = serveCommand("--from-scratch", "--bert-config", config.toString(), "--vocab",
        vocab.toString());
    cmd.training.epochs = 1;
    cmd.training.learningRate = 1e-6; // a model that learns nothing
    try (ExampleLog log = exampleLog("trainer-serve-" + MODEL);
        TrainingRunTopic runs = new TrainingRunTopic(broker.bootstrapServers(), registry, Topics.TRAINING_RUNS)) {
      assertEquals(TrainingDecision.REFUSED, loop(cmd, log, runs, cmd::trainRound).round(log.read()));
      assertEquals(0, log.pendingRecords(), "a refusal commits too");
    }
    TrainingRun refused = runs().get(runs().size() - 1);
    assertEquals(TrainingDecision.REFUSED, refused.getDecision());
    assertTrue(refused.getReasons().stream().anyMatch(r -> r.startsWith("vs candidate") && r.contains("WORSE")),
        refused.toString());
    assertEquals(0, eventsOf(refused.getCandidateVersion()), "a refused candidate is never published");
    assertEquals(candidateBefore, checkpoints().latestCandidate(MODEL).orElseThrow());
    assertEquals("v1", checkpoints().latest(MODEL).orElseThrow().getVersion());
  }

  @Test
  @Order(3)
  void shouldPublishOnceWhenKilledMidRoundOrBeforeCommitting() throws Exception {
    produce(DemoData.classification(120, 13), 2000, "labeller");
    ServeCommand cmd = serveCommand();
    String group = "trainer-serve-" + MODEL;
    try (ExampleLog log = exampleLog(group);
        TrainingRunTopic runs = new TrainingRunTopic(broker.bootstrapServers(), registry, Topics.TRAINING_RUNS)) {
      ServeLoop.RoundTrainer dying = (from, data, name, version, out) -> {
        throw new OutOfMemoryError("killed mid-round (simulated)");
      };
      assertThrows(OutOfMemoryError.class, () -> loop(cmd, log, runs, dying, 1.0).round(log.read()));
      assertTrue(log.pendingRecords() >= 120, "nothing committed by the dead round");
    }
    int runsBefore = runs().size();
    try (ExampleLog log = exampleLog(group);
        TrainingRunTopic runs = new TrainingRunTopic(broker.bootstrapServers(), registry, Topics.TRAINING_RUNS)) {
      // (a permissive gate: this test is about crashes, not quality)
      assertEquals(TrainingDecision.PUBLISHED_CANDIDATE,
          loop(cmd, log, runs, cmd::trainRound, 1.0).round(log.read()));
    }
    TrainingRun run = runs().get(runs().size() - 1);
    assertEquals(runsBefore + 1, runs().size());
    assertEquals(1, eventsOf(run.getCandidateVersion()));
    // A restart after publishing but before committing (another group has committed nothing): the round is found
    // published and only committed.
    try (ExampleLog log = exampleLog(group + "-restarted");
        TrainingRunTopic runs = new TrainingRunTopic(broker.bootstrapServers(), registry, Topics.TRAINING_RUNS)) {
      AtomicBoolean trained = new AtomicBoolean();
      ServeLoop.RoundTrainer spy = (from, data, name, version, out) -> {
        trained.set(true);
        return cmd.trainRound(from, data, name, version, out);
      };
      assertEquals(TrainingDecision.PUBLISHED_CANDIDATE, loop(cmd, log, runs, spy, 1.0).round(log.read()));
      assertFalse(trained.get(), "the published round is not trained again");
      assertEquals(0, log.pendingRecords());
    }
    assertEquals(1, eventsOf(run.getCandidateVersion()), "published once");
  }

  @Test
  @Order(4)
  void shouldPromoteCandidateOnlyWhenShadowReportsMeetTheBounds() throws Exception {
    ModelCheckpoint candidate = checkpoints().latestCandidate(MODEL).orElseThrow();
    ServeCommand cmd = serveCommand();
    try (ExampleLog log = exampleLog("trainer-serve-" + MODEL);
        TrainingRunTopic runs = new TrainingRunTopic(broker.bootstrapServers(), registry, Topics.TRAINING_RUNS)) {
      ServeLoop loop = loop(cmd, log, runs, cmd::trainRound).trustingInstances(TrustedKeys.of(INSTANCE_A)
          .and(TrustedKeys.of(INSTANCE_B)));
      assertFalse(loop.maybePromote(), "no shadow report yet");
      shadowReport("x", candidate.getVersion(), 5000, 1.0, 1000, 1000, null);
      shadowReport("y", candidate.getVersion(), 5000, 1.0, 1000, 1000, STRANGER);
      assertFalse(loop.maybePromote(), "unsigned and untrusted reports add no samples");
      shadowReport("a", candidate.getVersion(), 6, 0.9, 1000, 1100, INSTANCE_A);
      assertFalse(loop.maybePromote(), "6 samples < 10");
      shadowReport("b", candidate.getVersion(), 6, 0.9, 1000, 1100, INSTANCE_A);
      assertFalse(loop.maybePromote(), "instance a under another name is still one instance: 6 samples, not 12");
      shadowReport("b", candidate.getVersion(), 6, 0.8, 1000, 5000, INSTANCE_B);
      assertFalse(loop.maybePromote(), "12 samples, but instance b is 5x slower: ratio (6*1100+6*5000)/12000 > 1.5");
      shadowReport("b", candidate.getVersion(), 20, 0.8, 1000, 1000, INSTANCE_B);
      assertTrue(loop.maybePromote());
    }
    assertEquals(candidate.getVersion(), checkpoints().latest(MODEL).orElseThrow().getVersion());
    assertEquals(ModelStage.PROMOTED, checkpoints().latest(MODEL).orElseThrow().getStage());
    assertEquals(ModelStage.RETIRED, checkpoints().latestCandidate(MODEL).orElseThrow().getStage());
    assertEquals(TrainingDecision.PROMOTED, runs().get(runs().size() - 1).getDecision());

    assertEquals(ExitCodes.OK, TrainerApp.run(args("rollback", "--model-name", MODEL, "--to", "v1")));
    assertEquals("v1", checkpoints().latest(MODEL).orElseThrow().getVersion());
    assertEquals(ExitCodes.OK, TrainerApp.run(args("promote", "--model-name", MODEL, "--version",
        candidate.getVersion())));
    assertEquals(candidate.getVersion(), checkpoints().latest(MODEL).orElseThrow().getVersion());
    assertEquals(ExitCodes.BAD_INPUT, TrainerApp.run(args("promote", "--model-name", MODEL, "--version", "nope")));
  }

  /** A shadow report as an instance writes it, signed by {@code key} (unsigned when null), after a malformed one. */
  private static void shadowReport(String instance, String candidate, long samples, double agreement,
      double championMicros, double candidateMicros, SigningKey key) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    ShadowReport report = new ShadowReport(instance, MODEL, ShadowReport.STATUS, "v1", candidate, samples, agreement,
        null, null, null, championMicros, candidateMicros, 0, 0, System.currentTimeMillis());
    String json = (key == null ? report : ShadowReportSignatures.sign(report, key)).toJson();
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
      producer.send(new ProducerRecord<>(Topics.MODEL_ROLLOUT_STATUS, MODEL, "not json {"));
      producer.send(new ProducerRecord<>(Topics.MODEL_ROLLOUT_STATUS, MODEL, json));
      producer.flush();
    }
  }

  @Test
  @Order(5)
  void shouldRefuseToServeWithoutLabellerKeysUnlessUnsignedExamplesAreAcceptedExplicitly() {
    String[] base = args("serve", "--model-name", MODEL, "--store", dir.resolve("store").toString(), "--work-dir",
        dir.resolve("work-refused").toString(), "--max-rounds", "1");
    assertEquals(ExitCodes.BAD_INPUT, TrainerApp.run(base), "no --labeller-keys: the secure default refuses");
    List<String> autoPromote = new ArrayList<>(List.of(base));
    autoPromote.addAll(List.of("--labeller-keys", labellerKeys.toString(), "--auto-promote"));
    assertEquals(ExitCodes.BAD_INPUT, TrainerApp.run(autoPromote.toArray(String[]::new)),
        "--auto-promote without --instance-keys refuses");
    List<String> both = new ArrayList<>(List.of(base));
    both.addAll(List.of("--labeller-keys", labellerKeys.toString(), "--accept-unsigned-examples"));
    assertEquals(ExitCodes.BAD_INPUT, TrainerApp.run(both.toArray(String[]::new)));
    assertFalse(Files.exists(dir.resolve("work-refused")), "refused before anything was made");
  }

  @Test
  @Order(6)
  void shouldKeepEveryLabelAndCountConflictsBetweenLabellers() throws Exception {
    SigningKey second = key("labeller-2");
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    SpecificAvroSerde<TrainingExample> serde = new SpecificAvroSerde<>(TrainingExample.class);
    serde.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registry), false);
    Instant t = Instant.now();
    TrainingExample base = TrainingExample.newBuilder().setId("conflict-1").setText("the match ended in a draw")
        .setLabel("sports").setSource("labelling-page").setCreatedAt(t).setLabeller("alice").build();
    try (KafkaProducer<String, TrainingExample> producer =
        new KafkaProducer<>(p, new StringSerializer(), serde.serializer())) {
      // Each labeller's answer under its own record key (request id/labeller), as the labelling page writes it.
      producer.send(new ProducerRecord<>(Topics.TRAINING_EXAMPLES, "conflict-1/alice",
          ExampleSignatures.sign(base, LABELLER)));
      producer.send(new ProducerRecord<>(Topics.TRAINING_EXAMPLES, "conflict-1/bob", ExampleSignatures.sign(
          TrainingExample.newBuilder(base).setLabel("business").setLabeller("bob").setCreatedAt(t.plusSeconds(5))
              .build(), second)));
      producer.send(new ProducerRecord<>(Topics.TRAINING_EXAMPLES, "self-corrected/alice", ExampleSignatures.sign(
          TrainingExample.newBuilder(base).setId("self-corrected").setLabel("business").build(), LABELLER)));
      producer.send(new ProducerRecord<>(Topics.TRAINING_EXAMPLES, "self-corrected/alice", ExampleSignatures.sign(
          TrainingExample.newBuilder(base).setId("self-corrected").setCreatedAt(t.plusSeconds(1)).build(),
          LABELLER)));
      producer.flush();
    }
    TrustedKeys both = TrustedKeys.of(LABELLER).and(TrustedKeys.of(second));
    try (ExampleLog log = new ExampleLog(broker.bootstrapServers(), registry, Topics.TRAINING_EXAMPLES,
        "history-test", 10_000, 1000, both)) {
      ExampleLog.Snapshot snapshot = log.read();
      assertEquals(java.util.Set.of("conflict-1"), snapshot.conflicts(), "two labellers disagree; a self-correction "
          + "is no conflict");
      assertEquals("business", snapshot.examples().get("conflict-1").getLabel(), "the latest trusted label is used");
      List<org.streambert.trainer.serve.LabelHistory.Label> history = snapshot.history().labels("conflict-1");
      assertEquals(List.of("labeller-1/alice", "labeller-2/bob"), history.stream().map(l -> l.labeller()).toList());
      assertEquals(List.of("sports", "business"), history.stream().map(l -> l.example().getLabel()).toList());
      assertEquals("sports", snapshot.examples().get("self-corrected").getLabel());
    }
  }
}
