package org.streambert.streams.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.schemas.avro.Classification;
import org.streambert.schemas.avro.EnrichedText;
import org.streambert.schemas.avro.Entity;
import org.streambert.schemas.avro.TextRecord;
import org.streambert.schemas.embedded.KafkaBrokerProcess;
import org.streambert.schemas.registry.EmbeddedSchemaRegistry;
import org.streambert.streams.NlpSerdes;
import picocli.CommandLine;

/** {@code streams-app produce} and {@code consume} against a real broker and the embedded schema registry (HTTP). */
class ConsoleToolsBrokerTest {

  @TempDir
  static Path dir;
  static KafkaBrokerProcess broker;
  static EmbeddedSchemaRegistry registry;
  static NlpSerdes serdes;

  @BeforeAll
  static void start() {
    broker = KafkaBrokerProcess.start(dir.resolve("broker"), Map.of());
    registry = EmbeddedSchemaRegistry.start(0);
    serdes = NlpSerdes.fromConfig(Map.of("schema.registry.url", registry.url()));
  }

  @AfterAll
  static void stop() {
    if (registry != null) {
      registry.close();
    }
    if (broker != null) {
      broker.close();
    }
  }

  private static String newTopic() throws Exception {
    String topic = "t-" + UUID.randomUUID();
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }
    return topic;
  }

  private record Run(int exit, String out, String err) {
  }

  private static Run produce(String stdin, String... args) {
    ProduceCommand cmd = new ProduceCommand();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    cmd.err = new PrintStream(err, true, StandardCharsets.UTF_8);
    cmd.stdin = new StringReader(stdin);
    int exit = new CommandLine(cmd).execute(args);
    return new Run(exit, "", err.toString(StandardCharsets.UTF_8));
  }

  private static Run consume(String... args) {
    ConsumeCommand cmd = new ConsumeCommand();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    cmd.out = new PrintStream(out, true, StandardCharsets.UTF_8);
    cmd.err = new PrintStream(err, true, StandardCharsets.UTF_8);
    int exit = new CommandLine(cmd).execute(args);
    return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static List<ConsumerRecord<String, TextRecord>> readTextRecords(String topic, int count) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    List<ConsumerRecord<String, TextRecord>> out = new ArrayList<>();
    try (var consumer = new KafkaConsumer<>(p, new StringDeserializer(), serdes.textRecord().deserializer())) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (out.size() < count && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    out.sort(Comparator.comparing(r -> r.value().getText()));
    return out;
  }

  @Test
  void shouldProduceJsonLinesAsTextRecordsKeyedByTheirField() throws Exception {
    String topic = newTopic();
    Path file = dir.resolve("in.jsonl");
    Files.writeString(file, """
        {"id": "a", "text": "alpha Alice", "eventTime": 1700000000000, "metadata": {"source": "file"}, "doc": "d-1"}

        {"text": "beta", "doc": 7}
        """);
    Run run = produce("", "--bootstrap-server", broker.bootstrapServers(), "--topic", topic,
        "--property", "schema.registry.url=" + registry.url(), "--file", file.toString(), "--key-field", "doc");
    assertEquals(0, run.exit(), run.err());
    assertTrue(run.err().contains("2 record(s) sent"), run.err());
    List<ConsumerRecord<String, TextRecord>> got = readTextRecords(topic, 2);
    assertEquals(2, got.size());
    assertEquals("d-1", got.get(0).key());
    assertEquals("a", got.get(0).value().getId());
    assertEquals("alpha Alice", got.get(0).value().getText());
    assertEquals(Instant.ofEpochMilli(1700000000000L), got.get(0).value().getEventTime());
    assertEquals(Map.of("source", "file"), got.get(0).value().getMetadata());
    assertEquals("7", got.get(1).key());
    assertFalse(got.get(1).value().getId().isBlank(), "a generated id");
  }

  @Test
  void shouldProduceTextLinesWithParsedKeysFromStdin() throws Exception {
    String topic = newTopic();
    Run run = produce("k1\tfirst text\r\nk2\tsecond text\n", "--bootstrap-server", broker.bootstrapServers(),
        "--topic", topic, "--schema-registry-url", registry.url(), "--input-format", "text",
        "--property", "parse.key=true");
    assertEquals(0, run.exit(), run.err());
    List<ConsumerRecord<String, TextRecord>> got = readTextRecords(topic, 2);
    assertEquals(List.of("k1", "k2"), got.stream().map(ConsumerRecord::key).toList());
    assertEquals(List.of("first text", "second text"), got.stream().map(r -> r.value().getText()).toList());
    assertEquals("k1", got.get(0).value().getId());
  }

  @Test
  void shouldStopWithLineNumberAtInvalidJsonOrOverlongLine() throws Exception {
    String topic = newTopic();
    Run bad = produce("{\"text\": \"ok\"}\n{\"text\": \n", "--bootstrap-server", broker.bootstrapServers(),
        "--topic", topic, "--schema-registry-url", registry.url());
    assertEquals(1, bad.exit());
    assertTrue(bad.err().contains("line 2:"), bad.err());
    assertEquals(1, readTextRecords(topic, 1).size(), "the valid line before it was sent");

    Run longLine = produce("x".repeat(5000) + "\n", "--bootstrap-server", broker.bootstrapServers(),
        "--topic", topic, "--schema-registry-url", registry.url(), "--input-format", "text",
        "--max-line-chars", "1000");
    assertEquals(1, longLine.exit());
    assertTrue(longLine.err().contains("line 1 is longer than 1000 characters"), longLine.err());
  }

  @Test
  void shouldPrintCommittedEnrichedTextsAsJsonAndReadably() throws Exception {
    String topic = newTopic();
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "console-test-" + UUID.randomUUID());
    EnrichedText good = enriched("r1", "Alice met Bob \u001b[31m in Paris", List.of(
        new Entity("PER", "Alice", 0, 5, 0.99f), new Entity("PER", "Bob", 10, 13, 0.98f),
        new Entity("LOC", "bogus", 40, 99, 0.5f)));
    EnrichedText aborted = enriched("r2", "never committed", List.of());
    try (var producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
      producer.initTransactions();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>(topic, 0, "r2", serdes.enrichedText().serializer().serialize(topic, aborted)));
      producer.flush();
      producer.abortTransaction();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>(topic, 0, "r1", serdes.enrichedText().serializer().serialize(topic, good)));
      producer.send(new ProducerRecord<>(topic, 1, "raw", "{\"status\":\"LOADED\"}".getBytes(StandardCharsets.UTF_8)));
      producer.commitTransaction();
    }

    Run readable = consume("--bootstrap-server", broker.bootstrapServers(), "--topic", topic, "--from-beginning",
        "--max-messages", "2", "--timeout-ms", "20000", "--format", "readable", "--property", "print.key=true",
        "--property", "schema.registry.url=" + registry.url());
    assertEquals(0, readable.exit(), readable.err());
    List<String> lines = readable.out().lines().sorted().toList();
    assertEquals(2, lines.size(), readable.out());
    assertEquals("r1\t[bert-nlp v2] pos 0.90 | [Alice]{PER} met [Bob]{PER} \uFFFD[31m in Paris", lines.get(0));
    assertEquals("raw\t{\"status\":\"LOADED\"}", lines.get(1));
    assertTrue(readable.err().contains("Processed a total of 2 messages"), readable.err());

    Run json = consume("--bootstrap-server", broker.bootstrapServers(), "--topic", topic, "--from-beginning",
        "--max-messages", "2", "--timeout-ms", "20000", "--schema-registry-url", registry.url());
    assertEquals(0, json.exit(), json.err());
    ObjectMapper mapper = new ObjectMapper();
    List<JsonNode> values = new ArrayList<>();
    for (String line : json.out().lines().toList()) {
      values.add(mapper.readTree(line));
    }
    JsonNode record = values.stream().filter(v -> v.has("id")).findFirst().orElseThrow();
    assertEquals("r1", record.get("id").asText());
    assertEquals("Alice met Bob \u001b[31m in Paris", record.get("text").asText(), "JSON keeps the text, escaped");
    assertEquals("Alice", record.get("entities").get(0).get("text").asText());
    assertFalse(json.out().contains("never committed"), "read_committed hides the aborted record");
    assertTrue(values.stream().anyMatch(v -> "LOADED".equals(v.path("status").asText())));

    Run uncommitted = consume("--bootstrap-server", broker.bootstrapServers(), "--topic", topic,
        "--from-beginning", "--timeout-ms", "3000", "--isolation-level", "read_uncommitted",
        "--schema-registry-url", registry.url());
    assertTrue(uncommitted.out().contains("never committed"), uncommitted.out());
  }

  @Test
  void shouldRefuseToStartWithoutRegistryOrWithUnknownFormat() {
    assertEquals(2, consume("--bootstrap-server", broker.bootstrapServers(), "--topic", "x").exit());
    assertEquals(2, consume("--bootstrap-server", broker.bootstrapServers(), "--format", "xml",
        "--schema-registry-url", registry.url()).exit());
  }

  private static EnrichedText enriched(String id, String text, List<Entity> entities) {
    return EnrichedText.newBuilder().setId(id).setText(text).setModelName("bert-nlp").setModelVersion("2")
        .setClassification(new Classification("pos", 0.9f, List.of())).setEntities(entities).setWindowed(false)
        .setWindowCount(1).setEventTime(Instant.ofEpochMilli(1000)).build();
  }
}
