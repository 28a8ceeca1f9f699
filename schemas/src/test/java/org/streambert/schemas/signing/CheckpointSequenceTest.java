package org.streambert.schemas.signing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.streambert.schemas.AvroSerdeConfig;
import org.streambert.schemas.GenericAvroDeserializer;
import org.streambert.schemas.GenericAvroSerializer;
import org.streambert.schemas.SpecificAvroDeserializer;
import org.streambert.schemas.SpecificAvroSerde;
import org.streambert.schemas.SpecificAvroSerializer;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.registry.EmbeddedSchemaRegistry;
import org.streambert.schemas.registry.RestSchemaRegistryClient;
import org.streambert.schemas.registry.SchemaRegistryClient;

/**
 * The signed sequence of checkpoint events (issue 25): events signed before it existed still verify after the
 * upgrade (a fixture signed by the code of that time), the registry accepts the new schema under BACKWARD, the
 * sequence, issue time and expiry are covered by the signature and cannot be added or stripped, and a publisher's
 * next sequence is above both what it sees and its clock. Likewise the dev engine and golden tolerances (issue 32 §4):
 * optional fields the registry accepts under BACKWARD, null in events written before them, covered by the v3
 * signature.
 */
class CheckpointSequenceTest {

  private static final KeyPair PAIR = CheckpointSignatures.generateKeyPair();
  private static final SigningKey KEY = new SigningKey("k1", PAIR.getPrivate());
  private static final TrustedKeys TRUSTED = TrustedKeys.parse(TrustedKeys.entry("k1", PAIR.getPublic()));
  private static final Instant NOW = Instant.parse("2026-03-01T10:00:00.123456Z");
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

  /** The ModelCheckpoint schema as it was before sequences (commit fbaf433), kept as a test resource. */
  private static Schema schemaBefore() throws Exception {
    String resource = "/compat/ModelCheckpoint-before-sequence.avsc";
    try (InputStream in = CheckpointSequenceTest.class.getResourceAsStream(resource)) {
      return new Schema.Parser().parse(in);
    }
  }

  /** An event signed by the trainer code before sequences existed: its trusted key and its Avro binary (old schema). */
  private static JsonNode legacyFixture() throws Exception {
    try (InputStream in = CheckpointSequenceTest.class.getResourceAsStream("/compat/legacy-signed-checkpoint.json")) {
      return new ObjectMapper().readTree(in);
    }
  }

  @Test
  void shouldStillVerifyAnEventSignedBeforeSequencesExisted() throws Exception {
    JsonNode fixture = legacyFixture();
    TrustedKeys legacyKey = TrustedKeys.parse(fixture.get("trustedKey").asText());
    byte[] avro = Base64.getDecoder().decode(fixture.get("avroBinaryBase64").asText());
    Schema before = schemaBefore();

    // Read as the upgraded app reads it: writer schema from the registry, this module's schema as the reader.
    GenericRecord written = new GenericDatumReader<GenericRecord>(before)
        .read(null, DecoderFactory.get().binaryDecoder(avro, null));
    String topic = "legacy-" + UUID.randomUUID();
    byte[] wire = new GenericAvroSerializer(client).serialize(topic, written);
    ModelCheckpoint read = new SpecificAvroDeserializer<>(ModelCheckpoint.class, client).deserialize(topic, wire);

    assertNull(read.getSequence());
    assertNull(read.getIssuedAt());
    assertEquals("legacy-model", read.getModelName());
    assertNull(legacyKey.check(read), "a pre-upgrade signature must still verify");
    // ... and without the registry, straight from the old binary.
    ModelCheckpoint direct = new SpecificDatumReader<ModelCheckpoint>(before, ModelCheckpoint.getClassSchema())
        .read(null, DecoderFactory.get().binaryDecoder(avro, null));
    assertNull(legacyKey.check(direct));
    assertEquals(TrustedKeys.Failure.BAD_SIGNATURE,
        legacyKey.check(ModelCheckpoint.newBuilder(direct).setSequence(1L).build()), "a sequence added afterwards");
  }

  @Test
  void shouldRegisterTheNewSchemaAfterTheOldOneUnderBackward() throws Exception {
    String subject = "compat-" + UUID.randomUUID() + "-value";
    client.register(subject, schemaBefore());
    int id = client.register(subject, ModelCheckpoint.getClassSchema()); // BACKWARD (the default) would throw 409
    assertTrue(id > 0);
  }

  @Test
  void shouldCoverSequenceIssueTimeAndExpiry() {
    ModelCheckpoint signed = CheckpointSequence.issue(CheckpointSignaturesTest.checkpoint(), 7, NOW,
        Duration.ofDays(3), KEY);
    assertNull(TRUSTED.check(signed));
    assertEquals(7L, signed.getSequence());
    assertEquals(Instant.parse("2026-03-01T10:00:00.123Z"), signed.getIssuedAt(), "truncated to what the wire keeps");
    assertEquals(Instant.parse("2026-03-04T10:00:00.123Z"), signed.getExpiresAt());
    List<ModelCheckpoint> tampered = List.of(
        ModelCheckpoint.newBuilder(signed).setSequence(8L).build(),
        ModelCheckpoint.newBuilder(signed).setSequence(null).build(),
        ModelCheckpoint.newBuilder(signed).setIssuedAt(NOW.plusSeconds(1)).build(),
        ModelCheckpoint.newBuilder(signed).setExpiresAt(null).build(),
        ModelCheckpoint.newBuilder(signed).setSequence(null).setIssuedAt(null).setExpiresAt(null).build());
    for (ModelCheckpoint t : tampered) {
      assertEquals(TrustedKeys.Failure.BAD_SIGNATURE, TRUSTED.check(t), t.toString());
    }
  }

  @Test
  void shouldSignSequencedEventsUnderTheV2DomainOnly() {
    ModelCheckpoint legacy = CheckpointSignatures.sign(CheckpointSignaturesTest.checkpoint(), KEY);
    ModelCheckpoint sequenced = CheckpointSequence.issue(CheckpointSignaturesTest.checkpoint(), 1, NOW, null, KEY);
    assertTrue(startsWith(CheckpointSignatures.signedBytes(legacy), CheckpointSignatures.DOMAIN));
    assertTrue(startsWith(CheckpointSignatures.signedBytes(sequenced), CheckpointSignatures.DOMAIN_V2));
    // Only the expiry set is still v2: an issue time or expiry cannot be slipped into a v1 event either.
    ModelCheckpoint onlyExpiry = ModelCheckpoint.newBuilder(legacy).setExpiresAt(NOW).build();
    assertTrue(startsWith(CheckpointSignatures.signedBytes(onlyExpiry), CheckpointSignatures.DOMAIN_V2));
    assertEquals(TrustedKeys.Failure.BAD_SIGNATURE, TRUSTED.check(onlyExpiry));
  }

  @Test
  void shouldSurviveTheWireWithItsSequence() {
    ModelCheckpoint signed = CheckpointSequence.issue(CheckpointSignaturesTest.checkpoint(), 42, NOW, null, KEY);
    try (SpecificAvroSerde<ModelCheckpoint> serde = new SpecificAvroSerde<>(ModelCheckpoint.class)) {
      serde.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, "mock://sequence"), false);
      ModelCheckpoint back = serde.deserializer().deserialize("t", serde.serializer().serialize("t", signed));
      assertEquals(signed, back);
      assertNull(TRUSTED.check(back));
      assertArrayEquals(CheckpointSignatures.signedBytes(signed), CheckpointSignatures.signedBytes(back));
    }
  }

  @Test
  void shouldNumberTheNextEventAboveWhatItSeesAndAboveTheClock() {
    long clock = NOW.toEpochMilli();
    assertEquals(clock, CheckpointSequence.next(null, NOW), "first event of a slot");
    assertEquals(clock, CheckpointSequence.next(5L, NOW), "a small counter is overtaken by the clock");
    assertEquals(clock + 1, CheckpointSequence.next(clock, NOW), "two events within one millisecond");
    assertEquals(clock + 1001, CheckpointSequence.next(clock + 1000, NOW), "a publisher whose clock was ahead");
    assertThrows(IllegalStateException.class, () -> CheckpointSequence.next(Long.MAX_VALUE, NOW));
    assertThrows(IllegalArgumentException.class,
        () -> CheckpointSequence.issue(CheckpointSignaturesTest.checkpoint(), 1, NOW, Duration.ZERO, KEY));
  }

  @Test
  void shouldOrderUnsequencedEventsBeforeSequencedOnes() {
    ModelCheckpoint legacy = CheckpointSignaturesTest.checkpoint();
    ModelCheckpoint one = ModelCheckpoint.newBuilder(legacy).setSequence(1L).build();
    ModelCheckpoint negative = ModelCheckpoint.newBuilder(legacy).setSequence(Long.MIN_VALUE).build();
    ModelCheckpoint two = ModelCheckpoint.newBuilder(legacy).setSequence(2L).build();
    List<ModelCheckpoint> events = new ArrayList<>(List.of(two, one, legacy, negative));
    events.sort(CheckpointSequence.ORDER);
    assertEquals(List.of(legacy, negative, one, two), events);
  }

  @Test
  void shouldDeriveThePublicHalfOfASigningKey() {
    assertArrayEquals(PAIR.getPublic().getEncoded(), KEY.publicKey().getEncoded());
    assertNull(TrustedKeys.of(KEY).check(CheckpointSignatures.sign(CheckpointSignaturesTest.checkpoint(), KEY)));
  }

  private static boolean startsWith(byte[] bytes, String prefix) {
    byte[] p = prefix.getBytes(StandardCharsets.US_ASCII);
    if (bytes.length < p.length) {
      return false;
    }
    for (int i = 0; i < p.length; i++) {
      if (bytes[i] != p[i]) {
        return false;
      }
    }
    return true;
  }

  // Issue 32 §4: the dev engine and golden tolerances, optional fields under a v3 signature.

  private static Schema schemaBeforeEngine() throws Exception {
    try (InputStream in = CheckpointSequenceTest.class.getResourceAsStream(
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
  void shouldRegisterTheEngineFieldsAfterTheSchemaBeforeThemUnderBackward() throws Exception {
    String subject = "compat-" + UUID.randomUUID() + "-value";
    client.register(subject, schemaBeforeEngine());
    assertTrue(client.register(subject, ModelCheckpoint.getClassSchema()) > 0); // BACKWARD would throw 409
  }

  @Test
  void shouldReadAnEventWrittenBeforeTheFieldsWithNulls() throws Exception {
    ModelCheckpoint old = CheckpointSequence.issue(CheckpointSignaturesTest.checkpoint(), 3, NOW, null, KEY);
    String topic = "before-engine-" + UUID.randomUUID();
    byte[] wire = new SpecificAvroSerializer<ModelCheckpoint>(client).serialize(topic, old);
    GenericRecord asOld = new GenericAvroDeserializer(client, schemaBeforeEngine()).deserialize(topic, wire);
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
