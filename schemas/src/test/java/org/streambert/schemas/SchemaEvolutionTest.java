package org.streambert.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.streambert.schemas.registry.EmbeddedSchemaRegistry;
import org.streambert.schemas.registry.RestClientException;
import org.streambert.schemas.registry.RestSchemaRegistryClient;
import org.streambert.schemas.registry.SchemaRegistryClient;

/**
 * For each schema of the contract: a newer reader (one more field, with a default) reads data written with the
 * current schema, and incompatible changes are refused by the registry (BACKWARD, its default) with 409/40901.
 */
class SchemaEvolutionTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static EmbeddedSchemaRegistry registry;
  private static SchemaRegistryClient client;

  @BeforeAll
  static void startRegistry() {
    registry = EmbeddedSchemaRegistry.start(0);
    client = new RestSchemaRegistryClient(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registry.url()));
  }

  @AfterAll
  static void stopRegistry() {
    registry.close();
  }

  static Stream<SpecificRecord> records() {
    return SampleRecords.all().stream();
  }

  /** The record's schema plus one field; {@code fieldJson} is the field's JSON. */
  private static Schema withExtraField(Schema schema, String fieldJson) throws Exception {
    ObjectNode node = (ObjectNode) JSON.readTree(schema.toString());
    ((ArrayNode) node.get("fields")).add(JSON.readTree(fieldJson));
    return new Schema.Parser().parse(node.toString());
  }

  private static String subjectWithCurrentSchema(SpecificRecord record, String topic) {
    String subject = topic + "-value";
    client.register(subject, record.getSchema());
    return subject;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("records")
  void shouldLetNewerReaderWithDefaultedFieldReadDataOfCurrentSchema(SpecificRecord record) throws Exception {
    String topic = "evo-" + UUID.randomUUID();
    Schema newer = withExtraField(record.getSchema(),
        "{\"name\": \"addedLater\", \"type\": \"string\", \"default\": \"unset\"}");
    SpecificAvroSerializer<SpecificRecord> serializer = new SpecificAvroSerializer<>(client);
    byte[] written = serializer.serialize(topic, record);

    GenericRecord read = new GenericAvroDeserializer(client, newer).deserialize(topic, written);

    assertEquals(newer, read.getSchema());
    assertEquals("unset", read.get("addedLater").toString());
    for (Schema.Field field : record.getSchema().getFields()) {
      assertEquals(new GenericAvroDeserializer(client, null).deserialize(topic, written).get(field.name()),
          read.get(field.name()), field.name());
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("records")
  void shouldAcceptNewerSchemaWithDefaultedFieldAsNextVersion(SpecificRecord record) throws Exception {
    String subject = subjectWithCurrentSchema(record, "evo-" + UUID.randomUUID());
    Schema newer = withExtraField(record.getSchema(),
        "{\"name\": \"addedLater\", \"type\": [\"null\", \"string\"], \"default\": null}");
    assertTrue(client.isCompatible(subject, newer));
    client.register(subject, newer);
    assertEquals(2, client.latest(subject).version());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("records")
  void shouldRefuseFieldAddedWithoutDefaultWith40901(SpecificRecord record) throws Exception {
    String subject = subjectWithCurrentSchema(record, "evo-" + UUID.randomUUID());
    Schema incompatible = withExtraField(record.getSchema(), "{\"name\": \"addedLater\", \"type\": \"string\"}");
    assertFalse(client.isCompatible(subject, incompatible));
    RestClientException e = assertThrows(RestClientException.class, () -> client.register(subject, incompatible));
    assertEquals(409, e.status());
    assertEquals(RestClientException.INCOMPATIBLE_SCHEMA, e.errorCode());
    assertEquals(1, client.versions(subject).size());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("records")
  void shouldRefuseChangedFieldTypeWith40901(SpecificRecord record) throws Exception {
    String subject = subjectWithCurrentSchema(record, "evo-" + UUID.randomUUID());
    ObjectNode node = (ObjectNode) JSON.readTree(record.getSchema().toString());
    ObjectNode firstField = (ObjectNode) node.get("fields").get(0);
    assertEquals("string", firstField.get("type").path("type").asText(), "first field of every schema is a string");
    firstField.put("type", "int");
    Schema changed = new Schema.Parser().parse(node.toString());
    RestClientException e = assertThrows(RestClientException.class, () -> client.register(subject, changed));
    assertEquals(409, e.status());
    assertEquals(RestClientException.INCOMPATIBLE_SCHEMA, e.errorCode());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("records")
  void shouldRefuseIncompatibleSchemaInSerializerAsSchemaRefused(SpecificRecord record) throws Exception {
    String topic = "evo-" + UUID.randomUUID();
    subjectWithCurrentSchema(record, topic);
    Schema incompatible = withExtraField(record.getSchema(), "{\"name\": \"addedLater\", \"type\": \"string\"}");
    GenericRecord newerRecord = new GenericData.Record(incompatible);
    AvroSerdeException e = assertThrows(AvroSerdeException.class,
        () -> new GenericAvroSerializer(client).serialize(topic, newerRecord));
    assertEquals(AvroSerdeException.Reason.SCHEMA_REFUSED, e.reason());
    assertTrue(e.getMessage().contains("40901"), e.getMessage());
  }
}
