package org.streambert.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.schemas.avro.EnrichedText;
import org.streambert.schemas.avro.TextRecord;
import org.streambert.schemas.embedded.KafkaBrokerProcess;
import org.streambert.streams.serving.ModelHolder;
import org.streambert.streams.testing.TestModels;
import org.streambert.streams.testing.TestModels.RuleForwardPass;

/**
 * Exactly-once end to end on a real broker: every input appears once in the output, in order per partition, also
 * when the application is stopped with records pending and restarted from an empty state directory.
 */
class ExactlyOnceBrokerTest {

  @TempDir
  Path dir;

  @Test
  void shouldWriteEveryRecordExactlyOnceInOrderAcrossRestartWithPendingRecords() throws Exception {
    try (KafkaBrokerProcess broker = KafkaBrokerProcess.start(dir.resolve("broker"), Map.of())) {
      String registry = "mock://" + UUID.randomUUID();
      Map<String, Object> props = new HashMap<>();
      props.put(StreamsConfig.APPLICATION_ID_CONFIG, "nlp-eos-test");
      props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
      props.put("schema.registry.url", registry);
      props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
      props.put(NlpConfig.BATCH_MAX_SIZE_CONFIG, 4);
      props.put(NlpConfig.HTTP_PORT_CONFIG, 0);
      props.put(NlpConfig.INSTANCE_ID_CONFIG, "eos-test");
      Properties common = new Properties();
      common.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
      try (Admin admin = Admin.create(common)) {
        // Output partitioned like the input, so that the same key lands in the same partition number.
        admin.createTopics(List.of(new NewTopic("text-input", 2, (short) 1), new NewTopic("text-enriched", 2,
            (short) 1))).all().get(30, TimeUnit.SECONDS);
      }
      NlpSerdes serdes = NlpSerdes.fromConfig(Map.of("schema.registry.url", registry));
      Map<Integer, List<String>> sentByPartition = new TreeMap<>();
      Properties pp = new Properties();
      pp.putAll(common);
      pp.put(ProducerConfig.ACKS_CONFIG, "all");
      Properties cp = new Properties();
      cp.putAll(common);
      cp.put(ConsumerConfig.GROUP_ID_CONFIG, "eos-reader");
      cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      Map<Integer, List<String>> received = new TreeMap<>();
      List<String> all = new ArrayList<>();

      try (var producer = new KafkaProducer<>(pp, new StringSerializer(), new ByteArraySerializer());
          var consumer = new KafkaConsumer<>(cp, new ByteArrayDeserializer(), serdes.enrichedText().deserializer())) {
        consumer.subscribe(List.of("text-enriched"));
        Runnable poll = () -> {
          for (ConsumerRecord<byte[], EnrichedText> r : consumer.poll(Duration.ofMillis(200))) {
            received.computeIfAbsent(r.partition(), p -> new ArrayList<>()).add(r.value().getId());
            all.add(r.value().getId());
          }
        };

        // Phase 1: a model serves; 40 records plus one undecodable record.
        produce(producer, serdes, 0, 40, sentByPartition);
        producer.send(new ProducerRecord<>("text-input", "garbage", new byte[] {0, 0, 0, 0, 99})).get();
        ModelHolder first = new ModelHolder("bert-nlp");
        first.swap(TestModels.serving("1", RuleForwardPass.standard()));
        try (NlpService app = NlpService.start(config(props, dir.resolve("state-1")), new TestModels.Loader(), first)) {
          waitFor(() -> {
            poll.run();
            return all.size() >= 40;
          }, "40 outputs");
          HttpClient http = HttpClient.newHttpClient();
          HttpResponse<String> ready = http.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + app.httpPort() + "/ready")).build(), HttpResponse.BodyHandlers.ofString());
          assertEquals(200, ready.statusCode(), ready.body());
          String metrics = http.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + app.httpPort() + "/metrics")).build(),
              HttpResponse.BodyHandlers.ofString()).body();
          assertTrue(metrics.contains("nlp_records_enriched_total"), metrics);
          assertTrue(metrics.contains("nlp_records_dead_lettered_total{"), metrics);
        }

        // Phase 2: no model; 20 more records are consumed into the pending store, then the app stops.
        produce(producer, serdes, 40, 20, sentByPartition);
        try (NlpService app = NlpService.start(config(props, dir.resolve("state-2")), new TestModels.Loader(),
            new ModelHolder("bert-nlp"))) {
          waitFor(() -> app.streams().state() == KafkaStreams.State.RUNNING && committedInputOffsets(common) == 61,
              "input offsets committed with records pending");
          poll.run();
          assertEquals(40, all.size(), "no output without a model");
        }

        // Phase 3: restart from an empty state directory with a model: pending records come from the changelog.
        ModelHolder third = new ModelHolder("bert-nlp");
        third.swap(TestModels.serving("2", RuleForwardPass.standard()));
        try (NlpService app = NlpService.start(config(props, dir.resolve("state-3")), new TestModels.Loader(), third)) {
          waitFor(() -> {
            poll.run();
            return all.size() >= 60;
          }, "60 outputs");
          Thread.sleep(500);
          poll.run();
        }
      }
      assertEquals(60, all.size(), "duplicates or losses: " + all);
      assertEquals(60, Set.copyOf(all).size(), "duplicates: " + all);
      assertEquals(sentByPartition, received);
      cp.put(ConsumerConfig.GROUP_ID_CONFIG, "dlq-reader");
      try (var dlq = new KafkaConsumer<>(cp, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
        dlq.subscribe(List.of("text-dlq"));
        List<ConsumerRecord<byte[], byte[]>> dead = new ArrayList<>();
        waitFor(() -> {
          dlq.poll(Duration.ofMillis(200)).forEach(dead::add);
          return !dead.isEmpty();
        }, "the dead-letter record");
        assertEquals(1, dead.size());
        assertEquals("garbage", new String(dead.get(0).key(), StandardCharsets.UTF_8));
        assertEquals("UNDECODABLE", new String(dead.get(0).headers().lastHeader("nlp.error.reason").value(),
            StandardCharsets.UTF_8));
      }
    }
  }

  private static NlpConfig config(Map<String, Object> base, Path stateDir) {
    Map<String, Object> props = new HashMap<>(base);
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    return new NlpConfig(props);
  }

  private static void produce(KafkaProducer<String, byte[]> producer, NlpSerdes serdes, int from, int count,
      Map<Integer, List<String>> sentByPartition) throws Exception {
    for (int i = from; i < from + count; i++) {
      String id = "r" + i;
      byte[] value = serdes.textRecord().serializer().serialize("text-input", TextRecord.newBuilder().setId(id)
          .setText(i % 3 == 0 ? "good day alice" : "hello world").setEventTime(Instant.now()).build());
      RecordMetadata meta = producer.send(new ProducerRecord<>("text-input", id, value)).get();
      sentByPartition.computeIfAbsent(meta.partition(), p -> new ArrayList<>()).add(id);
    }
  }

  private static long committedInputOffsets(Properties common) {
    try (Admin admin = Admin.create(common)) {
      Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets("nlp-eos-test")
          .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
      return offsets.entrySet().stream().filter(e -> e.getKey().topic().equals("text-input") && e.getValue() != null)
          .mapToLong(e -> e.getValue().offset()).sum();
    } catch (Exception e) {
      return -1;
    }
  }

  private static void waitFor(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(100);
    }
  }
}
