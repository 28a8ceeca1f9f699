package org.streambert.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.schemas.AvroSerdeConfig;
import org.streambert.schemas.signing.CheckpointSignatures;
import org.streambert.schemas.signing.TrustedKeys;
import org.streambert.streams.processor.internals.DeadLetterHandlers;
import org.streambert.streams.rollout.ModelSourcePolicy;

class NlpConfigTest {

  @Test
  void shouldUseDocumentedDefaults() {
    NlpConfig c = new NlpConfig(Map.of());
    assertEquals(32, c.batchMaxSize());
    assertEquals(20L, c.batchMaxDelayMs());
    assertEquals("text-input", c.inputTopic());
    assertEquals("text-enriched", c.outputTopic());
    assertEquals("avro", c.inputFormat());
  }

  /**
   * The client settings the app relies on when brokers fail (README "Running on a cluster"), as Kafka Streams
   * derives its clients' configurations from {@link NlpConfig#streamsProperties()}.
   */
  @Test
  void shouldGiveItsClientsTheSettingsThatRideThroughBrokerFaults() {
    StreamsConfig streams = new StreamsConfig(new NlpConfig(Map.of(StreamsConfig.APPLICATION_ID_CONFIG, "c",
        StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1")).streamsProperties());
    Map<String, Object> producerProps = new HashMap<>(streams.getProducerConfigs("c"));
    producerProps.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    producerProps.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    ProducerConfig producer = new ProducerConfig(producerProps);
    assertTrue(Set.of("all", "-1").contains(producer.getString(ProducerConfig.ACKS_CONFIG)), "acks=all");
    assertTrue(producer.getBoolean(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG), "idempotent");
    assertEquals(Integer.MAX_VALUE, producer.getInt(ProducerConfig.RETRIES_CONFIG));
    assertEquals(Integer.MAX_VALUE, producer.getInt(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG),
        "a send is retried until the transaction ends, not given up after 2 minutes");
    assertEquals(10_000, producer.getInt(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG));
    assertEquals("read_committed", streams.getMainConsumerConfigs("c", "c", 0)
        .get(ConsumerConfig.ISOLATION_LEVEL_CONFIG));
    assertEquals(-1, streams.getInt(StreamsConfig.REPLICATION_FACTOR_CONFIG), "internal topics: the cluster's default");
    assertEquals(DeadLetterHandlers.Production.class,
        streams.getClass(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG), "a failed write is never "
            + "dead-lettered");
  }

  @Test
  void shouldRejectInvalidValueNamingTheKey() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> new NlpConfig(Map.of(NlpConfig.BATCH_MAX_SIZE_CONFIG, "0")));
    assertTrue(e.getMessage().contains(NlpConfig.BATCH_MAX_SIZE_CONFIG), e.getMessage());
    ConfigException f = assertThrows(ConfigException.class,
        () -> new NlpConfig(Map.of(NlpConfig.INPUT_FORMAT_CONFIG, "xml")));
    assertTrue(f.getMessage().contains(NlpConfig.INPUT_FORMAT_CONFIG), f.getMessage());
  }

  @Test
  void shouldParseTheMaximumEventAgeAndRejectOtherValuesNamingTheKey() {
    assertEquals(Duration.ZERO, new NlpConfig(Map.of()).maxEventAge(), "no limit by default");
    assertEquals(Duration.ofDays(7), new NlpConfig(Map.of(NlpConfig.MODEL_MAX_EVENT_AGE_CONFIG, "7d")).maxEventAge());
    assertEquals(Duration.ofHours(36), new NlpConfig(Map.of(NlpConfig.MODEL_MAX_EVENT_AGE_CONFIG, "P1DT12H"))
        .maxEventAge());
    assertEquals(Duration.ofSeconds(90),
        new NlpConfig(Map.of(NlpConfig.MODEL_MAX_EVENT_AGE_CONFIG, "90s")).modelSourcePolicy().maxEventAge());
    for (String bad : List.of("7 days", "-P1D", "d", "1y", "99999999999999d")) {
      ConfigException e = assertThrows(ConfigException.class,
          () -> new NlpConfig(Map.of(NlpConfig.MODEL_MAX_EVENT_AGE_CONFIG, bad)), bad);
      assertTrue(e.getMessage().contains(NlpConfig.MODEL_MAX_EVENT_AGE_CONFIG), e.getMessage());
    }
  }

  @Test
  void shouldLetEnvironmentOverrideFileValues() {
    Map<String, Object> merged = NlpConfig.withEnvironment(
        Map.of(NlpConfig.BATCH_MAX_SIZE_CONFIG, "8", "bootstrap.servers", "file:9092"),
        Map.of("NLP_BATCH_MAX_SIZE", "16", "KAFKA_BOOTSTRAP_SERVERS", "env:9092", "HOME", "/root",
            "SCHEMA_REGISTRY_URL", "mock://x"));
    NlpConfig c = new NlpConfig(merged);
    assertEquals(16, c.batchMaxSize());
    Properties p = c.streamsProperties();
    assertEquals("env:9092", p.get("bootstrap.servers"));
    assertEquals("mock://x", p.get("schema.registry.url"));
    assertFalse(p.containsKey("home"));
  }

  @Test
  void shouldPassOnlyForeignKeysToStreamsWithExactlyOnceAndDeadLetterDefaults() {
    NlpConfig c = new NlpConfig(Map.of(NlpConfig.DLQ_TOPIC_CONFIG, "bad-texts", "application.id", "app"));
    Properties p = c.streamsProperties();
    assertEquals(StreamsConfig.EXACTLY_ONCE_V2, p.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
    assertEquals("bad-texts", p.get(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG));
    assertEquals("app", p.get("application.id"));
    assertTrue(p.keySet().stream().noneMatch(k -> k.toString().startsWith("nlp.")));
  }

  @Test
  void shouldGiveATransactionsBatchesHalfOfTheTransactionAndPollTimeouts() {
    assertEquals(5_000, new NlpConfig(Map.of()).transactionBatchMs(), "Kafka Streams' 10 s under exactly-once");
    assertEquals(1_250, new NlpConfig(Map.of("transaction.timeout.ms", "2500")).transactionBatchMs());
    assertEquals(30_000, new NlpConfig(Map.of("transaction.timeout.ms", "2500",
        "producer.transaction.timeout.ms", "60000")).transactionBatchMs(), "the producer-prefixed key wins");
    assertEquals(4_000, new NlpConfig(Map.of("producer.transaction.timeout.ms", "60000",
        "main.consumer.max.poll.interval.ms", "8000")).transactionBatchMs(), "and never past a poll interval");
    assertEquals(150_000, new NlpConfig(Map.of(StreamsConfig.PROCESSING_GUARANTEE_CONFIG,
        StreamsConfig.AT_LEAST_ONCE)).transactionBatchMs(), "no transaction: half of max.poll.interval.ms");
    ConfigException bad = assertThrows(ConfigException.class,
        () -> new NlpConfig(Map.of("transaction.timeout.ms", "ten")).transactionBatchMs());
    assertTrue(bad.getMessage().contains("transaction.timeout.ms"), bad.getMessage());
  }

  @Test
  void shouldDeriveSerdeLimitsAndQuickRegistryClientUnlessSet() {
    Map<String, Object> derived = new NlpConfig(Map.of(NlpConfig.TEXT_MAX_CHARS_CONFIG, "1000")).serdeConfigs();
    assertEquals(4 * 1000 + 65_536, derived.get(AvroSerdeConfig.LIMITS_STRING_MAX_BYTES_CONFIG));
    assertEquals(5_000, derived.get(AvroSerdeConfig.HTTP_READ_TIMEOUT_MS_CONFIG));
    assertEquals(1, derived.get(AvroSerdeConfig.MAX_RETRIES_CONFIG));
    Map<String, Object> set = new NlpConfig(Map.of(AvroSerdeConfig.LIMITS_STRING_MAX_BYTES_CONFIG, "77",
        AvroSerdeConfig.MAX_RETRIES_CONFIG, "4")).serdeConfigs();
    assertEquals("77", set.get(AvroSerdeConfig.LIMITS_STRING_MAX_BYTES_CONFIG));
    assertEquals("4", set.get(AvroSerdeConfig.MAX_RETRIES_CONFIG));
  }

  @Test
  void shouldRejectUnknownWindowPolicyNamingTheKey() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> new NlpConfig(Map.of(NlpConfig.TEXT_MAX_WINDOWS_POLICY_CONFIG, "drop")));
    assertTrue(e.getMessage().contains(NlpConfig.TEXT_MAX_WINDOWS_POLICY_CONFIG), e.getMessage());
    assertFalse(new NlpConfig(Map.of()).truncateLongTexts());
    assertTrue(new NlpConfig(Map.of(NlpConfig.TEXT_MAX_WINDOWS_POLICY_CONFIG, "truncate")).truncateLongTexts());
  }

  @Test
  void shouldBuildTheModelSourcePolicyAndRejectBadKeysOrPrefixesNamingTheKey(@TempDir
      Path dir) throws Exception {
    KeyPair a = CheckpointSignatures.generateKeyPair();
    KeyPair b = CheckpointSignatures.generateKeyPair();
    Path file = Files.writeString(dir.resolve("trusted.keys"),
        "# rotation: next key\n" + TrustedKeys.entry("k2", b.getPublic()) + "\n");
    NlpConfig config = new NlpConfig(Map.of(
        NlpConfig.MODEL_TRUSTED_KEYS_CONFIG, TrustedKeys.entry("k1", a.getPublic()),
        NlpConfig.MODEL_TRUSTED_KEYS_FILE_CONFIG, file.toString(),
        NlpConfig.MODEL_URI_ALLOWED_CONFIG, "file:///srv/models/, https://models.example.com/bert/",
        NlpConfig.MODEL_MAX_BYTES_CONFIG, "1000",
        NlpConfig.GOLDEN_REQUIRED_CONFIG, "false"));
    ModelSourcePolicy policy = config.modelSourcePolicy();
    assertEquals(Set.of("k1", "k2"), policy.trustedKeys().ids());
    assertEquals(List.of("file:///srv/models/", "https://models.example.com/bert/"), policy.allowedUris());
    assertEquals(1000, policy.maxBytes());
    assertFalse(policy.goldenRequired());
    assertEquals(null, policy.locationRefusal("https://models.example.com/bert/m/3/"));
    assertTrue(policy.locationRefusal("https://models.example.com/bertX/m/3/") != null, "segment-wise prefixes");
    assertTrue(policy.locationRefusal("https://models.example.com:8443/bert/m/3/") != null, "same port only");
    assertFalse(config.toString().contains(TrustedKeys.entry("k1", a.getPublic())));

    ConfigException badKey = assertThrows(ConfigException.class, () -> new NlpConfig(Map.of(
        NlpConfig.MODEL_TRUSTED_KEYS_CONFIG, "k1:bm90LWEta2V5")).modelSourcePolicy());
    assertTrue(badKey.getMessage().contains(NlpConfig.MODEL_TRUSTED_KEYS_CONFIG), badKey.getMessage());
    ConfigException badPrefix = assertThrows(ConfigException.class, () -> new NlpConfig(Map.of(
        NlpConfig.MODEL_URI_ALLOWED_CONFIG, "ftp://host/")).modelSourcePolicy());
    assertTrue(badPrefix.getMessage().contains(NlpConfig.MODEL_URI_ALLOWED_CONFIG), badPrefix.getMessage());
    ConfigException missingFile = assertThrows(ConfigException.class, () -> new NlpConfig(Map.of(
        NlpConfig.MODEL_TRUSTED_KEYS_FILE_CONFIG, dir.resolve("missing").toString())).modelSourcePolicy());
    assertTrue(missingFile.getMessage().contains(NlpConfig.MODEL_TRUSTED_KEYS_FILE_CONFIG), missingFile.getMessage());
  }
}
