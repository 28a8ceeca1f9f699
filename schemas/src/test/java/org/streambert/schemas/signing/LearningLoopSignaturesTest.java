package org.streambert.schemas.signing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.junit.jupiter.api.Test;
import org.streambert.schemas.AvroSerdeConfig;
import org.streambert.schemas.SpecificAvroSerde;
import org.streambert.schemas.avro.EntitySpan;
import org.streambert.schemas.avro.TrainingExample;
import org.streambert.schemas.registry.MockSchemaRegistry;
import org.streambert.schemas.rollout.ShadowReport;

/**
 * The learning loop's signed inputs: training examples signed by labeller keys and shadow reports signed by instance
 * keys, with the checkpoint signers' keys and routine; every field covered, domains kept apart, and the example schema
 * still BACKWARD compatible with the one before signatures.
 */
class LearningLoopSignaturesTest {

  private static final SigningKey LABELLER = new SigningKey("alice", CheckpointSignatures.generateKeyPair()
      .getPrivate());
  private static final SigningKey OTHER = new SigningKey("mallory", CheckpointSignatures.generateKeyPair()
      .getPrivate());
  private static final TrustedKeys LABELLERS = TrustedKeys.of(LABELLER);

  static TrainingExample example() {
    return TrainingExample.newBuilder().setId("req-1").setText("Ada Lovelace visited Paris \uD83D\uDE00")
        .setLabel("science").setEntities(List.of(new EntitySpan("PER", 0, 12), new EntitySpan("LOC", 21, 26)))
        .setSource("labelling-page").setCreatedAt(Instant.ofEpochMilli(1_700_000_000_000L)).setLabeller("alice")
        .setModelVersion("bert-nlp@3").setScore(0.61f).build();
  }

  @Test
  void shouldVerifyAnExampleSignedByATrustedLabellerAfterAWireRoundTrip() {
    TrainingExample signed = ExampleSignatures.sign(example(), LABELLER);
    assertEquals("alice", signed.getSigningKeyId());
    try (SpecificAvroSerde<TrainingExample> serde = new SpecificAvroSerde<>(TrainingExample.class)) {
      serde.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, "mock://examples-" + UUID.randomUUID()),
          false);
      byte[] wire = serde.serializer().serialize("training-examples", signed);
      assertNull(LABELLERS.check(serde.deserializer().deserialize("training-examples", wire)));
    }
  }

  @Test
  void shouldRefuseAnExampleWhoseLabelSpansTextLabellerOrIdChangedAfterSigning() {
    TrainingExample signed = ExampleSignatures.sign(example(), LABELLER);
    List<TrainingExample> tampered = List.of(
        TrainingExample.newBuilder(signed).setLabel("sports").build(),
        TrainingExample.newBuilder(signed).setEntities(List.of(new EntitySpan("PER", 0, 3))).build(),
        TrainingExample.newBuilder(signed).setEntities(null).build(),
        TrainingExample.newBuilder(signed).setText("Ada Lovelace visited Paris").build(),
        TrainingExample.newBuilder(signed).setLabeller("bob").build(),
        TrainingExample.newBuilder(signed).setId("req-2").build(),
        TrainingExample.newBuilder(signed).setCreatedAt(Instant.ofEpochMilli(1_800_000_000_000L)).build(),
        TrainingExample.newBuilder(signed).setModelVersion("bert-nlp@4").build(),
        TrainingExample.newBuilder(signed).setScore(0.99f).build());
    for (TrainingExample t : tampered) {
      assertEquals(TrustedKeys.Failure.BAD_SIGNATURE, LABELLERS.check(t), t.toString());
    }
  }

  @Test
  void shouldRefuseUnsignedAndUntrustedExamplesAndKeySwaps() {
    assertEquals(TrustedKeys.Failure.UNSIGNED, LABELLERS.check(example()));
    TrainingExample byOther = ExampleSignatures.sign(example(), OTHER);
    assertEquals(TrustedKeys.Failure.UNTRUSTED_KEY, LABELLERS.check(byOther));
    // Mallory's signature under Alice's key id: the id is covered, and the key does not match either.
    assertEquals(TrustedKeys.Failure.BAD_SIGNATURE,
        LABELLERS.check(TrainingExample.newBuilder(byOther).setSigningKeyId("alice").build()));
  }

  @Test
  void shouldKeepExampleShadowAndCheckpointSignaturesApart() {
    TrainingExample signed = ExampleSignatures.sign(example(), LABELLER);
    byte[] exampleBytes = ExampleSignatures.signedBytes(signed);
    ShadowReport report = ShadowReportSignatures.sign(report(), LABELLER);
    byte[] reportBytes = ShadowReportSignatures.signedBytes(report);
    assertTrue(new String(exampleBytes, 0, ExampleSignatures.DOMAIN.length()).equals(ExampleSignatures.DOMAIN));
    assertTrue(new String(reportBytes, 0, ShadowReportSignatures.DOMAIN.length())
        .equals(ShadowReportSignatures.DOMAIN));
    // A shadow-report signature moved onto an example does not verify (different domain, different bytes).
    assertEquals(TrustedKeys.Failure.BAD_SIGNATURE, LABELLERS.check(TrainingExample.newBuilder(signed)
        .setSignature(report.signature()).build()));
  }

  static ShadowReport report() {
    return new ShadowReport("i-1", "bert-nlp", ShadowReport.STATUS, "1", "2", 40, 0.9, null, 0.8, 0.85, 1200.5,
        1300.25, 1, 2, 1767225600000L);
  }

  @Test
  void shouldVerifyAShadowReportAfterItsJsonRoundTripAndRefuseAnyChange() {
    TrustedKeys instances = TrustedKeys.of(LABELLER);
    ShadowReport signed = ShadowReportSignatures.sign(report(), LABELLER);
    ShadowReport read = ShadowReport.fromJson(signed.toJson()).orElseThrow();
    assertEquals(signed, read);
    assertNull(instances.check(read));
    assertEquals(TrustedKeys.Failure.UNSIGNED, instances.check(report()));
    ShadowReport moreSamples = new ShadowReport("i-1", "bert-nlp", ShadowReport.STATUS, "1", "2", 4000, 0.9, null,
        0.8, 0.85, 1200.5, 1300.25, 1, 2, 1767225600000L, read.signingKeyId(), read.signature());
    assertEquals(TrustedKeys.Failure.BAD_SIGNATURE, instances.check(moreSamples));
    ShadowReport otherName = new ShadowReport("i-2", "bert-nlp", ShadowReport.STATUS, "1", "2", 40, 0.9, null,
        0.8, 0.85, 1200.5, 1300.25, 1, 2, 1767225600000L, read.signingKeyId(), read.signature());
    assertEquals(TrustedKeys.Failure.BAD_SIGNATURE, instances.check(otherName));
    assertEquals(TrustedKeys.Failure.UNTRUSTED_KEY,
        instances.check(ShadowReportSignatures.sign(report(), OTHER)));
  }

  /** The TrainingExample schema as it was before labellers and signatures, kept as a test resource. */
  private static Schema schemaBefore() throws Exception {
    try (InputStream in = LearningLoopSignaturesTest.class
        .getResourceAsStream("/compat/TrainingExample-before-signing.avsc")) {
      return new Schema.Parser().parse(in);
    }
  }

  @Test
  void shouldReadOldExamplesAsUnsignedAndRegisterTheNewSchemaUnderBackward() throws Exception {
    Schema before = schemaBefore();
    GenericRecord old = new GenericData.Record(before);
    old.put("id", "x");
    old.put("text", "old text");
    old.put("label", "a");
    old.put("entities", null);
    old.put("source", "import");
    old.put("createdAt", 5L);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder enc = EncoderFactory.get().directBinaryEncoder(out, null);
    new GenericDatumWriter<GenericRecord>(before).write(old, enc);
    enc.flush();
    TrainingExample read = new SpecificDatumReader<TrainingExample>(before, TrainingExample.getClassSchema())
        .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
    assertEquals("old text", read.getText());
    assertNull(read.getLabeller());
    assertNull(read.getSignature());
    assertEquals(TrustedKeys.Failure.UNSIGNED, LABELLERS.check(read));

    String subject = "compat-" + UUID.randomUUID() + "-value";
    var client = MockSchemaRegistry.clientFor("compat-" + UUID.randomUUID());
    client.register(subject, before);
    assertTrue(client.register(subject, TrainingExample.getClassSchema()) >= 0, "BACKWARD accepts the new fields");
  }
}
