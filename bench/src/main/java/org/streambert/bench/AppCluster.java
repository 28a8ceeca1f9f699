package org.streambert.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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
import org.streambert.bert.inference.BertPredictor;
import org.streambert.bert.inference.Prediction;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.BertModel;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.model.WeightSource;
import org.streambert.bert.tokenizer.Vocab;
import org.streambert.schemas.AvroSerdeConfig;
import org.streambert.schemas.SpecificAvroDeserializer;
import org.streambert.schemas.SpecificAvroSerializer;
import org.streambert.schemas.avro.EnrichedText;
import org.streambert.schemas.avro.Entity;
import org.streambert.schemas.avro.GoldenExample;
import org.streambert.schemas.avro.Head;
import org.streambert.schemas.avro.HeadType;
import org.streambert.schemas.avro.LabelScore;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.embedded.KafkaBrokerProcess;
import org.streambert.schemas.registry.EmbeddedSchemaRegistry;
import org.streambert.streams.NlpConfig;
import org.streambert.streams.cli.StreamsApp;

/**
 * What the multi-process benches share: a real single-node KRaft broker and the embedded schema registry in this
 * JVM, app instances as child JVMs ({@code StreamsApp run --config}, as a deployment runs them), bundles of a small
 * BERT over the real uncased vocabulary with golden examples from their own predictor, and readings of a child's
 * process (RSS, threads, file descriptors from {@code /proc}) and of its {@code /metrics}.
 */
final class AppCluster implements AutoCloseable {

  /** An app instance: its child JVM, HTTP port and log. */
  record Instance(String id, Process process, int httpPort, Path log) {
  }

  /** A child process's resident memory, threads and open file descriptors, from {@code /proc/<pid>}. */
  record ProcStats(long rssKb, int threads, int fds) {
  }

  final Path dir;
  final KafkaBrokerProcess broker;
  final EmbeddedSchemaRegistry registry;
  private final List<Instance> started = new ArrayList<>();

  private AppCluster(Path dir, KafkaBrokerProcess broker, EmbeddedSchemaRegistry registry) {
    this.dir = dir;
    this.broker = broker;
    this.registry = registry;
  }

  static AppCluster start(Path dir) throws IOException {
    KafkaBrokerProcess broker = KafkaBrokerProcess.start(dir.resolve("broker"),
        Map.of("transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000"));
    return new AppCluster(dir, broker, EmbeddedSchemaRegistry.start(0));
  }

  String bootstrap() {
    return broker.bootstrapServers();
  }

  /** Topics of {@code partitions} partitions, and the compacted single-partition checkpoints topic (unless null). */
  void createTopics(int partitions, List<String> topics, String checkpoints) throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()))) {
      List<NewTopic> all = new ArrayList<>();
      topics.forEach(t -> all.add(new NewTopic(t, partitions, (short) 1)));
      if (checkpoints != null) {
        all.add(new NewTopic(checkpoints, 1, (short) 1)
            .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
      }
      admin.createTopics(all).all().get(30, TimeUnit.SECONDS);
    }
  }

  /**
   * Writes a BERT of {@code config} with random weights from {@code seed} and the bench heads as bundle
   * {@code version}, and returns its checkpoint event (bundle URI, manifest hash, heads, one golden example from the
   * bundle's own predictor).
   */
  ModelCheckpoint writeBundle(String model, String version, BertConfig config, Vocab vocab, long seed)
      throws Exception {
    Path target = dir.resolve("bundles").resolve(model + "-" + version);
    HeadsSpec heads = new HeadsSpec(BenchSupport.CLASSES.size(), false, BenchSupport.TAGS.size());
    try (BertModel m = BertModel.create(config, heads, WeightSource.random(config.initializerRange(), seed))) {
      BertBundles.write(target, m, vocab, new ModelDescriptor(model, version, Instant.now(),
          BertBundles.bertConfigJson(config), new TokenizerSettings(true, 128),
          List.of(BenchSupport.CLASSES, BenchSupport.TAGS)));
    }
    ModelBundle bundle = ModelBundle.open(target);
    String golden = "Alice Smith flew from Paris to Berlin on Monday.";
    Prediction p;
    try (BertPredictor predictor = BertBundles.openPredictor(bundle, BertBundles.defaultPredictorConfig(bundle))) {
      p = predictor.predict(golden);
    }
    return ModelCheckpoint.newBuilder().setModelName(model).setVersion(version)
        .setBundleUri(target.toUri().toString()).setManifestSha256(bundle.manifestSha256())
        .setCreatedAt(Instant.now())
        .setHeads(List.of(new Head(BenchSupport.CLASSES.name(), HeadType.CLASSIFICATION, BenchSupport.CLASSES.labels()),
            new Head(BenchSupport.TAGS.name(), HeadType.TOKEN_CLASSIFICATION, BenchSupport.TAGS.labels())))
        .setGoldenExamples(List.of(GoldenExample.newBuilder().setText(golden)
            .setExpectedLabel(p.label().label())
            .setExpectedScores(p.labelScores().stream().map(s -> new LabelScore(s.label(), s.score())).toList())
            .setExpectedEntities(p.entities().stream()
                .map(e -> new Entity(e.type(), e.text(), e.start(), e.end(), e.score())).toList())
            .build()))
        .build();
  }

  /** Publishes a checkpoint event (Avro through the registry), keyed by model name: the benches' one way to. */
  void publish(String topic, ModelCheckpoint checkpoint) throws Exception {
    SpecificAvroSerializer<ModelCheckpoint> values = new SpecificAvroSerializer<>();
    values.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registry.url()), false);
    try (KafkaProducer<String, ModelCheckpoint> producer = new KafkaProducer<>(producerProps(),
        new StringSerializer(), values)) {
      producer.send(new ProducerRecord<>(topic, checkpoint.getModelName(), checkpoint)).get(30, TimeUnit.SECONDS);
    }
  }

  Map<String, Object> producerProps() {
    Map<String, Object> p = new HashMap<>();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    return p;
  }

  /** The settings every bench instance shares; callers add the topics, model and their own keys. */
  Map<String, Object> appConfig(String applicationId, String instanceId) {
    Map<String, Object> c = new HashMap<>();
    c.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    c.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    c.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("state-" + instanceId).toString());
    c.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registry.url());
    c.put(NlpConfig.MODEL_CACHE_DIR_CONFIG, dir.resolve("model-cache-" + instanceId).toString());
    c.put(NlpConfig.INSTANCE_ID_CONFIG, instanceId);
    c.put(NlpConfig.HTTP_BIND_ADDRESS_CONFIG, "127.0.0.1");
    c.put(NlpConfig.MODEL_PRECISION_CONFIG, "fp32");
    return c;
  }

  /**
   * Starts an instance as a child JVM with {@code config} (an HTTP port is added) and these JVM options (e.g. the
   * heap).
   */
  Instance startApp(String instanceId, Map<String, Object> config, List<String> jvmOptions) throws IOException {
    int port = freePort();
    Properties p = new Properties();
    config.forEach((k, v) -> p.setProperty(k, String.valueOf(v)));
    p.setProperty(NlpConfig.HTTP_PORT_CONFIG, String.valueOf(port));
    Path file = dir.resolve(instanceId + ".properties");
    try (Writer out = Files.newBufferedWriter(file)) {
      p.store(out, "bench instance " + instanceId);
    }
    Path log = dir.resolve(instanceId + ".log");
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), StreamsApp.class.getName(), "run", "--config",
        file.toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().keySet().removeIf(k -> k.startsWith("NLP_") || k.startsWith("KAFKA_")
        || k.equals("SCHEMA_REGISTRY_URL"));
    Instance instance = new Instance(instanceId, pb.start(), port, log);
    started.add(instance);
    return instance;
  }

  /** SIGTERM and wait (the app closes cleanly); SIGKILL after 60 s. */
  static void stop(Instance instance) throws InterruptedException {
    if (instance.process().isAlive()) {
      instance.process().destroy();
      if (!instance.process().waitFor(60, TimeUnit.SECONDS)) {
        instance.process().destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /** {@code GET /path} of an instance; null when it does not answer. */
  static String get(Instance instance, String path) {
    try {
      HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + instance.httpPort() + path)).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
      return r.body();
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** The sum of a Prometheus metric's samples whose line starts with {@code prefix} (name and optional labels). */
  static double metric(String scrape, String name, String labelFilter) {
    double sum = 0;
    boolean found = false;
    for (String line : scrape.split("\n")) {
      if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
        if (labelFilter == null || line.contains(labelFilter)) {
          sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
          found = true;
        }
      }
    }
    return found ? sum : Double.NaN;
  }

  /** Runs {@code jcmd <pid> GC.run}: a full collection in the child, so that its heap then holds live data only. */
  static void fullGc(Instance instance) throws IOException, InterruptedException {
    Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
        String.valueOf(instance.process().pid()), "GC.run").redirectErrorStream(true).start();
    try (InputStream out = jcmd.getInputStream()) {
      out.readAllBytes();
    }
    jcmd.waitFor(60, TimeUnit.SECONDS);
  }

  static ProcStats stats(Instance instance) throws IOException {
    long pid = instance.process().pid();
    long rss = 0;
    int threads = 0;
    for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
      if (line.startsWith("VmRSS:")) {
        rss = Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
      } else if (line.startsWith("Threads:")) {
        threads = Integer.parseInt(line.substring(8).trim());
      }
    }
    int fds;
    try (Stream<Path> s = Files.list(Path.of("/proc", String.valueOf(pid), "fd"))) {
      fds = (int) s.count();
    }
    return new ProcStats(rss, threads, fds);
  }

  /** A read_committed consumer of every partition of {@code topic}, from the beginning. */
  <V> KafkaConsumer<String, V> committedReader(String topic, Deserializer<V> values) {
    Map<String, Object> c = new HashMap<>();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    c.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 << 20);
    KafkaConsumer<String, V> consumer = new KafkaConsumer<>(c, new StringDeserializer(), values);
    List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
        .map(i -> new TopicPartition(topic, i.partition())).toList();
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    return consumer;
  }

  SpecificAvroDeserializer<EnrichedText> enrichedDeserializer() {
    SpecificAvroDeserializer<EnrichedText> d = new SpecificAvroDeserializer<>(EnrichedText.class);
    d.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registry.url()), false);
    return d;
  }

  /** Every record of {@code topic} up to each partition's last stable offset. */
  <V> List<ConsumerRecord<String, V>> readAllCommitted(String topic, Deserializer<V> values) {
    try (KafkaConsumer<String, V> consumer = committedReader(topic, values)) {
      Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
      List<ConsumerRecord<String, V>> out = new ArrayList<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("could not read " + topic + " up to " + end);
        }
        consumer.poll(Duration.ofMillis(200)).forEach(out::add);
      }
      return out;
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** Stops every instance still running (SIGKILL: a bench that failed), the registry, then the broker. */
  @Override
  public void close() {
    for (Instance i : started) {
      if (i.process().isAlive()) {
        i.process().destroyForcibly();
      }
    }
    registry.close();
    broker.close();
  }

  /** A small BERT over {@code vocabSize} word pieces: L layers, hidden H, H/64 heads, 4H intermediate. */
  static BertConfig smallBert(int vocabSize, int layers, int hidden) {
    return new BertConfig(vocabSize, hidden, layers, Math.max(1, hidden / 64), 4 * hidden,
        BertConfig.DEFAULT_HIDDEN_ACT, 0.1, 0.1, BertConfig.DEFAULT_MAX_POSITION_EMBEDDINGS,
        BertConfig.DEFAULT_TYPE_VOCAB_SIZE, BertConfig.DEFAULT_INITIALIZER_RANGE);
  }
}
