package org.streambert.schemas.signing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.schemas.AvroSerdeConfig;
import org.streambert.schemas.SpecificAvroSerde;
import org.streambert.schemas.avro.GoldenExample;
import org.streambert.schemas.avro.Head;
import org.streambert.schemas.avro.HeadType;
import org.streambert.schemas.avro.LabelScore;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.avro.ModelStage;

class CheckpointSignaturesTest {

  private static final KeyPair PAIR = CheckpointSignatures.generateKeyPair();
  private static final SigningKey KEY = new SigningKey("k1", PAIR.getPrivate());
  private static final TrustedKeys TRUSTED = TrustedKeys.parse(TrustedKeys.entry("k1", PAIR.getPublic()));

  static ModelCheckpoint checkpoint() {
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("macro_f1", 0.9);
    metrics.put("accuracy", 0.8);
    return ModelCheckpoint.newBuilder().setModelName("m").setVersion("1").setBundleUri("file:///store/m/1/")
        .setManifestSha256("a".repeat(64)).setCreatedAt(Instant.ofEpochMilli(1000))
        .setHeads(List.of(new Head("topic", HeadType.CLASSIFICATION, List.of("a", "b")))).setMetrics(metrics)
        .setGoldenExamples(List.of(GoldenExample.newBuilder().setText("hello").setExpectedLabel("a")
            .setExpectedScores(List.of(new LabelScore("a", 0.75f))).build()))
        .build();
  }

  @Test
  void shouldVerifyASignedEventAfterAWireRoundTrip() {
    ModelCheckpoint signed = CheckpointSignatures.sign(checkpoint(), KEY);
    assertEquals("k1", signed.getSigningKeyId());
    try (SpecificAvroSerde<ModelCheckpoint> serde = new SpecificAvroSerde<>(ModelCheckpoint.class)) {
      serde.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, "mock://signing"), false);
      ModelCheckpoint back = serde.deserializer().deserialize("t", serde.serializer().serialize("t", signed));
      assertNull(TRUSTED.check(back));
    }
  }

  @Test
  void shouldCoverEveryFieldIncludingStageGoldenAndKeyId() {
    ModelCheckpoint signed = CheckpointSignatures.sign(checkpoint(), KEY);
    List<ModelCheckpoint> tampered = List.of(
        ModelCheckpoint.newBuilder(signed).setManifestSha256("b".repeat(64)).build(),
        ModelCheckpoint.newBuilder(signed).setBundleUri("http://evil/m/1/").build(),
        ModelCheckpoint.newBuilder(signed).setVersion("2").build(),
        ModelCheckpoint.newBuilder(signed).setStage(ModelStage.CANDIDATE).build(),
        ModelCheckpoint.newBuilder(signed).setGoldenExamples(List.of()).build(),
        ModelCheckpoint.newBuilder(signed).setMetrics(Map.of("macro_f1", 1.0, "accuracy", 0.8)).build());
    for (ModelCheckpoint t : tampered) {
      assertEquals(TrustedKeys.Failure.BAD_SIGNATURE, TRUSTED.check(t), t.toString());
    }
    ModelCheckpoint otherId = ModelCheckpoint.newBuilder(signed).setSigningKeyId("k2").build();
    TrustedKeys both = TRUSTED.and(TrustedKeys.parse(TrustedKeys.entry("k2", PAIR.getPublic())));
    assertEquals(TrustedKeys.Failure.BAD_SIGNATURE, both.check(otherId));
  }

  @Test
  void shouldNotDependOnMapOrder() {
    ModelCheckpoint signed = CheckpointSignatures.sign(checkpoint(), KEY);
    Map<String, Double> reversed = new LinkedHashMap<>();
    reversed.put("accuracy", 0.8);
    reversed.put("macro_f1", 0.9);
    assertNull(TRUSTED.check(ModelCheckpoint.newBuilder(signed).setMetrics(reversed).build()));
  }

  @Test
  void shouldRefuseUnsignedUntrustedAndGarbageSignatures() {
    assertEquals(TrustedKeys.Failure.UNSIGNED, TRUSTED.check(checkpoint()));
    KeyPair other = CheckpointSignatures.generateKeyPair();
    ModelCheckpoint byOther = CheckpointSignatures.sign(checkpoint(), new SigningKey("k9", other.getPrivate()));
    assertEquals(TrustedKeys.Failure.UNTRUSTED_KEY, TRUSTED.check(byOther));
    ModelCheckpoint sameIdOtherKey = CheckpointSignatures.sign(checkpoint(), new SigningKey("k1", other.getPrivate()));
    assertEquals(TrustedKeys.Failure.BAD_SIGNATURE, TRUSTED.check(sameIdOtherKey));
    for (String garbage : List.of("", "%%%", "AAAA", "A".repeat(100_000))) {
      ModelCheckpoint g = ModelCheckpoint.newBuilder(checkpoint()).setSigningKeyId("k1").setSignature(garbage).build();
      assertTrue(TRUSTED.check(g) != null, garbage.length() + " chars");
    }
  }

  @Test
  void shouldRotateWithTwoTrustedKeys() {
    KeyPair next = CheckpointSignatures.generateKeyPair();
    TrustedKeys rotating = TrustedKeys.parse(TrustedKeys.entry("k1", PAIR.getPublic()) + ",\n"
        + TrustedKeys.entry("k2", next.getPublic()));
    assertEquals(List.of("k1", "k2"), List.copyOf(rotating.ids()));
    assertNull(rotating.check(CheckpointSignatures.sign(checkpoint(), KEY)));
    assertNull(rotating.check(CheckpointSignatures.sign(checkpoint(), new SigningKey("k2", next.getPrivate()))));
  }

  @Test
  void shouldReadKeyFilesAndRejectBadOnesWithoutEchoingThem(@TempDir Path dir) throws Exception {
    Path keyFile = dir.resolve("signing.key");
    Files.writeString(keyFile, "# trainer key\n" + KEY.toFileLine() + "\n");
    SigningKey read = SigningKey.read(keyFile);
    assertNull(TRUSTED.check(CheckpointSignatures.sign(checkpoint(), read)));
    assertFalse(read.toString().contains(KEY.toFileLine().substring(4)));

    Path bad = dir.resolve("bad.key");
    Files.writeString(bad, "k1:c2VjcmV0LXN0dWZm\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SigningKey.read(bad));
    assertFalse(e.getMessage().contains("c2VjcmV0LXN0dWZm"), e.getMessage());
    IllegalArgumentException p = assertThrows(IllegalArgumentException.class,
        () -> TrustedKeys.parse("k1:c2VjcmV0LXN0dWZm"));
    assertFalse(p.getMessage().contains("c2VjcmV0LXN0dWZm"), p.getMessage());
    assertThrows(IllegalArgumentException.class, () -> TrustedKeys.parse("bad id!:AAAA"));
    Path huge = dir.resolve("huge.keys");
    Files.write(huge, new byte[TrustedKeys.MAX_FILE_BYTES + 1]);
    assertThrows(IllegalArgumentException.class, () -> TrustedKeys.read(huge));
  }
}
