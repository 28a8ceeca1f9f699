package org.streambert.trainer.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.schemas.AvroSerdeConfig;
import org.streambert.schemas.SpecificAvroSerde;
import org.streambert.schemas.avro.TrainingExample;
import org.streambert.schemas.registry.EmbeddedSchemaRegistry;
import org.streambert.schemas.testing.SelfSignedTls;

/** The trainer's Kafka and registry settings of a secured cluster ({@code --client-config}) reach the right clients. */
class KafkaClientsTest {

  @TempDir
  Path dir;

  @Test
  void shouldSplitSettingsBetweenKafkaClientsAndTheRegistryClient() throws Exception {
    Path file = Files.writeString(dir.resolve("client.properties"), String.join("\n",
        "security.protocol=SASL_SSL", "sasl.mechanism=PLAIN",
        "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required password=\"s3cret\";",
        "schema.registry.ssl.truststore.location=/etc/trust.p12", "basic.auth.user.info=u:p4ss",
        "basic.auth.credentials.source=USER_INFO"));
    KafkaClients clients = KafkaClients.withConfigFile("broker:9093", "https://registry:8081", file);

    Properties kafka = clients.kafkaProperties();
    assertEquals("broker:9093", kafka.get("bootstrap.servers"));
    assertEquals("SASL_SSL", kafka.get("security.protocol"));
    assertFalse(kafka.containsKey("schema.registry.ssl.truststore.location"), "no registry key reaches Kafka");
    assertFalse(kafka.containsKey("basic.auth.user.info"));

    Map<String, Object> serde = clients.serdeConfigs();
    assertEquals("https://registry:8081", serde.get(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG));
    assertEquals("/etc/trust.p12", serde.get("schema.registry.ssl.truststore.location"));
    assertFalse(serde.containsKey("security.protocol"), "no Kafka key reaches the registry client");
    assertFalse(clients.toString().contains("s3cret") || clients.toString().contains("p4ss"), clients.toString());
  }

  @Test
  void shouldRefuseAConfigFileThatIsTooLargeOrSetsTheEndpoints() throws Exception {
    Path big = Files.writeString(dir.resolve("big.properties"), "x=" + "y".repeat((int) KafkaClients.MAX_CONFIG_BYTES));
    IllegalArgumentException tooBig = assertThrows(IllegalArgumentException.class,
        () -> KafkaClients.withConfigFile("b:9092", null, big));
    assertTrue(tooBig.getMessage().contains("larger than"), tooBig.getMessage());
    Path redirect = Files.writeString(dir.resolve("redirect.properties"), "bootstrap.servers=evil:9092\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> KafkaClients.withConfigFile("b:9092", null, redirect));
    assertTrue(e.getMessage().contains("bootstrap.servers"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> KafkaClients.withConfigFile("b:9092", null, dir.resolve("missing.properties")));
    assertThrows(IllegalArgumentException.class, () -> KafkaClients.of("b:9092", null).serdeConfigs(),
        "Avro without a registry URL");
  }

  @Test
  void shouldReachAnHttpsRegistryOnlyWithTheTrustStoreOfTheConfigFile() throws Exception {
    SelfSignedTls tls = SelfSignedTls.create(dir);
    Path truststore = tls.trustStore();
    Path config = Files.writeString(dir.resolve("client.properties"), String.join("\n",
        "schema.registry.ssl.truststore.location=" + truststore, "schema.registry.ssl.truststore.password="
            + SelfSignedTls.PASSWORD, "schema.registry.ssl.truststore.type=PKCS12", "max.retries=0"));
    TrainingExample example = TrainingExample.newBuilder().setId("1").setText("hello").setSource("test")
        .setCreatedAt(java.time.Instant.parse("2026-01-01T00:00:00Z")).build();

    try (EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.start(0, tls.serverContext())) {
      SpecificAvroSerde<TrainingExample> trusting = new SpecificAvroSerde<>(TrainingExample.class);
      trusting.configure(KafkaClients.withConfigFile("b:9092", registry.url(), config).serdeConfigs(), false);
      byte[] bytes = trusting.serializer().serialize("training-examples", example);
      assertEquals(example, trusting.deserializer().deserialize("training-examples", bytes));

      SpecificAvroSerde<TrainingExample> plain = new SpecificAvroSerde<>(TrainingExample.class);
      plain.configure(KafkaClients.of("b:9092", registry.url()).serdeConfigs(), false);
      assertThrows(RuntimeException.class, () -> plain.serializer().serialize("other-topic", example),
          "without the trust store the self-signed registry is refused");
    }
  }
}
