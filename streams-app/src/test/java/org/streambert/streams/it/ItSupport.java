package org.streambert.streams.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.streambert.bert.bundle.BertBundles;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.bundle.ModelDescriptor;
import org.streambert.bert.bundle.TokenizerSettings;
import org.streambert.bert.heads.ClassificationHead;
import org.streambert.bert.heads.TokenClassificationHead;
import org.streambert.bert.inference.BertPredictor;
import org.streambert.bert.inference.Prediction;
import org.streambert.bert.model.BertModel;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.model.TinyBert;
import org.streambert.bert.model.WeightSource;
import org.streambert.bert.tokenizer.Vocab;
import org.streambert.schemas.AvroSerdeConfig;
import org.streambert.schemas.CheckpointKeys;
import org.streambert.schemas.SpecificAvroDeserializer;
import org.streambert.schemas.SpecificAvroSerializer;
import org.streambert.schemas.avro.EnrichedText;
import org.streambert.schemas.avro.Entity;
import org.streambert.schemas.avro.GoldenExample;
import org.streambert.schemas.avro.Head;
import org.streambert.schemas.avro.HeadType;
import org.streambert.schemas.avro.LabelScore;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.avro.ModelStage;
import org.streambert.schemas.avro.TextRecord;
import org.streambert.schemas.rollout.RolloutStatus;
import org.streambert.schemas.signing.CheckpointSequence;
import org.streambert.schemas.signing.SigningKey;
import org.streambert.streams.NlpConfig;
import org.streambert.streams.cli.StreamsApp;

/**
 * Shared pieces of the broker integration tests: a real tiny TensorFlow BERT written as a bundle and described by a
 * {@link ModelCheckpoint} whose golden example comes from the bundle's own predictor, Avro clients through a real
 * schema registry, and waiting.
 */
final class ItSupport {
  /**
   * The precision the broker tests serve their tiny models at. Their weights are N(0, 0.5²) (TinyBert): so saturated
   * that bfloat16 rounding moves class probabilities by up to ~0.1, past the bf16 golden tolerance meant for real
   * models (0.05; fine-tuned BERT-base moved by at most 0.028), so {@code auto} would refuse them on a bf16 CPU. Precision has its own tests
   * (PrecisionTest, TensorFlowModelRolloutTest).
   */
  static final String TINY_MODEL_PRECISION = "fp32";


  static final ClassificationHead TOPIC = new ClassificationHead("topic", List.of("sports", "politics"), false);
  static final TokenClassificationHead NER = new TokenClassificationHead("ner", List.of("O", "B-PER", "I-PER"));
  static final HeadsSpec HEADS = new HeadsSpec(2, false, 3);
  static final List<String> WORDS = List.of("alice", "met", "bob", "on", "the", "mat");
  static final String GOLDEN_TEXT = "alice met bob on the mat";

  private ItSupport() {
  }

  /** The tiny model's vocabulary: special tokens, {@link #WORDS}, then filler up to the config's size. */
  static Vocab vocab() {
    List<String> tokens = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"));
    tokens.addAll(WORDS);
    while (tokens.size() < TinyBert.CONFIG.vocabSize()) {
      tokens.add("w" + tokens.size());
    }
    return Vocab.of(tokens);
  }

  /** A text of 3–8 words of the vocabulary, different for different {@code i}. */
  static String text(int i) {
    StringBuilder s = new StringBuilder();
    int n = 3 + i % 6;
    for (int w = 0; w < n; w++) {
      s.append(w == 0 ? "" : " ").append(WORDS.get((i * 7 + w * 3 + i / 6) % WORDS.size()));
    }
    return s.toString();
  }

  /**
   * Writes a tiny TensorFlow BERT (weights from {@code seed}) as bundle {@code version} under {@code root} and
   * returns its checkpoint: bundle URI, manifest hash, heads, and one golden example computed by the bundle's own
   * predictor.
   */
  static ModelCheckpoint writeBundle(Path root, String modelName, String version, long seed) throws Exception {
    Path target = root.resolve(modelName + "-" + version);
    try (BertModel model = BertModel.create(TinyBert.CONFIG, HEADS,
        WeightSource.ofArrays(TinyBert.randomWeights(TinyBert.CONFIG, HEADS, seed)))) {
      BertBundles.write(target, model, vocab(), new ModelDescriptor(modelName, version, Instant.now(),
          BertBundles.bertConfigJson(TinyBert.CONFIG), new TokenizerSettings(true, 32), List.of(TOPIC, NER)));
    }
    ModelBundle bundle = ModelBundle.open(target);
    Prediction p;
    try (BertPredictor predictor = BertBundles.openPredictor(bundle, BertBundles.defaultPredictorConfig(bundle))) {
      p = predictor.predict(GOLDEN_TEXT);
    }
    List<LabelScore> scores = p.labelScores().stream().map(s -> new LabelScore(s.label(), s.score())).toList();
    List<Entity> entities = p.entities().stream()
        .map(e -> new Entity(e.type(), e.text(), e.start(), e.end(), e.score())).toList();
    return ModelCheckpoint.newBuilder().setModelName(modelName).setVersion(version)
        .setBundleUri(target.toUri().toString()).setManifestSha256(bundle.manifestSha256())
        .setCreatedAt(Instant.now())
        .setHeads(List.of(new Head("topic", HeadType.CLASSIFICATION, TOPIC.labels()),
            new Head("ner", HeadType.TOKEN_CLASSIFICATION, NER.labels())))
        .setGoldenExamples(List.of(GoldenExample.newBuilder().setText(GOLDEN_TEXT)
            .setExpectedLabel(p.label().label()).setExpectedScores(scores).setExpectedEntities(entities).build()))
        .build();
  }

  /**
   * Creates topics with {@code partitions} partitions each, and the compacted single-partition checkpoints topic, all
   * with the cluster's default replication factor (1 on a single broker, 3 on {@code KafkaCluster}).
   */
  static void createTopics(String bootstrap, int partitions, List<String> topics, String checkpointsTopic)
      throws Exception {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(p)) {
      List<NewTopic> all = new ArrayList<>();
      topics.forEach(t -> all.add(new NewTopic(t, Optional.of(partitions), Optional.empty())));
      all.add(new NewTopic(checkpointsTopic, Optional.of(1), Optional.empty())
          .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
      admin.createTopics(all).all().get(30, TimeUnit.SECONDS);
    }
  }

  /**
   * A rollback to an older version, as {@code trainer rollback} makes it: a new PROMOTED event naming that version's
   * bundle, not the old event's bytes sent again. Unsigned here; with trusted keys publish it through
   * {@link #publishSigned}, which numbers it as the slot's next event.
   */
  static ModelCheckpoint rollbackTo(ModelCheckpoint older) {
    return ModelCheckpoint.newBuilder(older).setStage(ModelStage.PROMOTED).setSigningKeyId(null).setSignature(null)
        .setSequence(null).setIssuedAt(null).setExpiresAt(null).build();
  }

  /**
   * Produces {@code checkpoint} exactly as given (Avro through the registry), keyed by model name, and waits for the
   * ack: unsigned or pre-signed events, and what an attacker with write access produces. A trainer's event is made by
   * {@link #publishSigned}.
   */
  static void publish(String bootstrap, String registryUrl, String topic, ModelCheckpoint checkpoint)
      throws Exception {
    try (KafkaProducer<String, ModelCheckpoint> producer = new KafkaProducer<>(producerProps(bootstrap),
        new StringSerializer(), avroSerializer(registryUrl))) {
      producer.send(new ProducerRecord<>(topic, checkpoint.getModelName(), checkpoint)).get(30, TimeUnit.SECONDS);
    }
  }

  /**
   * Publishes {@code checkpoint} as a trainer would: numbered as its slot's next event (the highest sequence on the
   * topic for its {@link CheckpointKeys slot} + 1, or the clock's milliseconds when higher; see
   * {@link CheckpointSequence#next}), issued now, signed by {@code key}, keyed by its slot; waits for the ack. The one
   * way broker tests make a correctly sequenced signed event.
   *
   * @return the event as produced
   */
  static ModelCheckpoint publishSigned(String bootstrap, String registryUrl, String topic, ModelCheckpoint checkpoint,
      SigningKey key) throws Exception {
    String slot = CheckpointKeys.of(checkpoint);
    Long highest = null;
    for (ConsumerRecord<String, ModelCheckpoint> r : readAllCommitted(bootstrap, topic,
        checkpointDeserializer(registryUrl))) {
      Long s = slot.equals(r.key()) && r.value() != null ? r.value().getSequence() : null;
      if (s != null && (highest == null || s > highest)) {
        highest = s;
      }
    }
    Instant now = Instant.now();
    ModelCheckpoint event = CheckpointSequence.issue(checkpoint, CheckpointSequence.next(highest, now), now, null, key);
    try (KafkaProducer<String, ModelCheckpoint> producer = new KafkaProducer<>(producerProps(bootstrap),
        new StringSerializer(), avroSerializer(registryUrl))) {
      producer.send(new ProducerRecord<>(topic, slot, event)).get(30, TimeUnit.SECONDS);
    }
    return event;
  }

  static SpecificAvroDeserializer<ModelCheckpoint> checkpointDeserializer(String registryUrl) {
    SpecificAvroDeserializer<ModelCheckpoint> d = new SpecificAvroDeserializer<>(ModelCheckpoint.class);
    d.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registryUrl), false);
    return d;
  }

  /**
   * The app's settings for a broker test named {@code name}: its topics, model, state and cache directories under
   * {@code dir}, batches of 8 within 50 ms, instance id {@code name}; callers add the HTTP port and their own keys.
   */
  static Map<String, Object> appConfig(String name, String bootstrap, String registryUrl, Path dir, String input,
      String output, String checkpoints, String status, String model) {
    Map<String, Object> props = new HashMap<>();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "nlp-" + name);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("state").toString());
    props.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registryUrl);
    props.put(NlpConfig.INPUT_TOPIC_CONFIG, input);
    props.put(NlpConfig.OUTPUT_TOPIC_CONFIG, output);
    props.put(NlpConfig.DLQ_TOPIC_CONFIG, name + "-dlq");
    props.put(NlpConfig.CHECKPOINTS_TOPIC_CONFIG, checkpoints);
    props.put(NlpConfig.ROLLOUT_STATUS_TOPIC_CONFIG, status);
    props.put(NlpConfig.MODEL_NAME_CONFIG, model);
    props.put(NlpConfig.MODEL_PRECISION_CONFIG, TINY_MODEL_PRECISION);
    props.put(NlpConfig.MODEL_CACHE_DIR_CONFIG, dir.resolve("model-cache").toString());
    props.put(NlpConfig.BATCH_MAX_SIZE_CONFIG, 8);
    props.put(NlpConfig.BATCH_MAX_DELAY_MS_CONFIG, 50L);
    props.put(NlpConfig.INSTANCE_ID_CONFIG, name);
    return props;
  }

  static Map<String, Object> producerProps(String bootstrap) {
    Map<String, Object> p = new HashMap<>();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    return p;
  }

  static <T extends SpecificRecord> SpecificAvroSerializer<T> avroSerializer(
      String registryUrl) {
    SpecificAvroSerializer<T> s = new SpecificAvroSerializer<>();
    s.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registryUrl), false);
    return s;
  }

  /**
   * Starts a thread that produces numbered TextRecords ({@code <name>-0000}, ...) to {@code input} while
   * {@code feeding} is true, one every {@code pauseMs}, each acknowledged before the next, and adds every produced
   * id to {@code produced}.
   */
  static Thread startFeeder(KafkaProducer<String, TextRecord> producer, String input, String name, long pauseMs,
      AtomicBoolean feeding, List<String> produced) {
    Thread feeder = new Thread(() -> {
      for (int i = 0; feeding.get(); i++) {
        String id = String.format("%s-%04d", name, i);
        try {
          producer.send(new ProducerRecord<>(input, id, textRecord(id, text(i)))).get(30, TimeUnit.SECONDS);
          produced.add(id);
          Thread.sleep(pauseMs);
        } catch (InterruptedException e) {
          return;
        } catch (Exception e) {
          throw new IllegalStateException("producing inputs failed", e);
        }
      }
    }, name + "-feeder");
    feeder.start();
    return feeder;
  }

  static KafkaProducer<String, TextRecord> textProducer(String bootstrap, String registryUrl) {
    return new KafkaProducer<>(producerProps(bootstrap), new StringSerializer(), avroSerializer(registryUrl));
  }

  static TextRecord textRecord(String id, String text) {
    return TextRecord.newBuilder().setId(id).setText(text).setEventTime(Instant.now()).build();
  }

  /** A read_committed consumer of {@code topic} from the beginning, with manual assignment of every partition. */
  static <V> KafkaConsumer<String, V> committedReader(String bootstrap, String topic, Deserializer<V> values) {
    return reader(bootstrap, topic, values, "read_committed");
  }

  /** A consumer of {@code topic} from the beginning with {@code isolation.level} {@code isolation}. */
  static <V> KafkaConsumer<String, V> reader(String bootstrap, String topic, Deserializer<V> values,
      String isolation) {
    Map<String, Object> c = new HashMap<>();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    KafkaConsumer<String, V> consumer = new KafkaConsumer<>(c, new StringDeserializer(), values);
    List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
        .map(i -> new TopicPartition(topic, i.partition())).toList();
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    return consumer;
  }

  static SpecificAvroDeserializer<EnrichedText> enrichedDeserializer(String registryUrl) {
    SpecificAvroDeserializer<EnrichedText> d = new SpecificAvroDeserializer<>(EnrichedText.class);
    d.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registryUrl), false);
    return d;
  }

  /**
   * Every record of {@code topic} a fresh read_committed consumer sees up to the last stable offset of each
   * partition, in partition order.
   */
  static <V> List<ConsumerRecord<String, V>> readAllCommitted(String bootstrap, String topic, Deserializer<V> values) {
    return readAll(bootstrap, topic, values, "read_committed");
  }

  /**
   * Every record of {@code topic} a fresh consumer with {@code isolation.level} {@code isolation} sees up to the end of
   * each partition (read_committed: the last stable offset; read_uncommitted: the high watermark, records of aborted
   * transactions included), in partition order.
   */
  static <V> List<ConsumerRecord<String, V>> readAll(String bootstrap, String topic, Deserializer<V> values,
      String isolation) {
    try (KafkaConsumer<String, V> consumer = reader(bootstrap, topic, values, isolation)) {
      Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
      List<ConsumerRecord<String, V>> out = new ArrayList<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("could not read " + topic + " up to " + end);
        }
        consumer.poll(Duration.ofMillis(200)).forEach(out::add);
      }
      return out;
    }
  }

  static void waitFor(Duration timeout, BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        StringBuilder threads = new StringBuilder();
        Thread.getAllStackTraces().forEach((t, stack) -> {
          threads.append('"').append(t.getName()).append("\" ").append(t.getState()).append('\n');
          for (StackTraceElement e : stack) {
            threads.append("    at ").append(e).append('\n');
          }
        });
        System.out.println("threads when waiting for " + what + " timed out:\n" + threads);
        throw new AssertionError("timed out after " + timeout + " waiting for " + what);
      }
      Thread.sleep(50);
    }
  }

  /** {@code java -cp <this classpath> org.streambert.streams.cli.StreamsApp run --config <file>}. */
  static Process startApp(Path config, Path log) throws IOException {
    return startApp(config, log, List.of());
  }

  /** {@link #startApp(Path, Path)} with more JVM options (system properties of a test's model loader). */
  static Process startApp(Path config, Path log, List<String> jvmOptions) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-XX:+UseSerialGC"));
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), StreamsApp.class.getName(), "run", "--config",
        config.toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    Map<String, String> env = pb.environment();
    // The config file alone decides: no NLP_*/KAFKA_* variables of the build environment leak in.
    new HashMap<>(env).keySet().stream()
        .filter(k -> k.startsWith("NLP_") || k.startsWith("KAFKA_") || k.equals("SCHEMA_REGISTRY_URL"))
        .forEach(env::remove);
    return pb.start();
  }

  /** Waits for the app's LOADED status record of the model. */
  static void awaitLoaded(KafkaConsumer<String, String> statuses, Process app) throws InterruptedException {
    List<RolloutStatus> seen = new ArrayList<>();
    ItSupport.waitFor(Duration.ofSeconds(60), () -> {
      assertTrue(app.isAlive(), "the app exited during start-up");
      statuses.poll(Duration.ofMillis(200)).forEach(r -> seen.add(RolloutStatus.fromJson(r.value())));
      if (seen.stream().anyMatch(s -> !s.loaded())) {
        throw new AssertionError("the model was refused: " + seen);
      }
      return seen.stream().anyMatch(RolloutStatus::loaded);
    }, "the model to be loaded");
  }

  static void stop(Process p) throws InterruptedException {
    if (p != null && p.isAlive()) {
      p.destroy();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }
}
