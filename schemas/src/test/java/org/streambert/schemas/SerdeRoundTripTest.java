package org.streambert.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.streambert.schemas.avro.EnrichedText;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.avro.TextRecord;
import org.streambert.schemas.avro.TrainingExample;
import org.streambert.schemas.registry.EmbeddedSchemaRegistry;
import org.streambert.schemas.registry.RestSchemaRegistryClient;
import org.streambert.schemas.registry.SchemaRegistryClient;

/** Serdes against the embedded registry server over loopback HTTP. */
class SerdeRoundTripTest {
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

  private static String topic() {
    return "t-" + UUID.randomUUID();
  }

  private static Map<String, Object> config(Object... extra) {
    Map<String, Object> config = new HashMap<>();
    config.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registry.url());
    for (int i = 0; i < extra.length; i += 2) {
      config.put((String) extra[i], extra[i + 1]);
    }
    return config;
  }

  private static <T extends SpecificRecord> SpecificAvroSerde<T> specificSerde(Class<T> type, boolean isKey) {
    SpecificAvroSerde<T> serde = new SpecificAvroSerde<>(type);
    serde.configure(config(), isKey);
    return serde;
  }

  private static <T extends SpecificRecord> void assertRoundTrip(Class<T> type, T record) {
    String topic = topic();
    try (SpecificAvroSerde<T> serde = specificSerde(type, false)) {
      byte[] bytes = serde.serializer().serialize(topic, record);
      assertEquals(record, serde.deserializer().deserialize(topic, bytes));
    }
  }

  @Test
  void shouldRoundTripTextRecordWithTimestampAndMetadata() {
    assertRoundTrip(TextRecord.class, SampleRecords.textRecord());
  }

  @Test
  void shouldRoundTripEnrichedText() {
    assertRoundTrip(EnrichedText.class, SampleRecords.enrichedText());
  }

  @Test
  void shouldRoundTripModelCheckpoint() {
    assertRoundTrip(ModelCheckpoint.class, SampleRecords.modelCheckpoint());
  }

  @Test
  void shouldRoundTripTrainingExample() {
    assertRoundTrip(TrainingExample.class, SampleRecords.trainingExample());
  }

  @Test
  void shouldWriteMagicByteAndRegisteredSchemaIdBigEndian() {
    String topic = topic();
    byte[] bytes = specificSerde(TextRecord.class, false).serializer().serialize(topic, SampleRecords.textRecord());
    int registeredId = client.lookup(topic + "-value", TextRecord.getClassSchema()).id();
    assertEquals(0, bytes[0]);
    assertEquals(registeredId, ByteBuffer.wrap(bytes, 1, 4).getInt());
  }

  @Test
  void shouldRegisterKeyAndValueUnderTopicNameStrategySubjects() {
    String topic = topic();
    specificSerde(TextRecord.class, true).serializer().serialize(topic, SampleRecords.textRecord());
    specificSerde(EnrichedText.class, false).serializer().serialize(topic, SampleRecords.enrichedText());
    assertEquals(TextRecord.getClassSchema(), client.latest(topic + "-key").schema());
    assertEquals(EnrichedText.getClassSchema(), client.latest(topic + "-value").schema());
  }

  @Test
  void shouldRoundTripGenericRecords() {
    Schema schema = SchemaBuilder.record("Reading").namespace("test").fields()
        .requiredString("sensor").requiredDouble("value").optionalString("unit").endRecord();
    GenericRecord record = new GenericData.Record(schema);
    record.put("sensor", "s1");
    record.put("value", 1.5);
    record.put("unit", null);
    String topic = topic();
    try (GenericAvroSerde serde = new GenericAvroSerde()) {
      serde.configure(config(), false);
      GenericRecord back = serde.deserializer().deserialize(topic, serde.serializer().serialize(topic, record));
      assertEquals(record, back);
      assertEquals(schema, back.getSchema());
    }
  }

  @Test
  void shouldReadSpecificPayloadAsGenericRecordWithWriterSchema() {
    String topic = topic();
    byte[] bytes = specificSerde(TextRecord.class, false).serializer().serialize(topic, SampleRecords.textRecord());
    GenericAvroDeserializer deserializer = new GenericAvroDeserializer();
    deserializer.configure(config(), false);
    GenericRecord generic = deserializer.deserialize(topic, bytes);
    assertEquals("t-1", generic.get("id").toString());
    assertEquals(SampleRecords.T0.toEpochMilli(), generic.get("eventTime"));
  }

  @Test
  void shouldReturnGeneratedClassFromGenericDeserializerWhenSpecificReaderIsEnabled() {
    String topic = topic();
    byte[] bytes = specificSerde(TextRecord.class, false).serializer().serialize(topic, SampleRecords.textRecord());
    GenericAvroDeserializer deserializer = new GenericAvroDeserializer();
    deserializer.configure(config(AvroSerdeConfig.SPECIFIC_AVRO_READER_CONFIG, true), false);
    assertEquals(SampleRecords.textRecord(), assertInstanceOf(TextRecord.class, deserializer.deserialize(topic, bytes)));
  }

  @Test
  void shouldResolveGeneratedClassFromWriterSchemaWhenDeserializerHasNoType() {
    String topic = topic();
    byte[] bytes = specificSerde(TrainingExample.class, false).serializer()
        .serialize(topic, SampleRecords.trainingExample());
    SpecificAvroDeserializer<SpecificRecord> deserializer = new SpecificAvroDeserializer<>();
    deserializer.configure(config(), false);
    assertEquals(SampleRecords.trainingExample(), deserializer.deserialize(topic, bytes));
  }

  @Test
  void shouldSerializeAndDeserializeNullAsNullForTombstones() {
    try (SpecificAvroSerde<TextRecord> serde = specificSerde(TextRecord.class, false)) {
      assertNull(serde.serializer().serialize("any", null));
      assertNull(serde.deserializer().deserialize("any", null));
    }
  }

  @Test
  void shouldRefuseUnregisteredSchemaWhenAutoRegisterIsOff() {
    String topic = topic();
    SpecificAvroSerializer<TextRecord> serializer = new SpecificAvroSerializer<>();
    serializer.configure(config(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, false), false);
    AvroSerdeException e = assertThrows(AvroSerdeException.class,
        () -> serializer.serialize(topic, SampleRecords.textRecord()));
    assertEquals(AvroSerdeException.Reason.SCHEMA_NOT_REGISTERED, e.reason());
    assertEquals(topic + "-value", e.subject());
    assertTrue(client.subjects().stream().noneMatch(s -> s.startsWith(topic)), "nothing registered");
  }

  @Test
  void shouldUseRegisteredIdWhenAutoRegisterIsOffAndSchemaIsRegistered() {
    String topic = topic();
    int id = client.register(topic + "-value", TextRecord.getClassSchema());
    SpecificAvroSerializer<TextRecord> serializer = new SpecificAvroSerializer<>();
    serializer.configure(config(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, false), false);
    assertEquals(id, ByteBuffer.wrap(serializer.serialize(topic, SampleRecords.textRecord()), 1, 4).getInt());
  }

  @Test
  void shouldWriteWithLatestSchemaWhenUseLatestVersionIsOn() {
    String topic = topic();
    Schema v1 = SchemaBuilder.record("Doc").namespace("test").fields().requiredString("id").endRecord();
    Schema v2 = SchemaBuilder.record("Doc").namespace("test").fields().requiredString("id")
        .name("lang").type().stringType().stringDefault("und").endRecord();
    client.register(topic + "-value", v1);
    int latestId = client.register(topic + "-value", v2);
    GenericRecord old = new GenericData.Record(v1);
    old.put("id", "d1");
    GenericAvroSerializer serializer = new GenericAvroSerializer();
    serializer.configure(config(AvroSerdeConfig.USE_LATEST_VERSION_CONFIG, true), false);
    byte[] bytes = serializer.serialize(topic, old);
    assertEquals(latestId, ByteBuffer.wrap(bytes, 1, 4).getInt());
    GenericAvroDeserializer deserializer = new GenericAvroDeserializer(client, null);
    GenericRecord back = deserializer.deserialize(topic, bytes);
    assertEquals(v2, back.getSchema());
    assertEquals("und", back.get("lang").toString());
  }

  @Test
  void shouldReportRecordNotMatchingItsSchemaAsInvalidRecord() {
    TextRecord broken = SampleRecords.textRecord();
    broken.setText(null); // the builder validates, the setter does not
    AvroSerdeException e = assertThrows(AvroSerdeException.class,
        () -> specificSerde(TextRecord.class, false).serializer().serialize(topic(), broken));
    assertEquals(AvroSerdeException.Reason.INVALID_RECORD, e.reason());
  }

  @Test
  void shouldShareOneClientBetweenSerializerAndDeserializerWithoutConfigure() {
    String topic = topic();
    SpecificAvroSerde<TextRecord> serde = new SpecificAvroSerde<>(TextRecord.class, client);
    TextRecord record = SampleRecords.textRecord();
    assertEquals(record, serde.deserializer().deserialize(topic, serde.serializer().serialize(topic, record)));
    assertEquals(List.of(1), client.versions(topic + "-value"));
  }
}
