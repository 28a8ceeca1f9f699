package org.streambert.streams.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.schemas.avro.EnrichedText;
import org.streambert.schemas.avro.TextRecord;
import org.streambert.schemas.embedded.KafkaBrokerProcess;
import org.streambert.schemas.registry.EmbeddedSchemaRegistry;
import org.streambert.streams.NlpConfig;

/**
 * Issue 5 §7 (a): the streams application runs as its own JVM ({@code streams-app run --config ...}) on a real KRaft
 * broker with a real TensorFlow model from a published checkpoint; it is killed with SIGKILL while records flow (no
 * clean close, a transaction may be open), restarted with the same application id, and a read_committed reader then
 * sees every input exactly once, in input order per partition.
 */
class CrashRecoveryBrokerTest {

  static final int RECORDS = 300;
  static final int KILL_AFTER_OUTPUTS = 60;
  static final String MODEL = "tiny-crash";
  static final String INPUT = "crash-input";
  static final String OUTPUT = "crash-enriched";
  static final String CHECKPOINTS = "crash-checkpoints";
  static final String STATUS = "crash-rollout-status";

  @TempDir
  Path dir;

  @Test
  void shouldWriteEveryInputExactlyOnceInOrderAfterTheAppIsKilledMidStream() throws Exception {
    // Aborting the killed instance's open transaction takes transaction.timeout.ms plus this interval.
    try (KafkaBrokerProcess broker = KafkaBrokerProcess.start(dir.resolve("broker"),
        Map.of("transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000"));
        EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.start(0)) {
      String bootstrap = broker.bootstrapServers();
      ItSupport.createTopics(bootstrap, 2, List.of(INPUT, OUTPUT, STATUS), CHECKPOINTS);
      ItSupport.publish(bootstrap, registry.url(), CHECKPOINTS,
          ItSupport.writeBundle(dir.resolve("bundles"), MODEL, "1", 1));
      Path config = writeConfig(bootstrap, registry.url());

      Map<Integer, List<String>> sentByPartition = new ConcurrentHashMap<>();
      Map<String, String> textById = new ConcurrentHashMap<>();
      AtomicInteger produced = new AtomicInteger();
      List<String> live = new ArrayList<>();
      Process first = null;
      Process second = null;
      Thread producerThread = null;
      try (KafkaConsumer<String, EnrichedText> reader = ItSupport.committedReader(bootstrap, OUTPUT,
          ItSupport.enrichedDeserializer(registry.url()));
          KafkaConsumer<String, String> statuses = ItSupport.committedReader(bootstrap, STATUS,
              new StringDeserializer())) {
        Runnable poll = () -> reader.poll(Duration.ofMillis(100)).forEach(r -> live.add(r.value().getId()));

        first = ItSupport.startApp(config, dir.resolve("app-1.log"));
        ItSupport.awaitLoaded(statuses, first);

        // Records arrive steadily (about 60/s), so the app is in the middle of the stream when it is killed.
        KafkaProducer<String, TextRecord> producer = ItSupport.textProducer(bootstrap, registry.url());
        producerThread = new Thread(() -> {
          try (producer) {
            for (int i = 0; i < RECORDS; i++) {
              String id = String.format("r%04d", i);
              String text = ItSupport.text(i);
              textById.put(id, text);
              RecordMetadata meta = producer.send(new ProducerRecord<>(INPUT, id, ItSupport.textRecord(id, text)))
                  .get(30, TimeUnit.SECONDS);
              sentByPartition.computeIfAbsent(meta.partition(), p -> new ArrayList<>()).add(id);
              produced.incrementAndGet();
              if (i % 3 == 2) {
                Thread.sleep(50);
              }
            }
          } catch (Exception e) {
            throw new IllegalStateException("producing inputs failed", e);
          }
        }, "crash-test-producer");
        producerThread.start();

        Process app = first;
        ItSupport.waitFor(Duration.ofSeconds(60), () -> {
          assertTrue(app.isAlive(), "the first app instance died by itself; see app-1.log");
          poll.run();
          return live.size() >= KILL_AFTER_OUTPUTS;
        }, KILL_AFTER_OUTPUTS + " committed outputs");
        first.destroyForcibly(); // SIGKILL: no close, no commit, possibly an open transaction
        int seenAtKill = live.size();
        int producedAtKill = produced.get();
        assertTrue(first.waitFor(30, TimeUnit.SECONDS), "killed instance did not exit");
        assertEquals(137, first.exitValue(), "the app was not killed by SIGKILL");
        int committedAfterKill = ItSupport.readAllCommitted(bootstrap, OUTPUT,
            ItSupport.enrichedDeserializer(registry.url())).size();
        System.out.printf("killed the app with %d committed outputs seen, %d committed in total, %d inputs produced"
            + " of %d%n", seenAtKill, committedAfterKill, producedAtKill, RECORDS);
        assertTrue(seenAtKill > 0 && committedAfterKill < RECORDS,
            "the kill was not mid-stream: " + committedAfterKill + " of " + RECORDS + " outputs were committed");

        second = ItSupport.startApp(config, dir.resolve("app-2.log"));
        producerThread.join(TimeUnit.SECONDS.toMillis(60));
        assertEquals(RECORDS, produced.get(), "the producer did not finish");
        Process restarted = second;
        ItSupport.waitFor(Duration.ofSeconds(90), () -> {
          assertTrue(restarted.isAlive(), "the restarted app died; see app-2.log");
          poll.run();
          return live.size() >= RECORDS;
        }, RECORDS + " outputs after the restart (have " + live.size() + ")");
        long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(2); // a late duplicate would show up here
        while (System.nanoTime() < settle) {
          poll.run();
        }
      } finally {
        ItSupport.stop(first);
        ItSupport.stop(second);
        if (producerThread != null) {
          producerThread.join(10_000);
        }
      }

      List<ConsumerRecord<String, EnrichedText>> outputs = ItSupport.readAllCommitted(bootstrap, OUTPUT,
          ItSupport.enrichedDeserializer(registry.url()));
      Map<String, Integer> counts = new LinkedHashMap<>();
      Map<Integer, List<String>> receivedByPartition = new TreeMap<>();
      for (ConsumerRecord<String, EnrichedText> r : outputs) {
        String id = r.value().getId();
        counts.merge(id, 1, Integer::sum);
        receivedByPartition.computeIfAbsent(r.partition(), p -> new ArrayList<>()).add(id);
        assertEquals(id, r.key(), "output key differs from the input key");
        assertEquals(textById.get(id), r.value().getText(), "output of " + id + " carries another text");
        assertEquals("1", r.value().getModelVersion());
      }
      List<String> duplicated = counts.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey)
          .toList();
      List<String> missing = textById.keySet().stream().filter(id -> !counts.containsKey(id)).sorted().toList();
      assertEquals(List.of(), duplicated, "duplicated outputs");
      assertEquals(List.of(), missing, "missing outputs");
      assertEquals(RECORDS, outputs.size());
      assertEquals(new TreeMap<>(sentByPartition), receivedByPartition, "order per partition differs");
    }
  }

  private Path writeConfig(String bootstrap, String registryUrl) throws IOException {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, "nlp-crash-test");
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("state").toString());
    p.put("schema.registry.url", registryUrl);
    // The killed member leaves the group only when its session expires; keep that short (broker minimum: 6 s).
    p.put("session.timeout.ms", "6000");
    p.put("heartbeat.interval.ms", "1500");
    p.put(NlpConfig.INPUT_TOPIC_CONFIG, INPUT);
    p.put(NlpConfig.OUTPUT_TOPIC_CONFIG, OUTPUT);
    p.put(NlpConfig.DLQ_TOPIC_CONFIG, "crash-dlq");
    p.put(NlpConfig.CHECKPOINTS_TOPIC_CONFIG, CHECKPOINTS);
    p.put(NlpConfig.ROLLOUT_STATUS_TOPIC_CONFIG, STATUS);
    p.put(NlpConfig.MODEL_NAME_CONFIG, MODEL);
    p.put(NlpConfig.MODEL_PRECISION_CONFIG, ItSupport.TINY_MODEL_PRECISION);
    p.put(NlpConfig.MODEL_CACHE_DIR_CONFIG, dir.resolve("model-cache").toString());
    p.put(NlpConfig.BATCH_MAX_SIZE_CONFIG, "8");
    p.put(NlpConfig.BATCH_MAX_DELAY_MS_CONFIG, "50");
    p.put(NlpConfig.HTTP_PORT_CONFIG, "-1");
    p.put(NlpConfig.INSTANCE_ID_CONFIG, "crash-test");
    Path file = dir.resolve("app.properties");
    try (Writer out = Files.newBufferedWriter(file)) {
      p.store(out, "crash test");
    }
    return file;
  }
}
