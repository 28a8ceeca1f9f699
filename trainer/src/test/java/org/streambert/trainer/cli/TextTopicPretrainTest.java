package org.streambert.trainer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
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
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.bert.model.Activation;
import org.streambert.bert.model.BertConfig;
import org.streambert.schemas.AvroSerdeConfig;
import org.streambert.schemas.SpecificAvroSerde;
import org.streambert.schemas.avro.TextRecord;
import org.streambert.schemas.embedded.KafkaBrokerProcess;
import org.streambert.trainer.ExitCodes;
import org.streambert.trainer.TrainerApp;
import org.streambert.trainer.data.KafkaClients;

/**
 * {@code pretrain --text-topic}: a topic of unlabelled texts, plain UTF-8 or Avro TextRecords, as the corpus; and the
 * bounds of reading one as distillation texts.
 */
class TextTopicPretrainTest {
  @TempDir
  static Path dir;

  private static KafkaBrokerProcess broker;

  @BeforeAll
  static void startBroker() {
    broker = KafkaBrokerProcess.start(dir.resolve("broker"), Map.of());
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  private static void createTopic(String topic) throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }
  }

  private static Properties producerProps() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    return p;
  }

  private static String text(int i) {
    String[] who = {"the cat", "the dog", "the king", "the queen"};
    return who[i % 4] + " sees the moon. " + who[(i + 1) % 4] + " eats the bread! " + who[(i + 2) % 4] + " rides";
  }

  @Test
  void shouldPretrainOnAPlainTextTopic() throws Exception {
    String topic = "texts-plain";
    createTopic(topic);
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(producerProps(), new StringSerializer(), new StringSerializer())) {
      for (int i = 0; i < 16; i++) {
        producer.send(new ProducerRecord<>(topic, "k" + i, text(i)));
      }
      producer.send(new ProducerRecord<>(topic, "empty", "  "));
      producer.flush();
    }
    Path cfg = dir.resolve("bert_config.json");
    new BertConfig(10, 32, 2, 2, 64, Activation.GELU_TANH, 0.0, 0.0, 64, 2, 0.02).write(cfg);
    Path out = dir.resolve("from-topic");
    int code = TrainerApp.run("pretrain", "--bert-config", cfg.toString(), "--text-topic", topic,
        "--input-format", "text", "--bootstrap-servers", broker.bootstrapServers(), "--out", out.toString(),
        "--steps", "5", "--batch-size", "4", "--lr", "1e-3", "--max-seq-length", "24", "--dupe-factor", "1");
    assertEquals(ExitCodes.OK, code);
    assertTrue(Files.exists(out.resolve("bert_model.ckpt.index")));
  }

  @Test
  void shouldReadTheTextsOfAvroTextRecordsAsDocuments() throws Exception {
    String topic = "texts-avro";
    createTopic(topic);
    String registry = "mock://" + UUID.randomUUID();
    SpecificAvroSerde<TextRecord> serde = new SpecificAvroSerde<>(TextRecord.class);
    serde.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registry), false);
    try (KafkaProducer<String, TextRecord> producer =
        new KafkaProducer<>(producerProps(), new StringSerializer(), serde.serializer())) {
      for (int i = 0; i < 5; i++) {
        producer.send(new ProducerRecord<>(topic, "k" + i, TextRecord.newBuilder().setId("k" + i).setText(text(i))
            .setEventTime(Instant.ofEpochMilli(1000)).build()));
      }
      producer.send(new ProducerRecord<>(topic, "tombstone", null));
      producer.flush();
    }
    TextTopicSource.Corpus corpus = TextTopicSource.read(broker.bootstrapServers(), registry, topic, "avro");
    assertEquals(6, corpus.recordsRead());
    assertEquals(1, corpus.skipped());
    assertEquals(5, corpus.documents().size());
    assertTrue(corpus.documents().contains(TextTopicSource.toDocument(text(0))));
    assertEquals(3, corpus.documents().get(0).lines().count(), "one sentence per line");
  }

  @Test
  void shouldStopReadingTextsAtTheCapAndRefuseATextOverTheLineLimitNamingItsOffset() throws Exception {
    String topic = "texts-capped";
    createTopic(topic);
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(producerProps(), new StringSerializer(), new StringSerializer())) {
      producer.send(new ProducerRecord<>(topic, "tombstone", null));
      for (int i = 0; i < 10; i++) {
        producer.send(new ProducerRecord<>(topic, "k" + i, "  " + text(i) + "\n"));
      }
      producer.flush();
    }
    KafkaClients clients = KafkaClients.of(broker.bootstrapServers(), null);
    TextTopicSource.Texts all = TextTopicSource.readTexts(clients, topic, "text", 100);
    assertEquals(10, all.texts().size());
    assertEquals(11, all.recordsRead());
    assertEquals(1, all.skipped());
    assertFalse(all.stoppedAtCap());
    assertTrue(all.texts().contains(text(3)), "one stripped text per record, not split into sentences");

    TextTopicSource.Texts capped = TextTopicSource.readTexts(clients, topic, "text", 3);
    assertEquals(3, capped.texts().size());
    assertTrue(capped.stoppedAtCap());
    assertTrue(capped.recordsRead() <= 4, "stops reading at the cap: " + capped.recordsRead());

    String tooLong = "texts-too-long";
    createTopic(tooLong);
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(producerProps(), new StringSerializer(), new StringSerializer())) {
      producer.send(new ProducerRecord<>(tooLong, 0, "k", "x".repeat(UnlabelledTexts.MAX_TEXT_CHARS + 1))).get();
    }
    String message = assertThrows(IllegalArgumentException.class,
        () -> TextTopicSource.readTexts(clients, tooLong, "text", 100)).getMessage();
    assertTrue(message.contains("texts-too-long partition 0 offset 0") && message.contains("the limit is "
        + UnlabelledTexts.MAX_TEXT_CHARS), message);
  }
}
