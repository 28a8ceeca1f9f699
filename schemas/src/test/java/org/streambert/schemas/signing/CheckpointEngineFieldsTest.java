package org.streambert.schemas.signing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.security.KeyPair;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.streambert.schemas.AvroSerdeConfig;
import org.streambert.schemas.GenericAvroDeserializer;
import org.streambert.schemas.SpecificAvroDeserializer;
import org.streambert.schemas.SpecificAvroSerde;
import org.streambert.schemas.SpecificAvroSerializer;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.registry.EmbeddedSchemaRegistry;
import org.streambert.schemas.registry.RestSchemaRegistryClient;
import org.streambert.schemas.registry.SchemaRegistryClient;

/**
 * The dev engine and golden tolerances of a checkpoint event (issue 32 §4): optional fields the registry accepts under
 * BACKWARD, read as null from events written before them, and covered by the v3 signature (neither can be added to,
 * changed in or stripped from a signed event).
 */
class CheckpointEngineFieldsTest {

  private static final KeyPair PAIR = CheckpointSignatures.generateKeyPair();
  private static final SigningKey KEY = new SigningKey("k1", PAIR.getPrivate());
  private static final TrustedKeys TRUSTED = TrustedKeys.parse(TrustedKeys.entry("k1", PAIR.getPublic()));
  private static final Instant NOW = Instant.parse("2026-03-01T10:00:00.123Z");
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

  private static Schema schemaBefore() throws Exception {
    try (InputStream in = CheckpointEngineFieldsTest.class.getResourceAsStream(
        "/compat/ModelCheckpoint-before-engine.avsc")) {
      return new Schema.Parser().parse(in);
    }
  }

  private static ModelCheckpoint withEngine() {
    Map<String, Double> tolerances = new LinkedHashMap<>();
    tolerances.put("tensorflow fp32", 1e-4);
    tolerances.put("onnxruntime int8", 0.031);
    return ModelCheckpoint.newBuilder(CheckpointSignaturesTest.checkpoint()).setDevEngine("onnxruntime int8")
        .setGoldenTolerances(tolerances).build();
  }

  @Test
  void shouldRegisterTheNewSchemaAfterTheOldOneUnderBackward() throws Exception {
    String subject = "compat-" + UUID.randomUUID() + "-value";
    client.register(subject, schemaBefore());
    assertTrue(client.register(subject, ModelCheckpoint.getClassSchema()) > 0); // BACKWARD would throw 409
  }

  @Test
  void shouldReadAnEventWrittenBeforeTheFieldsWithNulls() throws Exception {
    ModelCheckpoint old = CheckpointSequence.issue(CheckpointSignaturesTest.checkpoint(), 3, NOW, null, KEY);
    String topic = "before-engine-" + UUID.randomUUID();
    byte[] wire = new SpecificAvroSerializer<ModelCheckpoint>(client).serialize(topic, old);
    GenericRecord asOld = new GenericAvroDeserializer(client, schemaBefore()).deserialize(topic, wire);
    assertEquals(16, asOld.getSchema().getFields().size());
    ModelCheckpoint read = new SpecificAvroDeserializer<>(ModelCheckpoint.class, client).deserialize(topic, wire);
    assertNull(read.getDevEngine());
    assertNull(read.getGoldenTolerances());
    assertNull(TRUSTED.check(read), "a v2 event still verifies: the new fields are null, so it stays v2");
  }

  @Test
  void shouldSignEngineAndTolerancesUnderTheV3Domain() {
    ModelCheckpoint signed = CheckpointSequence.issue(withEngine(), 5, NOW, null, KEY);
    assertNull(TRUSTED.check(signed));
    assertTrue(new String(CheckpointSignatures.signedBytes(signed), 0, CheckpointSignatures.DOMAIN_V3.length(),
        java.nio.charset.StandardCharsets.US_ASCII).equals(CheckpointSignatures.DOMAIN_V3));
    Map<String, Double> looser = new LinkedHashMap<>(signed.getGoldenTolerances());
    looser.put("onnxruntime int8", 0.5);
    List<ModelCheckpoint> tampered = List.of(
        ModelCheckpoint.newBuilder(signed).setDevEngine("tensorflow fp32").build(),
        ModelCheckpoint.newBuilder(signed).setDevEngine(null).build(),
        ModelCheckpoint.newBuilder(signed).setGoldenTolerances(looser).build(),
        ModelCheckpoint.newBuilder(signed).setGoldenTolerances(null).build(),
        ModelCheckpoint.newBuilder(signed).setDevEngine(null).setGoldenTolerances(null).build());
    for (ModelCheckpoint t : tampered) {
      assertEquals(TrustedKeys.Failure.BAD_SIGNATURE, TRUSTED.check(t), t.toString());
    }
    // adding an engine to a v2 event cannot be done without the key either
    ModelCheckpoint v2 = CheckpointSequence.issue(CheckpointSignaturesTest.checkpoint(), 6, NOW, null, KEY);
    assertEquals(TrustedKeys.Failure.BAD_SIGNATURE,
        TRUSTED.check(ModelCheckpoint.newBuilder(v2).setDevEngine("onnxruntime int8").build()));
  }

  @Test
  void shouldSignTheSameBytesWhateverTheToleranceMapOrder() {
    ModelCheckpoint a = withEngine();
    Map<String, Double> reversed = new LinkedHashMap<>();
    reversed.put("onnxruntime int8", 0.031);
    reversed.put("tensorflow fp32", 1e-4);
    ModelCheckpoint b = ModelCheckpoint.newBuilder(a).setGoldenTolerances(reversed).build();
    assertArrayEquals(CheckpointSignatures.signedBytes(a), CheckpointSignatures.signedBytes(b));
  }

  @Test
  void shouldSurviveTheWireWithEngineAndTolerances() {
    ModelCheckpoint signed = CheckpointSequence.issue(withEngine(), 7, NOW, null, KEY);
    try (SpecificAvroSerde<ModelCheckpoint> serde = new SpecificAvroSerde<>(ModelCheckpoint.class)) {
      serde.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, "mock://engine"), false);
      ModelCheckpoint back = serde.deserializer().deserialize("t", serde.serializer().serialize("t", signed));
      assertEquals("onnxruntime int8", back.getDevEngine());
      assertEquals(0.031, back.getGoldenTolerances().get("onnxruntime int8"));
      assertNull(TRUSTED.check(back));
    }
  }
}
