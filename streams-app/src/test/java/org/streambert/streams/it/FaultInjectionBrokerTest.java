package org.streambert.streams.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.schemas.AvroSerdeConfig;
import org.streambert.schemas.SpecificAvroSerializer;
import org.streambert.schemas.avro.EnrichedText;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.avro.TextRecord;
import org.streambert.schemas.embedded.KafkaBrokerProcess;
import org.streambert.schemas.registry.EmbeddedSchemaRegistry;
import org.streambert.schemas.registry.RegisteredSchema;
import org.streambert.schemas.registry.RestSchemaRegistryClient;
import org.streambert.schemas.registry.SchemaRegistryClient;
import org.streambert.schemas.rollout.RolloutStatus;
import org.streambert.streams.NlpConfig;
import org.streambert.streams.it.EosVerifier.Sent;

/**
 * Issue 11 §6: the application runs as a child JVM on a real KRaft broker and a real TensorFlow model while a producer
 * writes {@value #PHASES} × {@value #GOOD_PER_PHASE} good records mixed with poison pills, and faults are injected one
 * after the other: (a) SIGKILL of the app mid-stream and a restart, (b) the schema registry stopped (while a record
 * with a schema id the app has never seen waits) and restarted, (c) a broker restart, (d) a model load that fails (a
 * checkpoint with a wrong manifest hash) and an undecodable checkpoint event, (e) slow HTTP clients holding
 * connections to the app's endpoint. A read_committed verifier then checks that every input is in the output or in
 * the dead-letter topic exactly once, outputs keep input order per partition, the dead-letter topic holds exactly
 * the poison pills with the expected reasons, and /health is healthy again. Figures go to standard output (see
 * docs/reliability.md).
 */
class FaultInjectionBrokerTest {

  static final int PHASES = 4;
  static final int GOOD_PER_PHASE = 500;
  static final String MODEL = "tiny-faults";
  static final String INPUT = "faults-input";
  static final String OUTPUT = "faults-enriched";
  static final String DLQ = "faults-dlq";
  static final String CHECKPOINTS = "faults-checkpoints";
  static final String STATUS = "faults-rollout-status";

  @TempDir
  Path dir;

  private final List<Sent> sent = new ArrayList<>();
  private final Map<String, byte[]> pillBytes = new LinkedHashMap<>();
  private final List<String> live = new ArrayList<>();
  private long lastOutputNanos;
  private long maxStallNanos;
  private int injected;

  @Test
  void shouldDeliverEveryInputExactlyOnceToOutputOrDeadLetterTopicUnderInjectedFaults() throws Exception {
    long started = System.nanoTime();
    Map<String, String> brokerConfig = Map.of("transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000");
    KafkaBrokerProcess broker = KafkaBrokerProcess.start(dir.resolve("broker"), brokerConfig);
    EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.start(0);
    int registryPort = registry.port();
    String registryUrl = registry.url();
    String bootstrap = broker.bootstrapServers();
    int httpPort = freePort();
    Process app = null;
    List<Socket> slowClients = new ArrayList<>();
    try {
      ItSupport.createTopics(bootstrap, 2, List.of(INPUT, OUTPUT, DLQ, STATUS), CHECKPOINTS);
      ModelCheckpoint v1 = ItSupport.writeBundle(dir.resolve("bundles"), MODEL, "1", 1);
      ItSupport.publish(bootstrap, registryUrl, CHECKPOINTS, v1);
      Path config = writeConfig(bootstrap, registryUrl, httpPort);

      // Every value is serialized up front, so producing never needs the registry (it is down in phase 2).
      SpecificAvroSerializer<TextRecord> serializer = ItSupport.avroSerializer(registryUrl);
      List<byte[]> good = new ArrayList<>();
      for (int i = 0; i < PHASES * GOOD_PER_PHASE; i++) {
        good.add(serializer.serialize(INPUT, ItSupport.textRecord(id(i), ItSupport.text(i))));
      }
      Map<String, PoisonPills.Pill> pills = PoisonPills.all(serializer, INPUT);

      try (KafkaConsumer<String, EnrichedText> reader = ItSupport.committedReader(bootstrap, OUTPUT,
          ItSupport.enrichedDeserializer(registryUrl));
          KafkaConsumer<String, String> statuses = ItSupport.committedReader(bootstrap, STATUS,
              new StringDeserializer())) {
        app = ItSupport.startApp(config, dir.resolve("app-1.log"));
        ItSupport.awaitLoaded(statuses, app);

        // (a) SIGKILL mid-stream, restart.
        produce(bootstrap, good, 0, pills, "1");
        Process first = app;
        ItSupport.waitFor(Duration.ofSeconds(90), () -> {
          assertTrue(first.isAlive(), "the app died by itself; see app-1.log");
          poll(reader);
          return live.size() >= 100;
        }, "100 committed outputs before the kill");
        first.destroyForcibly();
        assertTrue(first.waitFor(30, TimeUnit.SECONDS));
        assertEquals(137, first.exitValue(), "not killed by SIGKILL");
        injected++;
        System.out.printf("(a) killed the app with %d committed outputs seen%n", live.size());
        app = ItSupport.startApp(config, dir.resolve("app-2.log"));
        ItSupport.awaitLoaded(statuses, app);

        // (b) registry down while a record with a never-seen schema id waits; then back with the same ids.
        awaitOutputs(reader, app, GOOD_PER_PHASE);
        List<RegisteredSchema> schemas = registered(registryUrl);
        registry.close();
        injected++;
        byte[] unknownId = PoisonPills.withSchemaId(pills.get("unknown-id").bytes(), 424_242);
        produce(bootstrap, good, 1, Map.of("unknown-id-during-outage", new PoisonPills.Pill(unknownId, "UNDECODABLE")),
            "2");
        Thread.sleep(4_000); // the app keeps failing the task on the transient registry error, and retries
        registry = EmbeddedSchemaRegistry.start(registryPort);
        reRegister(registry.url(), schemas);
        System.out.printf("(b) registry stopped for ~4 s and restarted with %d schema(s)%n", schemas.size());

        // (c) broker restart.
        awaitOutputs(reader, app, 2 * GOOD_PER_PHASE);
        injected++;
        broker = broker.restart();
        System.out.println("(c) broker restarted");
        produce(bootstrap, good, 2, pills, "3");

        // (d) a model load that fails, and an undecodable checkpoint event; (e) slow HTTP clients.
        awaitOutputs(reader, app, 3 * GOOD_PER_PHASE);
        char[] sha = v1.getManifestSha256().toCharArray();
        sha[0] = sha[0] == '0' ? '1' : '0';
        ModelCheckpoint corrupt = ItSupport.writeBundle(dir.resolve("bundles"), MODEL, "2", 2);
        ItSupport.publish(bootstrap, registry.url(), CHECKPOINTS,
            ModelCheckpoint.newBuilder(corrupt).setManifestSha256(new String(sha)).build());
        try (KafkaProducer<String, byte[]> raw = new KafkaProducer<>(ItSupport.producerProps(bootstrap),
            new StringSerializer(), new ByteArraySerializer())) {
          byte[] header = ItSupport.<ModelCheckpoint>avroSerializer(registry.url()).serialize(CHECKPOINTS, v1);
          byte[] bomb = PoisonPills.avro(header, e -> e.writeLong(1L << 31)); // a model name 2 GiB long
          raw.send(new ProducerRecord<>(CHECKPOINTS, MODEL, bomb)).get(30, TimeUnit.SECONDS);
        }
        injected += 2;
        for (int i = 0; i < 3; i++) {
          Socket slow = new Socket(InetAddress.getLoopbackAddress(), httpPort);
          slow.getOutputStream().write("GET /hea".getBytes(StandardCharsets.ISO_8859_1));
          slowClients.add(slow);
        }
        injected++;
        long healthStart = System.nanoTime();
        String health = get(httpPort, "/health");
        long healthMillis = (System.nanoTime() - healthStart) / 1_000_000;
        assertTrue(health.startsWith("HTTP/1.1 200"), health);
        assertTrue(healthMillis < 1_000, "/health took " + healthMillis + " ms beside 3 slow clients");
        System.out.printf("(e) /health answered in %d ms beside 3 half-open requests%n", healthMillis);
        produce(bootstrap, good, 3, pills, "4");
        List<RolloutStatus> refusals = new ArrayList<>();
        ItSupport.waitFor(Duration.ofSeconds(60), () -> {
          statuses.poll(Duration.ofMillis(200)).forEach(r -> refusals.add(RolloutStatus.fromJson(r.value())));
          return refusals.stream().filter(s -> !s.loaded()).count() >= 2;
        }, "REFUSED statuses for the corrupt checkpoint and the undecodable event");
        System.out.printf("(d) refusals: %s%n", refusals.stream().map(RolloutStatus::reason).toList());
        assertTrue(refusals.stream().noneMatch(RolloutStatus::loaded), "a bad checkpoint was loaded");

        awaitOutputs(reader, app, PHASES * GOOD_PER_PHASE);
        long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(2); // a late duplicate would show up here
        while (System.nanoTime() < settle) {
          poll(reader);
        }
        String finalHealth = get(httpPort, "/health");
        assertTrue(finalHealth.startsWith("HTTP/1.1 200") && finalHealth.contains("RUNNING"),
            "no stream thread may stay dead: " + finalHealth);
      } finally {
        for (Socket s : slowClients) {
          s.close();
        }
        ItSupport.stop(app);
      }
      verify(bootstrap, registry.url(), started);
      System.out.printf("app logs: %d task failure(s) on transient errors, %d stream thread replacement(s)%n",
          countInLogs("failing task"), countInLogs("replacing it in"));
      assertEquals(0, countInLogs("has been already registered"),
          "a replacement stream thread registered the instance's meters again (Micrometer's warning)");
    } finally {
      registry.close();
      broker.close();
    }
  }

  private long countInLogs(String text) throws IOException {
    long n = 0;
    for (String log : List.of("app-1.log", "app-2.log")) {
      try (var lines = Files.lines(dir.resolve(log))) {
        n += lines.filter(l -> l.contains(text)).count();
      }
    }
    return n;
  }

  private static String id(int i) {
    return String.format("r%05d", i);
  }

  /** Produces phase {@code phase}'s good records with the pills spread among them; waits for every ack. */
  private void produce(String bootstrap, List<byte[]> good, int phase, Map<String, PoisonPills.Pill> pills,
      String tag) throws Exception {
    Map<String, Object> props = ItSupport.producerProps(bootstrap);
    props.put("max.request.size", 2 << 20);
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(),
        new ByteArraySerializer())) {
      List<Map.Entry<String, PoisonPills.Pill>> pillList = new ArrayList<>(pills.entrySet());
      int every = GOOD_PER_PHASE / (pillList.size() + 1);
      int nextPill = 0;
      for (int k = 0; k < GOOD_PER_PHASE; k++) {
        int i = phase * GOOD_PER_PHASE + k;
        send(producer, id(i), good.get(i), null);
        if (k > 0 && k % every == 0 && nextPill < pillList.size()) {
          Map.Entry<String, PoisonPills.Pill> pill = pillList.get(nextPill++);
          String key = "pill-" + tag + "-" + pill.getKey();
          pillBytes.put(key, pill.getValue().bytes());
          send(producer, key, pill.getValue().bytes(), pill.getValue().reason());
        }
      }
      producer.flush();
    }
  }

  private void send(KafkaProducer<String, byte[]> producer, String key, byte[] value, String expectedReason)
      throws Exception {
    RecordMetadata meta = producer.send(new ProducerRecord<>(INPUT, key, value)).get(60, TimeUnit.SECONDS);
    sent.add(new Sent(key, meta.partition(), expectedReason, System.currentTimeMillis()));
  }

  private void poll(KafkaConsumer<String, EnrichedText> reader) {
    long now = System.nanoTime();
    int before = live.size();
    reader.poll(Duration.ofMillis(100)).forEach(r -> live.add(r.value().getId()));
    long goodSent = sent.stream().filter(s -> s.expectedReason() == null).count();
    if (live.size() > before || live.size() >= goodSent) {
      lastOutputNanos = now; // progress, or nothing outstanding: no stall
    } else if (lastOutputNanos > 0) {
      maxStallNanos = Math.max(maxStallNanos, now - lastOutputNanos);
    }
  }

  private void awaitOutputs(KafkaConsumer<String, EnrichedText> reader, Process app, int count)
      throws InterruptedException {
    ItSupport.waitFor(Duration.ofSeconds(120), () -> {
      assertTrue(app.isAlive(), "the app died by itself; see its log");
      poll(reader);
      return live.size() >= count;
    }, count + " outputs (have " + live.size() + ")");
  }

  private void verify(String bootstrap, String registryUrl, long started) {
    EosVerifier.Report report = EosVerifier.verify(bootstrap, registryUrl, OUTPUT, DLQ, sent, pillBytes);
    for (ConsumerRecord<String, EnrichedText> r : report.outputs()) {
      assertEquals("1", r.value().getModelVersion(), "a refused model served " + r.key());
    }
    System.out.printf("fault injection: %d records (%d good, %d poison pills), %d faults injected, %d outputs,"
        + " %d dead letters, %d lost, %d duplicated, max stall %d ms, %d s in all%n", sent.size(),
        sent.size() - report.pills(), report.pills(), injected, report.outputs().size(), report.deadLetters().size(),
        report.lost(), report.duplicated(), maxStallNanos / 1_000_000, (System.nanoTime() - started) / 1_000_000_000L);
  }

  private static List<RegisteredSchema> registered(String url) {
    SchemaRegistryClient client = client(url);
    List<RegisteredSchema> all = new ArrayList<>();
    for (String subject : client.subjects()) {
      for (int version : client.versions(subject)) {
        all.add(client.version(subject, version));
      }
    }
    all.sort(Comparator.comparingInt(RegisteredSchema::id));
    return all;
  }

  /** Registers the schemas again in id order, so that the fresh in-memory registry hands out the same ids. */
  private static void reRegister(String url, List<RegisteredSchema> schemas) {
    SchemaRegistryClient client = client(url);
    for (RegisteredSchema s : schemas) {
      assertEquals(s.id(), client.register(s.subject(), s.schema()), "id of " + s.subject());
    }
  }

  private static SchemaRegistryClient client(String url) {
    return new RestSchemaRegistryClient(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, url));
  }

  /** GET over a raw socket (HTTP/1.1, the server closes the connection); the whole response. */
  private static String get(int port, String path) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private Path writeConfig(String bootstrap, String registryUrl, int httpPort) throws IOException {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, "nlp-faults-test");
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("state").toString());
    p.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registryUrl);
    // Registry failures surface quickly as transient errors (the task fails and retries) instead of blocking.
    p.put(AvroSerdeConfig.MAX_RETRIES_CONFIG, "1");
    p.put(AvroSerdeConfig.RETRIES_WAIT_MS_CONFIG, "100");
    p.put(AvroSerdeConfig.HTTP_CONNECT_TIMEOUT_MS_CONFIG, "1000");
    p.put(AvroSerdeConfig.HTTP_READ_TIMEOUT_MS_CONFIG, "2000");
    p.put("session.timeout.ms", "6000");
    p.put("heartbeat.interval.ms", "1500");
    p.put("max.request.size", String.valueOf(2 << 20));
    p.put(NlpConfig.INPUT_TOPIC_CONFIG, INPUT);
    p.put(NlpConfig.OUTPUT_TOPIC_CONFIG, OUTPUT);
    p.put(NlpConfig.DLQ_TOPIC_CONFIG, DLQ);
    p.put(NlpConfig.CHECKPOINTS_TOPIC_CONFIG, CHECKPOINTS);
    p.put(NlpConfig.ROLLOUT_STATUS_TOPIC_CONFIG, STATUS);
    p.put(NlpConfig.MODEL_NAME_CONFIG, MODEL);
    p.put(NlpConfig.MODEL_PRECISION_CONFIG, ItSupport.TINY_MODEL_PRECISION);
    p.put(NlpConfig.MODEL_CACHE_DIR_CONFIG, dir.resolve("model-cache").toString());
    p.put(NlpConfig.BATCH_MAX_SIZE_CONFIG, "16");
    p.put(NlpConfig.BATCH_MAX_DELAY_MS_CONFIG, "20");
    p.put(NlpConfig.HTTP_PORT_CONFIG, String.valueOf(httpPort));
    p.put(NlpConfig.HTTP_BIND_ADDRESS_CONFIG, "127.0.0.1");
    p.put(NlpConfig.INSTANCE_ID_CONFIG, "faults-test");
    p.put(NlpConfig.ERROR_RETRY_BACKOFF_MS_CONFIG, "200");
    p.put(NlpConfig.ERROR_RETRY_BACKOFF_MAX_MS_CONFIG, "2000");
    p.put(NlpConfig.HEALTH_THREAD_REPLACEMENTS_MAX_CONFIG, "100");
    Path file = dir.resolve("app.properties");
    try (Writer out = Files.newBufferedWriter(file)) {
      p.store(out, "fault-injection test");
    }
    return file;
  }
}
