package org.streambert.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.streambert.schemas.AvroSerdeException.Reason;
import org.streambert.schemas.avro.TextRecord;
import org.streambert.schemas.registry.MockSchemaRegistry;
import org.streambert.schemas.registry.SchemaRegistryClient;

/**
 * Payloads that declare huge strings or collections fail with LIMIT_EXCEEDED before anything is allocated for them
 * (the tests run at the surefire heap: a 2 GiB allocation would be an OutOfMemoryError), and unknown schema ids are
 * answered from the negative cache.
 */
class DecodeLimitsTest {

  private final String scope = "limits-" + UUID.randomUUID();
  private final String topic = "limits";
  private final AtomicInteger byIdCalls = new AtomicInteger();

  @AfterEach
  void dropScope() {
    MockSchemaRegistry.dropScope(scope);
  }

  private SpecificAvroDeserializer<TextRecord> deserializer(Map<String, Object> extra) {
    SchemaRegistryClient mock = MockSchemaRegistry.clientFor(scope);
    SchemaRegistryClient counting = (SchemaRegistryClient) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {SchemaRegistryClient.class}, (proxy, method, args) -> {
          if (method.getName().equals("schemaById")) {
            byIdCalls.incrementAndGet();
          }
          try {
            return method.invoke(mock, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
    Map<String, Object> configs = new HashMap<>(extra);
    configs.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, MockSchemaRegistry.MOCK_URL_PREFIX + scope);
    SpecificAvroDeserializer<TextRecord> d = new SpecificAvroDeserializer<>(TextRecord.class, counting);
    d.configure(configs, false);
    return d;
  }

  /** The 5-byte header of a registered TextRecord schema followed by {@code body}. */
  private byte[] payload(Body body) throws IOException {
    byte[] valid = new SpecificAvroSerializer<TextRecord>(MockSchemaRegistry.clientFor(scope))
        .serialize(topic, SampleRecords.textRecord());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(valid, 0, 5);
    BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
    body.write(encoder);
    encoder.flush();
    return out.toByteArray();
  }

  interface Body {
    void write(BinaryEncoder e) throws IOException;
  }

  @Test
  void shouldRefuseElevenByteStringBombBeforeAllocating() throws IOException {
    byte[] bomb = payload(e -> e.writeLong(Integer.MAX_VALUE)); // id: a string of 2^31-1 bytes
    assertTrue(bomb.length <= 11, "bomb is " + bomb.length + " bytes");
    AvroSerdeException ex = assertThrows(AvroSerdeException.class, () -> deserializer(Map.of())
        .deserialize(topic, bomb));
    assertEquals(Reason.LIMIT_EXCEEDED, ex.reason());
    assertTrue(ex.getMessage().contains("string length 2147483647"), ex.getMessage());
  }

  @Test
  void shouldRefuseMapCountBomb() throws IOException {
    byte[] bomb = payload(e -> {
      e.writeString("id");
      e.writeString("text");
      e.writeIndex(0); // language: null
      e.writeIndex(1); // metadata: a map
      e.writeMapStart();
      e.setItemCount(1 << 30); // HashMap(2^30) would allocate a 4 GiB table on the first put
      e.startItem();
      e.writeString("k");
      e.writeString("v");
    });
    AvroSerdeException ex = assertThrows(AvroSerdeException.class, () -> deserializer(Map.of())
        .deserialize(topic, bomb));
    assertEquals(Reason.LIMIT_EXCEEDED, ex.reason());
    assertTrue(ex.getMessage().contains("1073741824 items"), ex.getMessage());
  }

  @Test
  void shouldApplyConfiguredStringLimit() throws IOException {
    byte[] record = payload(e -> {
      e.writeString("id");
      e.writeString("x".repeat(100));
      e.writeIndex(0);
      e.writeIndex(0);
      e.writeLong(0);
    });
    assertEquals("x".repeat(100), deserializer(Map.of()).deserialize(topic, record).getText());
    AvroSerdeException ex = assertThrows(AvroSerdeException.class, () -> deserializer(
        Map.of(AvroSerdeConfig.LIMITS_STRING_MAX_BYTES_CONFIG, 99)).deserialize(topic, record));
    assertEquals(Reason.LIMIT_EXCEEDED, ex.reason());
  }

  @Test
  void shouldApplyConfiguredCollectionLimitToAllCollectionsTogether() throws IOException {
    byte[] record = payload(e -> {
      e.writeString("id");
      e.writeString("t");
      e.writeIndex(0);
      e.writeIndex(1);
      e.writeMapStart();
      e.setItemCount(3);
      for (int i = 0; i < 3; i++) {
        e.startItem();
        e.writeString("k" + i);
        e.writeString("v");
      }
      e.writeMapEnd();
      e.writeLong(0);
    });
    assertEquals(3, deserializer(Map.of(AvroSerdeConfig.LIMITS_COLLECTION_ITEMS_MAX_CONFIG, 3))
        .deserialize(topic, record).getMetadata().size());
    assertEquals(Reason.LIMIT_EXCEEDED, assertThrows(AvroSerdeException.class, () -> deserializer(
        Map.of(AvroSerdeConfig.LIMITS_COLLECTION_ITEMS_MAX_CONFIG, 2)).deserialize(topic, record)).reason());
  }

  @Test
  void shouldAnswerUnknownSchemaIdFromNegativeCache() throws IOException {
    byte[] payload = payload(e -> e.writeString("id"));
    ByteBuffer.wrap(payload).putInt(1, 987_654);
    SpecificAvroDeserializer<TextRecord> d = deserializer(Map.of());
    for (int i = 0; i < 100; i++) {
      assertEquals(Reason.UNKNOWN_SCHEMA_ID,
          assertThrows(AvroSerdeException.class, () -> d.deserialize(topic, payload)).reason());
    }
    assertEquals(1, byIdCalls.get(), "the registry is asked once per id within missing.id.cache.ttl.sec");
  }

  @Test
  void shouldAskRegistryEveryTimeWithNegativeCacheOff() throws IOException {
    byte[] payload = payload(e -> e.writeString("id"));
    ByteBuffer.wrap(payload).putInt(1, 987_654);
    SpecificAvroDeserializer<TextRecord> d = deserializer(Map.of(AvroSerdeConfig.MISSING_ID_CACHE_TTL_SEC_CONFIG, 0));
    for (int i = 0; i < 3; i++) {
      assertThrows(AvroSerdeException.class, () -> d.deserialize(topic, payload));
    }
    assertEquals(3, byIdCalls.get());
  }

  @Test
  void shouldRefuseStringThatIsNotUtf8() throws IOException {
    byte[] record = payload(e -> {
      e.writeString("id");
      e.writeBytes(new byte[] {'o', 'k', (byte) 0xc3, (byte) 0x28}); // 0xc3 0x28: an invalid 2-byte sequence
      e.writeIndex(0);
      e.writeIndex(0);
      e.writeLong(0);
    });
    AvroSerdeException ex = assertThrows(AvroSerdeException.class, () -> deserializer(Map.of())
        .deserialize(topic, record));
    assertEquals(Reason.MALFORMED_PAYLOAD, ex.reason());
    assertTrue(ex.getMessage().contains("not valid UTF-8"), ex.getMessage());
  }

  @Test
  void shouldDecodeNonAsciiUtf8Text() throws IOException {
    byte[] record = payload(e -> {
      e.writeString("id");
      e.writeString("Grüße, 世界 🙂");
      e.writeIndex(0);
      e.writeIndex(0);
      e.writeLong(0);
    });
    assertEquals("Grüße, 世界 🙂", deserializer(Map.of()).deserialize(topic, record).getText());
  }
}
