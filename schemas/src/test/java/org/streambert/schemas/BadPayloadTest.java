package org.streambert.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.streambert.schemas.AvroSerdeException.Reason;
import org.streambert.schemas.avro.TextRecord;
import org.streambert.schemas.registry.EmbeddedSchemaRegistry;
import org.streambert.schemas.registry.RestSchemaRegistryClient;
import org.streambert.schemas.registry.SchemaRegistryClient;

/** Each kind of undecodable payload raises an AvroSerdeException naming the case, topic, subject and id. */
class BadPayloadTest {
  private static EmbeddedSchemaRegistry registry;
  private static SchemaRegistryClient client;
  private static SpecificAvroDeserializer<TextRecord> deserializer;

  private final String topic = "bad-" + UUID.randomUUID();
  private final String subject = topic + "-value";

  @BeforeAll
  static void startRegistry() {
    registry = EmbeddedSchemaRegistry.start(0);
    client = new RestSchemaRegistryClient(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registry.url(),
        AvroSerdeConfig.MAX_RETRIES_CONFIG, 0));
    deserializer = new SpecificAvroDeserializer<>(TextRecord.class, client);
  }

  @AfterAll
  static void stopRegistry() {
    registry.close();
  }

  private byte[] validPayload() {
    return new SpecificAvroSerializer<TextRecord>(client).serialize(topic, SampleRecords.textRecord());
  }

  private AvroSerdeException assertFails(Reason reason, Executable call) {
    AvroSerdeException e = assertThrows(AvroSerdeException.class, call);
    assertTrue(e instanceof SerializationException);
    assertEquals(reason, e.reason());
    assertEquals(topic, e.topic());
    assertEquals(subject, e.subject());
    assertTrue(e.getMessage().startsWith(reason.name()), e.getMessage());
    assertTrue(e.getMessage().contains("'" + topic + "'") && e.getMessage().contains("'" + subject + "'"),
        e.getMessage());
    return e;
  }

  @Test
  void shouldRejectWrongMagicByte() {
    byte[] payload = validPayload();
    payload[0] = 1;
    AvroSerdeException e = assertFails(Reason.UNKNOWN_MAGIC_BYTE, () -> deserializer.deserialize(topic, payload));
    assertTrue(e.getMessage().contains("0x01"), e.getMessage());
  }

  @Test
  void shouldRejectUnknownSchemaId() {
    byte[] payload = validPayload();
    ByteBuffer.wrap(payload).putInt(1, 999_999);
    AvroSerdeException e = assertFails(Reason.UNKNOWN_SCHEMA_ID, () -> deserializer.deserialize(topic, payload));
    assertEquals(999_999, e.schemaId());
    assertTrue(e.getMessage().contains("schema id 999999"), e.getMessage());
  }

  @Test
  void shouldRejectBodyTruncatedInsideTheRecord() {
    byte[] valid = validPayload();
    byte[] payload = Arrays.copyOf(valid, valid.length - 3);
    AvroSerdeException e = assertFails(Reason.TRUNCATED_PAYLOAD, () -> deserializer.deserialize(topic, payload));
    assertEquals(ByteBuffer.wrap(valid, 1, 4).getInt(), e.schemaId());
  }

  @Test
  void shouldRejectPayloadTruncatedInsideTheHeader() {
    byte[] payload = Arrays.copyOf(validPayload(), 3);
    assertFails(Reason.TRUNCATED_PAYLOAD, () -> deserializer.deserialize(topic, payload));
  }

  @Test
  void shouldRejectEmptyPayload() {
    assertFails(Reason.EMPTY_PAYLOAD, () -> deserializer.deserialize(topic, new byte[0]));
  }

  @Test
  void shouldDeserializeNullTombstoneToNull() {
    assertNull(deserializer.deserialize(topic, null));
  }

  @Test
  void shouldRejectTrailingBytesAfterTheRecordAsMalformed() {
    byte[] valid = validPayload();
    byte[] payload = Arrays.copyOf(valid, valid.length + 2);
    assertFails(Reason.MALFORMED_PAYLOAD, () -> deserializer.deserialize(topic, payload));
  }

  @Test
  void shouldRejectBodyThatDoesNotDecodeAsMalformed() {
    byte[] payload = Arrays.copyOf(validPayload(), 7);
    payload[5] = 0x01; // string length -1 in zig-zag encoding
    payload[6] = 0x00;
    assertFails(Reason.MALFORMED_PAYLOAD, () -> deserializer.deserialize(topic, payload));
  }

  @Test
  void shouldRejectWriterSchemaTheReaderCannotResolve() {
    Schema unrelated = SchemaBuilder.record("TextRecord").namespace("org.streambert.schemas.avro").fields()
        .requiredInt("id").endRecord();
    GenericRecord record = new GenericData.Record(unrelated);
    record.put("id", 7);
    byte[] payload = new GenericAvroSerializer(client).serialize(topic, record);
    int writerId = ByteBuffer.wrap(payload, 1, 4).getInt();
    AvroSerdeException e = assertFails(Reason.UNRESOLVABLE_WRITER_SCHEMA,
        () -> deserializer.deserialize(topic, payload));
    assertEquals(writerId, e.schemaId());
    assertTrue(e.getMessage().contains("/fields/0/type"), e.getMessage()); // names where resolution failed
  }

  @Test
  void shouldRejectWriterRecordWithoutGeneratedClass() {
    Schema unknown = SchemaBuilder.record("Unknown").namespace("nowhere").fields().requiredInt("n").endRecord();
    GenericRecord record = new GenericData.Record(unknown);
    record.put("n", 1);
    byte[] payload = new GenericAvroSerializer(client).serialize(topic, record);
    SpecificAvroDeserializer<?> byWriterName = new SpecificAvroDeserializer<>(null, client);
    AvroSerdeException e = assertFails(Reason.UNRESOLVABLE_WRITER_SCHEMA,
        () -> byWriterName.deserialize(topic, payload));
    assertTrue(e.getMessage().contains("nowhere.Unknown"), e.getMessage());
  }

  @Test
  void shouldReportUnreachableRegistryAsTransient() {
    byte[] payload = validPayload();
    ByteBuffer.wrap(payload).putInt(1, 424_242);
    SchemaRegistryClient dead = new RestSchemaRegistryClient(Map.of(
        AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, "http://127.0.0.1:1", AvroSerdeConfig.MAX_RETRIES_CONFIG, 0));
    AvroSerdeException e = assertFails(Reason.REGISTRY_UNAVAILABLE,
        () -> new SpecificAvroDeserializer<>(TextRecord.class, dead).deserialize(topic, payload));
    assertTrue(e.reason().isTransient());
  }
}
