package org.streambert.schemas.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.streambert.schemas.AvroSerdeConfig;
import org.streambert.schemas.SpecificAvroSerde;
import org.streambert.schemas.avro.TextRecord;

class MockSchemaRegistryTest {
  private static final Schema A = SchemaBuilder.record("A").fields().requiredString("x").endRecord();
  private final String scope = "scope-" + UUID.randomUUID();

  @AfterEach
  void dropScope() {
    MockSchemaRegistry.dropScope(scope);
  }

  private static SchemaRegistryClient clientFor(String url) {
    return SchemaRegistryClients.forConfig(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, url));
  }

  @Test
  void shouldShareStateBetweenClientsOfOneScope() {
    SchemaRegistryClient first = clientFor("mock://" + scope);
    SchemaRegistryClient second = clientFor("mock://" + scope);
    int id = first.register("s-value", A);
    assertEquals(List.of("s-value"), second.subjects());
    assertEquals(A, second.schemaById(id));
  }

  @Test
  void shouldIsolateScopes() {
    clientFor("mock://" + scope).register("s-value", A);
    String other = scope + "-other";
    try {
      assertEquals(List.of(), clientFor("mock://" + other).subjects());
    } finally {
      MockSchemaRegistry.dropScope(other);
    }
  }

  @Test
  void shouldStartEmptyAfterScopeIsDropped() {
    clientFor("mock://" + scope).register("s-value", A);
    MockSchemaRegistry.dropScope(scope);
    assertEquals(List.of(), clientFor("mock://" + scope).subjects());
  }

  @Test
  void shouldApplyTheSameCompatibilityRulesAsTheServer() {
    SchemaRegistryClient client = clientFor("mock://" + scope);
    client.register("s-value", A);
    Schema changedType = SchemaBuilder.record("A").fields().requiredInt("x").endRecord();
    RestClientException e = assertThrows(RestClientException.class, () -> client.register("s-value", changedType));
    assertEquals(409, e.status());
    assertEquals(RestClientException.INCOMPATIBLE_SCHEMA, e.errorCode());
  }

  @Test
  void shouldRaiseConfluentErrorCodesForUnknownSubjectVersionAndId() {
    SchemaRegistryClient client = clientFor("mock://" + scope);
    assertEquals(RestClientException.SUBJECT_NOT_FOUND,
        assertThrows(RestClientException.class, () -> client.latest("nope")).errorCode());
    client.register("s-value", A);
    assertEquals(RestClientException.VERSION_NOT_FOUND,
        assertThrows(RestClientException.class, () -> client.version("s-value", 9)).errorCode());
    assertEquals(RestClientException.SCHEMA_NOT_FOUND,
        assertThrows(RestClientException.class, () -> client.schemaById(12345)).errorCode());
  }

  @Test
  void shouldRoundTripThroughSerdesConfiguredWithMockUrl() {
    Map<String, String> config = Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, "mock://" + scope);
    TextRecord record = TextRecord.newBuilder().setId("1").setText("hi")
        .setEventTime(Instant.ofEpochMilli(5)).build();
    byte[] bytes;
    try (SpecificAvroSerde<TextRecord> producerSide = new SpecificAvroSerde<>(TextRecord.class)) {
      producerSide.configure(config, false);
      bytes = producerSide.serializer().serialize("text-input", record);
    }
    try (SpecificAvroSerde<TextRecord> consumerSide = new SpecificAvroSerde<>(TextRecord.class)) {
      consumerSide.configure(config, false);
      assertEquals(record, consumerSide.deserializer().deserialize("text-input", bytes));
    }
    assertTrue(clientFor("mock://" + scope).subjects().contains("text-input-value"));
  }

  @Test
  void shouldGiveDistinctIdsToDistinctSchemasAndEqualIdsToEqualOnes() {
    SchemaRegistryClient client = clientFor("mock://" + scope);
    Schema b = SchemaBuilder.record("B").fields().requiredString("y").endRecord();
    int a1 = client.register("one", A);
    assertEquals(a1, client.register("two", A));
    assertNotEquals(a1, client.register("three", b));
  }

  @Test
  void shouldRequireRegistryUrl() {
    assertThrows(ConfigException.class, () -> SchemaRegistryClients.forConfig(Map.of()));
  }
}
