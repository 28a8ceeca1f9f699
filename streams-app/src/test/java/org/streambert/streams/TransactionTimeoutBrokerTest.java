package org.streambert.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
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
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
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
 * Issue 23 §1: a batch never outlives its transaction. The producer's {@code transaction.timeout.ms} is lowered to
 * 2 s, the broker aborts timed-out transactions every 200 ms, and the forward pass is made slow (50 ms per record, so
 * a full batch of 16 takes 0.8 s): four input partitions on one stream thread share one transaction, and four full
 * batches in it (3.2 s) would be fenced. The app sizes the batches of a transaction to half its timeout at the
 * measured speed, so no transaction is aborted (a read_uncommitted reader sees exactly what a read_committed one
 * sees), no task is closed (a fenced thread closes its tasks and rejoins), and every input comes out once, in order
 * per partition.
 */
class TransactionTimeoutBrokerTest {

  static final int PARTITIONS = 4;
  static final int RECORDS = 256;
  static final int TRANSACTION_TIMEOUT_MS = 2_000;

  @TempDir
  Path dir;

  @Test
  void shouldKeepEveryTransactionWithinItsTimeoutWhenBatchesAreSlow() throws Exception {
    try (KafkaBrokerProcess broker = KafkaBrokerProcess.start(dir.resolve("broker"),
        Map.of("transaction.abort.timed.out.transaction.cleanup.interval.ms", "200"))) {
      String bootstrap = broker.bootstrapServers();
      String registry = "mock://" + UUID.randomUUID();
      Properties admin = new Properties();
      admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      try (Admin a = Admin.create(admin)) {
        a.createTopics(List.of(new NewTopic("slow-input", PARTITIONS, (short) 1),
            new NewTopic("slow-enriched", PARTITIONS, (short) 1))).all().get(30, TimeUnit.SECONDS);
      }
      NlpSerdes serdes = NlpSerdes.fromConfig(Map.of("schema.registry.url", registry));
      // A backlog: every task has full batches at once, so one loop of the stream thread could run four of them.
      Map<Integer, List<String>> sent = new TreeMap<>();
      Map<String, Object> pp = new HashMap<>();
      pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      pp.put(ProducerConfig.ACKS_CONFIG, "all");
      try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(pp, new StringSerializer(),
          new ByteArraySerializer())) {
        for (int i = 0; i < RECORDS; i++) {
          String id = String.format("s%03d", i);
          byte[] value = serdes.textRecord().serializer().serialize("slow-input", TextRecord.newBuilder().setId(id)
              .setText(i % 2 == 0 ? "good day alice" : "hello world").setEventTime(Instant.now()).build());
          RecordMetadata meta = producer.send(new ProducerRecord<>("slow-input", id, value)).get(30, TimeUnit.SECONDS);
          sent.computeIfAbsent(meta.partition(), p -> new ArrayList<>()).add(id);
        }
      }

      Map<String, Object> props = new HashMap<>();
      props.put(StreamsConfig.APPLICATION_ID_CONFIG, "nlp-slow-test");
      props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      props.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("state").toString());
      props.put(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG), TRANSACTION_TIMEOUT_MS);
      props.put("schema.registry.url", registry);
      props.put(NlpConfig.INPUT_TOPIC_CONFIG, "slow-input");
      props.put(NlpConfig.OUTPUT_TOPIC_CONFIG, "slow-enriched");
      props.put(NlpConfig.DLQ_TOPIC_CONFIG, "slow-dlq");
      props.put(NlpConfig.BATCH_MAX_SIZE_CONFIG, 16);
      props.put(NlpConfig.BATCH_MAX_DELAY_MS_CONFIG, 50L);
      props.put(NlpConfig.CACHE_MAX_ENTRIES_CONFIG, 0); // every record runs the slow forward pass
      props.put(NlpConfig.HTTP_PORT_CONFIG, -1);
      props.put(NlpConfig.INSTANCE_ID_CONFIG, "slow-test");
      NlpConfig config = new NlpConfig(props);
      assertEquals(TRANSACTION_TIMEOUT_MS / 2, config.transactionBatchMs());

      RuleForwardPass pass = RuleForwardPass.standard();
      pass.sleepMsPerWindow = 50;
      ModelHolder models = new ModelHolder("bert-nlp");
      models.swap(TestModels.serving("1", pass));
      double tasksClosed;
      long started = System.nanoTime();
      try (NlpService app = NlpService.start(config, new TestModels.Loader(), models);
          KafkaConsumer<String, EnrichedText> committed = reader(bootstrap, "read_committed", serdes)) {
        List<ConsumerRecord<String, EnrichedText>> out = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (out.size() < RECORDS && System.nanoTime() < deadline) {
          committed.poll(Duration.ofMillis(200)).forEach(out::add);
        }
        assertEquals(RECORDS, out.size(), "outputs within 2 minutes");
        tasksClosed = threadMetric(app, "task-closed-total");
      }
      System.out.printf("slow batches: %d records in %.1f s with transaction.timeout.ms=%d, batches of %s records%n",
          RECORDS, (System.nanoTime() - started) / 1e9, TRANSACTION_TIMEOUT_MS, pass.batchSizes);
      assertEquals(0.0, tasksClosed, "a fenced stream thread closes its tasks and rejoins");
      assertTrue(pass.batchSizes.stream().mapToInt(Integer::intValue).sum() == RECORDS,
          "every record ran once (a fenced batch runs again): " + pass.batchSizes);

      List<ConsumerRecord<String, EnrichedText>> committed = readAll(bootstrap, "read_committed", serdes);
      List<ConsumerRecord<String, EnrichedText>> uncommitted = readAll(bootstrap, "read_uncommitted", serdes);
      assertEquals(RECORDS, committed.size());
      assertEquals(RECORDS, uncommitted.size(), "an aborted transaction leaves its outputs in the log");
      Map<Integer, List<String>> received = new TreeMap<>();
      committed.forEach(r -> received.computeIfAbsent(r.partition(), p -> new ArrayList<>()).add(r.value().getId()));
      assertEquals(sent, received, "each input once, in input order per partition");
    }
  }

  private static double threadMetric(NlpService app, String name) {
    double total = 0;
    for (Map.Entry<MetricName, ? extends Metric> e : app.streams().metrics().entrySet()) {
      if (e.getKey().name().equals(name) && e.getKey().group().equals("stream-thread-metrics")) {
        total += ((Number) e.getValue().metricValue()).doubleValue();
      }
    }
    return total;
  }

  private static KafkaConsumer<String, EnrichedText> reader(String bootstrap, String isolation, NlpSerdes serdes) {
    Map<String, Object> c = new HashMap<>();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
    KafkaConsumer<String, EnrichedText> consumer = new KafkaConsumer<>(c,
        new StringDeserializer(), serdes.enrichedText().deserializer());
    List<TopicPartition> partitions = new ArrayList<>();
    for (int p = 0; p < PARTITIONS; p++) {
      partitions.add(new TopicPartition("slow-enriched", p));
    }
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    return consumer;
  }

  /** Every record up to the end (the high watermark read_uncommitted, the last stable offset read_committed). */
  private static List<ConsumerRecord<String, EnrichedText>> readAll(String bootstrap, String isolation,
      NlpSerdes serdes) {
    try (KafkaConsumer<String, EnrichedText> consumer = reader(bootstrap, isolation, serdes)) {
      Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
      List<ConsumerRecord<String, EnrichedText>> out = new ArrayList<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())
          && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(out::add);
      }
      return out;
    }
  }
}
