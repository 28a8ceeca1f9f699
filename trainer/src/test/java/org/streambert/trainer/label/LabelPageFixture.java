package org.streambert.trainer.label;

import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.streambert.schemas.AvroSerdeConfig;
import org.streambert.schemas.SpecificAvroSerde;
import org.streambert.schemas.Topics;
import org.streambert.schemas.avro.EntitySpan;
import org.streambert.schemas.avro.TrainingDecision;
import org.streambert.schemas.avro.TrainingExample;
import org.streambert.schemas.avro.TrainingRun;
import org.streambert.schemas.embedded.KafkaBrokerProcess;
import org.streambert.schemas.signing.SigningKey;
import org.streambert.trainer.cli.LabelCommand;
import org.streambert.trainer.data.TopicSnapshot;
import org.streambert.trainer.label.internals.Users;
import picocli.CommandLine;

/**
 * A real broker with the loop's topics, labelling requests on {@code needs-labeling}, a labeller key, a users file
 * (alice, bob) and {@code trainer label} serving on a free loopback port; shared by the page's HTTP and browser tests.
 */
final class LabelPageFixture implements AutoCloseable {

  static final String PASSWORD = "correct horse battery";

  final Path dir;
  final KafkaBrokerProcess broker;
  final String registry = "mock://label-page-" + UUID.randomUUID();
  final Path key;
  final Path users;
  private LabelCommand command;
  private Thread thread;

  LabelPageFixture(Path dir) throws Exception {
    this.dir = dir;
    broker = KafkaBrokerProcess.start(dir.resolve("broker"), Map.of());
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(Topics.NEEDS_LABELING, 1, (short) 1),
          new NewTopic(Topics.TRAINING_EXAMPLES, 2, (short) 1), new NewTopic(Topics.TRAINING_RUNS, 1, (short) 1)))
          .all().get(60, TimeUnit.SECONDS);
    }
    key = dir.resolve("page.key");
    SigningKey.generate(key, dir.resolve("page.pub"), "labelling-page");
    users = dir.resolve("users");
    Files.writeString(users, Users.entry("alice", PASSWORD.toCharArray(), Users.MIN_ITERATIONS) + "\n"
        + Users.entry("bob", PASSWORD.toCharArray(), Users.MIN_ITERATIONS) + "\n");
  }

  /** A labelling request as the app writes it (id = SHA-256 of the text). */
  static TrainingExample request(String text, String label, float score, List<EntitySpan> entities) {
    return TrainingExample.newBuilder().setId(LabelStudio.sha256(text)).setText(text).setLabel(label)
        .setEntities(entities).setSource("suggestion:news@7 top=" + score).setCreatedAt(Instant.now())
        .setModelVersion("news@7").setScore(score).build();
  }

  void produceRequests(List<TrainingExample> requests) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    SpecificAvroSerde<TrainingExample> serde = new SpecificAvroSerde<>(TrainingExample.class);
    serde.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registry), false);
    try (KafkaProducer<String, TrainingExample> producer =
        new KafkaProducer<>(p, new StringSerializer(), serde.serializer())) {
      requests.forEach(r -> producer.send(new ProducerRecord<>(Topics.NEEDS_LABELING, r.getId(), r)));
      producer.flush();
    }
  }

  /** Rounds of trainer serve on {@code training-runs}, with the served model's held-out macro-F1 of each. */
  void produceRounds(double... servedMacroF1) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    SpecificAvroSerde<TrainingRun> serde = new SpecificAvroSerde<>(TrainingRun.class);
    serde.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registry), false);
    try (KafkaProducer<String, TrainingRun> producer =
        new KafkaProducer<>(p, new StringSerializer(), serde.serializer())) {
      for (int i = 0; i < servedMacroF1.length; i++) {
        Instant t = Instant.now().minusSeconds(3600L * (servedMacroF1.length - i));
        producer.send(new ProducerRecord<>(Topics.TRAINING_RUNS, "news", TrainingRun.newBuilder().setModelName("news")
            .setRound("r" + i).setChampionVersion("v" + i).setTrainExamples(100 * i).setHeldOutExamples(25 * i)
            .setNewExamples(100).setChampionMetrics(Map.of("macro_f1", servedMacroF1[i]))
            .setCandidateMetrics(Map.of("macro_f1", servedMacroF1[i] + 0.05))
            .setDecision(TrainingDecision.PUBLISHED_CANDIDATE).setReasons(List.of()).setStartedAt(t)
            .setFinishedAt(t).build()));
      }
      producer.flush();
    }
  }

  /** Every record of {@code training-examples}: key and value. */
  List<Map.Entry<String, TrainingExample>> examples() {
    SpecificAvroSerde<TrainingExample> serde = new SpecificAvroSerde<>(TrainingExample.class);
    serde.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registry), false);
    List<Map.Entry<String, TrainingExample>> out = new ArrayList<>();
    TopicSnapshot.read(broker.bootstrapServers(), Topics.TRAINING_EXAMPLES, new StringDeserializer(),
        serde.deserializer(), r -> out.add(Map.entry(r.key(), r.value())));
    return out;
  }

  /** Starts {@code trainer label} (stopping a running one first); returns its base URL. */
  String startPage(String... extra) throws Exception {
    stopPage();
    List<String> args = new ArrayList<>(List.of("--bootstrap-servers", broker.bootstrapServers(),
        "--schema-registry-url", registry, "--http-port", "0", "--users-file", users.toString(), "--labeller-key",
        key.toString(), "--classes", "business,sports,tech", "--entity-types", "LOC,PER"));
    args.addAll(List.of(extra));
    command = CommandLine.populateCommand(new LabelCommand(), args.toArray(String[]::new));
    LabelCommand c = command;
    thread = new Thread(() -> {
      try {
        c.call();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }, "trainer-label");
    thread.setDaemon(true);
    thread.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (c.port() < 0) {
      if (System.nanoTime() > deadline || !thread.isAlive()) {
        throw new IllegalStateException("trainer label did not start");
      }
      Thread.sleep(50);
    }
    return "http://127.0.0.1:" + c.port();
  }

  void stopPage() throws InterruptedException {
    if (command != null) {
      command.stop();
      thread.join(15_000);
      command = null;
    }
  }

  /** An HTTP client with its own cookies, logged in as {@code user}. */
  static HttpClient login(String base, String user) throws Exception {
    HttpClient client = HttpClient.newBuilder().cookieHandler(new CookieManager())
        .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(10)).build();
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + "/login"))
        .header("Content-Type", "application/x-www-form-urlencoded").header("Origin", base)
        .POST(HttpRequest.BodyPublishers.ofString("user=" + user + "&password="
            + URLEncoder.encode(PASSWORD, StandardCharsets.UTF_8))).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 303 || !"/".equals(r.headers().firstValue("Location").orElse(""))) {
      throw new IllegalStateException("login failed: " + r.statusCode() + " " + r.headers().map());
    }
    return client;
  }

  @Override
  public void close() throws Exception {
    stopPage();
    broker.close();
  }
}
