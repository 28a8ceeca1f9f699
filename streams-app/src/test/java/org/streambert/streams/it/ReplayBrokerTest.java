package org.streambert.streams.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.schemas.CheckpointKeys;
import org.streambert.schemas.SpecificAvroDeserializer;
import org.streambert.schemas.avro.EnrichedText;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.avro.ModelStage;
import org.streambert.schemas.avro.TextRecord;
import org.streambert.schemas.embedded.KafkaBrokerProcess;
import org.streambert.schemas.registry.EmbeddedSchemaRegistry;
import org.streambert.schemas.rollout.RolloutStatus;
import org.streambert.schemas.signing.CheckpointSequence;
import org.streambert.schemas.signing.CheckpointSignatures;
import org.streambert.schemas.signing.SigningKey;
import org.streambert.schemas.signing.TrustedKeys;
import org.streambert.streams.NlpConfig;
import org.streambert.streams.NlpService;

/**
 * Issue 25 on a real broker with the real TensorFlow loader, as the attacker of the issue did it: after v1 and v2
 * (signed by two trainer keys, a rotation) v2 serves; the raw bytes of v1's record produced again under the same key
 * are refused ({@code signature.replay:}) while v2 serves every record; the candidate slot's CANDIDATE and RETIRED
 * events are protected the same way; an instance restarted after the replay ends on v2, also after compaction left
 * only the replay in the topic (its accepted record in the cache directory), while a brand-new instance with
 * {@code nlp.model.max.event.age} refuses the old replayed event and serves nothing; {@code trainer rollback --to 1}
 * (the trainer jar, a new event) is accepted.
 */
class ReplayBrokerTest {

  private static final String NAME = "replay";
  private static final String MODEL = "tiny-replay";
  private static final KeyPair PAIR_1 = CheckpointSignatures.generateKeyPair();
  private static final SigningKey TRAINER_1 = new SigningKey("trainer-1", PAIR_1.getPrivate());
  private static final KeyPair PAIR_2 = CheckpointSignatures.generateKeyPair();
  private static final SigningKey TRAINER_2 = new SigningKey("trainer-2", PAIR_2.getPrivate());
  private static final String TRUSTED = TrustedKeys.entry("trainer-1", PAIR_1.getPublic()) + ","
      + TrustedKeys.entry("trainer-2", PAIR_2.getPublic());

  @TempDir
  Path dir;

  private final List<RolloutStatus> statuses = new CopyOnWriteArrayList<>();
  private final List<EnrichedText> outputs = new CopyOnWriteArrayList<>();

  @Test
  void shouldRefuseReplayedEventsKeepServingV2AcrossRestartsAndAcceptARollback() throws Exception {
    Path store = dir.resolve("store");
    String input = NAME + "-input";
    String output = NAME + "-enriched";
    String checkpoints = NAME + "-checkpoints";
    String status = NAME + "-status";
    // The cleaner runs often, so that compaction happens in the test once the checkpoint topic rolls segments.
    try (KafkaBrokerProcess broker = KafkaBrokerProcess.start(dir.resolve("broker"),
            Map.of("log.cleaner.backoff.ms", "200"));
        EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.start(0)) {
      String bootstrap = broker.bootstrapServers();
      createTopics(bootstrap, List.of(input, output, status), checkpoints);
      // v1 was published two days ago by trainer-1; v2 now by trainer-2 (a rotated key continues the sequence).
      ModelCheckpoint cp1 = ItSupport.writeBundle(store, MODEL, "1", 1);
      Instant twoDaysAgo = Instant.now().minus(Duration.ofDays(2));
      ModelCheckpoint v1 = CheckpointSequence.issue(cp1, CheckpointSequence.next(null, twoDaysAgo), twoDaysAgo, null,
          TRAINER_1);
      ItSupport.publish(bootstrap, registry.url(), checkpoints, v1);

      Map<String, Object> props = ItSupport.appConfig(NAME, bootstrap, registry.url(), dir.resolve("a"), input,
          output, checkpoints, status, MODEL);
      props.put(NlpConfig.HTTP_PORT_CONFIG, -1);
      props.put(NlpConfig.MODEL_TRUSTED_KEYS_CONFIG, TRUSTED);
      props.put(NlpConfig.MODEL_URI_ALLOWED_CONFIG, store.toUri().toString());

      try (KafkaConsumer<String, EnrichedText> outputReader = ItSupport.committedReader(bootstrap, output,
          ItSupport.enrichedDeserializer(registry.url()));
          KafkaConsumer<String, String> statusReader = ItSupport.committedReader(bootstrap, status,
              new StringDeserializer());
          KafkaProducer<String, TextRecord> texts = ItSupport.textProducer(bootstrap, registry.url())) {
        Runnable poll = () -> {
          outputReader.poll(Duration.ofMillis(50)).forEach(r -> outputs.add(r.value()));
          statusReader.poll(Duration.ofMillis(50)).forEach(r -> statuses.add(RolloutStatus.fromJson(r.value())));
        };
        NlpService app = NlpService.start(new NlpConfig(props));
        try { // the first instance
          awaitStatus(poll, s -> s.loaded() && s.version().equals("1"), "v1 to serve");
          ModelCheckpoint v2 = ItSupport.publishSigned(bootstrap, registry.url(), checkpoints,
              ItSupport.writeBundle(store, MODEL, "2", 2), TRAINER_2);
          assertTrue(v2.getSequence() > v1.getSequence());
          awaitStatus(poll, s -> s.loaded() && s.version().equals("2"), "v2 (the rotated key) to serve");

          // Texts flow while the attacker produces the raw bytes of v1's record again, under the same key.
          AtomicBoolean feeding = new AtomicBoolean(true);
          List<String> produced = new CopyOnWriteArrayList<>();
          Thread feeder = ItSupport.startFeeder(texts, input, NAME, 40, feeding, produced);
          Thread.sleep(500);
          replay(bootstrap, registry.url(), checkpoints, MODEL, "1", ModelStage.PROMOTED);
          RolloutStatus refused = awaitStatus(poll, s -> refusedAsReplay(s, "1"), "the replayed v1 to be refused");
          assertEquals("2", refused.servingVersion());
          Thread.sleep(500);
          feeding.set(false);
          feeder.join(10_000);
          ItSupport.waitFor(Duration.ofSeconds(60), () -> {
            poll.run();
            return outputs.stream().filter(o -> produced.contains(o.getId().toString())).count() >= produced.size();
          }, "an output for every text");
          List<String> versions = outputs.stream().filter(o -> produced.contains(o.getId().toString()))
              .map(o -> o.getModelVersion().toString()).distinct().toList();
          assertEquals(List.of("2"), versions, "v2 served every record, before, during and after the replay");
          assertEquals("2", app.models().currentVersion());

          // The candidate slot: a CANDIDATE in shadow, retired, then its events produced again.
          ModelCheckpoint c3 = ItSupport.publishSigned(bootstrap, registry.url(), checkpoints, ModelCheckpoint
              .newBuilder(ItSupport.writeBundle(store, MODEL, "3", 3)).setStage(ModelStage.CANDIDATE).build(),
              TRAINER_1);
          awaitStatus(poll, s -> s.status().equals(RolloutStatus.CANDIDATE_LOADED) && s.version().equals("3"),
              "candidate 3 in shadow");
          ItSupport.publishSigned(bootstrap, registry.url(), checkpoints,
              ModelCheckpoint.newBuilder(c3).setStage(ModelStage.RETIRED).build(), TRAINER_1);
          awaitStatus(poll, s -> s.status().equals(RolloutStatus.CANDIDATE_RETIRED), "candidate 3 retired");
          String candidateSlot = CheckpointKeys.candidate(MODEL);
          replay(bootstrap, registry.url(), checkpoints, candidateSlot, "3", ModelStage.CANDIDATE);
          awaitStatus(poll, s -> refusedAsReplay(s, "3"), "the replayed CANDIDATE 3 to be refused");
          assertNull(app.models().candidateVersion(), "the retired candidate did not come back");
          ItSupport.publishSigned(bootstrap, registry.url(), checkpoints, ModelCheckpoint
              .newBuilder(ItSupport.writeBundle(store, MODEL, "4", 4)).setStage(ModelStage.CANDIDATE).build(),
              TRAINER_2);
          awaitStatus(poll, s -> s.status().equals(RolloutStatus.CANDIDATE_LOADED) && s.version().equals("4"),
              "candidate 4 in shadow");
          int before = statuses.size();
          replay(bootstrap, registry.url(), checkpoints, candidateSlot, "3", ModelStage.RETIRED);
          awaitStatus(poll, s -> statuses.indexOf(s) >= before && refusedAsReplay(s, "3"),
              "the replayed RETIRED 3 to be refused");
          assertEquals("4", app.models().candidateVersion());
        } finally {
          app.close();
        }

        // A restart replays the whole topic (v1, v2, the replay, ...) through the checks: it ends on v2.
        int restartedAt = statuses.size();
        try (NlpService restarted = NlpService.start(new NlpConfig(props))) {
          ItSupport.waitFor(Duration.ofSeconds(60), () -> "2".equals(restarted.models().currentVersion()),
              "the restarted instance to serve v2");
          assertNoLoadOf("1", restartedAt, poll);
        }

        // Compaction keeps only the latest record per key: the replay replaces v2's record in the topic itself.
        awaitCompaction(bootstrap, registry.url(), checkpoints);
        int compactedAt = statuses.size();
        try (NlpService again = NlpService.start(new NlpConfig(props))) {
          ItSupport.waitFor(Duration.ofSeconds(60), () -> "2".equals(again.models().currentVersion()),
              "the instance restarted after compaction to serve v2 (from its accepted record)");
          awaitStatus(poll, s -> statuses.indexOf(s) >= compactedAt && refusedAsReplay(s, "1"),
              "the replay to be refused again after the restart");
          assertNoLoadOf("1", compactedAt, poll);

          // A brand-new instance (no cache directory) with a maximum event age refuses the old replayed event.
          Map<String, Object> fresh = new HashMap<>(ItSupport.appConfig(NAME + "-new", bootstrap, registry.url(),
              dir.resolve("new"), input, output, checkpoints, status, MODEL));
          fresh.put(NlpConfig.HTTP_PORT_CONFIG, -1);
          fresh.put(NlpConfig.MODEL_TRUSTED_KEYS_CONFIG, TRUSTED);
          fresh.put(NlpConfig.MODEL_URI_ALLOWED_CONFIG, store.toUri().toString());
          fresh.put(NlpConfig.MODEL_MAX_EVENT_AGE_CONFIG, "1d");
          try (NlpService newcomer = NlpService.start(new NlpConfig(fresh))) {
            awaitStatus(poll, s -> s.instance().equals(NAME + "-new") && RolloutStatus.REFUSED.equals(s.status())
                && s.reason().startsWith("max.event.age:") && "1".equals(s.version()),
                "the brand-new instance to refuse the two-day-old event");
            assertNull(newcomer.models().currentVersion(), "serves nothing rather than v1");
          }

          // trainer rollback --to 1: a new event naming v1, with a higher sequence, signed by trainer-1.
          Path trainerJar = Path.of("..", "trainer", "target", "trainer.jar").toAbsolutePath().normalize();
          assumeTrue(Files.isRegularFile(trainerJar),
              "rollback part skipped: " + trainerJar + " is not built (run the whole reactor: mvn -B verify)");
          Path key = Files.writeString(dir.resolve("trainer-1.key"), TRAINER_1.toFileLine() + "\n");
          Path trusted = Files.writeString(dir.resolve("trusted.keys"), TRUSTED.replace(',', '\n') + "\n");
          Process rollback = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
              "-Xmx256m", "-cp", trainerJar.toString(), "org.streambert.trainer.TrainerApp", "rollback",
              "--model-name", MODEL, "--to", "1", "--topic", checkpoints, "--bootstrap-servers", bootstrap,
              "--schema-registry-url", registry.url(), "--signing-key", key.toString(), "--trusted-keys",
              trusted.toString()).redirectErrorStream(true)
              .redirectOutput(dir.resolve("rollback.log").toFile()).start();
          assertTrue(rollback.waitFor(120, TimeUnit.SECONDS), "trainer rollback did not finish");
          assertEquals(0, rollback.exitValue(), Files.readString(dir.resolve("rollback.log")));
          ItSupport.waitFor(Duration.ofSeconds(60), () -> "1".equals(again.models().currentVersion()),
              "the rollback to v1 to be accepted");
        }
      }
    }
  }

  private static boolean refusedAsReplay(RolloutStatus s, String version) {
    return RolloutStatus.REFUSED.equals(s.status()) && version.equals(s.version())
        && s.reason().startsWith("signature.replay:");
  }

  private RolloutStatus awaitStatus(Runnable poll, Predicate<RolloutStatus> wanted, String what)
      throws InterruptedException {
    List<RolloutStatus> found = new ArrayList<>();
    ItSupport.waitFor(Duration.ofSeconds(60), () -> {
      poll.run();
      statuses.stream().filter(wanted).findFirst().ifPresent(found::add);
      return !found.isEmpty();
    }, what + " (statuses so far: " + statuses + ")");
    return found.get(0);
  }

  private void assertNoLoadOf(String version, int from, Runnable poll) {
    poll.run();
    List<RolloutStatus> since = statuses.subList(from, statuses.size());
    assertTrue(since.stream().noneMatch(s -> s.loaded() && version.equals(s.version())),
        "loaded " + version + " after the restart: " + since);
  }

  /**
   * Produces the raw bytes of the first record under {@code key} naming {@code version} at {@code stage} again, as an
   * attacker with write access does with kcat: same key, same value bytes.
   */
  private static void replay(String bootstrap, String registryUrl, String topic, String key, String version,
      ModelStage stage) throws Exception {
    byte[] raw = null;
    try (SpecificAvroDeserializer<ModelCheckpoint> decoder = ItSupport.checkpointDeserializer(registryUrl)) {
      for (ConsumerRecord<String, byte[]> r : ItSupport.readAllCommitted(bootstrap, topic,
          new ByteArrayDeserializer())) {
        ModelCheckpoint cp = r.value() == null ? null : decoder.deserialize(topic, r.value());
        if (raw == null && key.equals(r.key()) && cp != null && version.equals(cp.getVersion())
            && cp.getStage() == stage) {
          raw = r.value();
        }
      }
    }
    assertTrue(raw != null, "no record of " + key + " " + version + " " + stage + " to replay");
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(ItSupport.producerProps(bootstrap),
        new StringSerializer(), new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>(topic, key, raw)).get(30, TimeUnit.SECONDS);
    }
  }

  /** Input, output and status topics, and the compacted checkpoint topic. */
  private static void createTopics(String bootstrap, List<String> topics, String checkpoints) throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      List<NewTopic> all = new ArrayList<>();
      topics.forEach(t -> all.add(new NewTopic(t, 1, (short) 1)));
      all.add(new NewTopic(checkpoints, 1, (short) 1).configs(Map.of(
          TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
      admin.createTopics(all).all().get(30, TimeUnit.SECONDS);
    }
  }

  /**
   * Makes the checkpoint topic roll a segment a second and clean at once, rolls it (a record of another key), and
   * waits until the cleaner left one record under the model's key: the replay, which came last.
   */
  private static void awaitCompaction(String bootstrap, String registryUrl, String topic) throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
      admin.incrementalAlterConfigs(Map.of(resource, List.of(
          new AlterConfigOp(new ConfigEntry(TopicConfig.SEGMENT_MS_CONFIG, "1000"), AlterConfigOp.OpType.SET),
          new AlterConfigOp(new ConfigEntry(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_CONFIG, "0.01"),
              AlterConfigOp.OpType.SET),
          new AlterConfigOp(new ConfigEntry(TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG, "0"),
              AlterConfigOp.OpType.SET)))).all().get(30, TimeUnit.SECONDS);
    }
    Thread.sleep(1_500);
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(ItSupport.producerProps(bootstrap),
        new StringSerializer(), new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>(topic, "another-model", null)).get(30, TimeUnit.SECONDS);
    }
    ItSupport.waitFor(Duration.ofSeconds(90), () -> {
      List<ConsumerRecord<String, byte[]>> left = ItSupport.readAllCommitted(bootstrap, topic,
          new ByteArrayDeserializer()).stream().filter(r -> MODEL.equals(r.key())).toList();
      return left.size() == 1;
    }, "compaction to leave only the replay under " + MODEL);
    try (SpecificAvroDeserializer<ModelCheckpoint> decoder = ItSupport.checkpointDeserializer(registryUrl)) {
      ConsumerRecord<String, byte[]> left = ItSupport.readAllCommitted(bootstrap, topic, new ByteArrayDeserializer())
          .stream().filter(r -> MODEL.equals(r.key())).findFirst().orElseThrow();
      assertEquals("1", decoder.deserialize(topic, left.value()).getVersion(), "the topic itself now names v1");
    }
  }
}
