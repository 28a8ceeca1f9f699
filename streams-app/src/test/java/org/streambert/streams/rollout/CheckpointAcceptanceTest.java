package org.streambert.streams.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.schemas.CheckpointKeys;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.avro.ModelStage;
import org.streambert.schemas.signing.CheckpointSequence;
import org.streambert.schemas.signing.CheckpointSignatures;
import org.streambert.schemas.signing.SigningKey;
import org.streambert.schemas.signing.TrustedKeys;

/**
 * The gate's replay and freshness rules (issue 25), without Kafka: an older signed event produced again is refused
 * with {@code signature.replay:}, a rollback (a new event naming an old version) passes, each slot has its own
 * sequence, the highest survives a restart through the file, and two keys share one sequence.
 */
class CheckpointAcceptanceTest {

  private static final KeyPair PAIR = CheckpointSignatures.generateKeyPair();
  private static final SigningKey KEY = new SigningKey("k1", PAIR.getPrivate());
  private static final KeyPair NEXT_PAIR = CheckpointSignatures.generateKeyPair();
  private static final SigningKey NEXT_KEY = new SigningKey("k2", NEXT_PAIR.getPrivate());
  private static final TrustedKeys BOTH = TrustedKeys.parse(TrustedKeys.entry("k1", PAIR.getPublic()) + ","
      + TrustedKeys.entry("k2", NEXT_PAIR.getPublic()));
  private static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  @TempDir
  Path dir;

  private static ModelSourcePolicy policy(TrustedKeys keys, Duration maxAge) {
    return new ModelSourcePolicy(keys, List.of(), 1L << 30, Duration.ofSeconds(10), true, maxAge);
  }

  private CheckpointAcceptance gate() throws IOException {
    return new CheckpointAcceptance(policy(BOTH, Duration.ZERO), dir.resolve("accepted.avro"), CLOCK);
  }

  /** An unsigned event of model m (no heads, so no golden examples are needed). */
  private static ModelCheckpoint event(String version, ModelStage stage) {
    return ModelCheckpoint.newBuilder().setModelName("m").setVersion(version).setBundleUri("file:///store/m/" + version)
        .setManifestSha256("ab").setCreatedAt(Instant.parse("2025-01-01T00:00:00Z")).setHeads(List.of())
        .setStage(stage).build();
  }

  private static ModelCheckpoint signed(String version, ModelStage stage, long sequence, SigningKey key) {
    return CheckpointSequence.issue(event(version, stage), sequence, NOW.minusSeconds(60), null, key);
  }

  private static ModelCheckpoint promoted(String version, long sequence) {
    return signed(version, ModelStage.PROMOTED, sequence, KEY);
  }

  @Test
  void shouldRefuseAnOlderEventProducedAgainAndNameTheRule() throws IOException {
    CheckpointAcceptance gate = gate();
    ModelCheckpoint v1 = promoted("1", 1);
    ModelCheckpoint v2 = promoted("2", 2);
    assertTrue(gate.admit(v1, 0, 0).accepted());
    assertTrue(gate.admit(v2, 0, 1).accepted());

    CheckpointAcceptance.Decision replay = gate.admit(v1, 0, 2);
    assertEquals(CheckpointAcceptance.Verdict.REFUSED, replay.verdict());
    assertTrue(replay.reason().startsWith("signature.replay: sequence 1 is not higher than 2"), replay.reason());
    assertEquals("2", gate.lastAccepted("m").orElseThrow().getVersion());
  }

  @Test
  void shouldAcceptTheEventItAcceptedLastAgain() throws IOException {
    CheckpointAcceptance gate = gate();
    ModelCheckpoint v2 = promoted("2", 2);
    assertTrue(gate.admit(v2, 0, 1).accepted());
    assertTrue(gate.admit(v2, -1, -1).accepted(), "the store hands it over at start");
    assertTrue(gate.admit(v2, 0, 7).accepted(), "the same event produced again changes nothing");
  }

  @Test
  void shouldAcceptARollbackWhichIsANewEventNamingTheOlderVersion() throws IOException {
    CheckpointAcceptance gate = gate();
    assertTrue(gate.admit(promoted("1", 1), 0, 0).accepted());
    assertTrue(gate.admit(promoted("2", 2), 0, 1).accepted());
    assertTrue(gate.admit(promoted("1", 3), 0, 2).accepted());
    assertEquals("1", gate.lastAccepted("m").orElseThrow().getVersion());
  }

  @Test
  void shouldRefuseAnotherEventWithTheSameSequence() throws IOException {
    CheckpointAcceptance gate = gate();
    assertTrue(gate.admit(promoted("2", 5), 0, 0).accepted());
    CheckpointAcceptance.Decision loser = gate.admit(promoted("3", 5), 0, 1); // a publisher that lost the race
    assertEquals(CheckpointAcceptance.Verdict.REFUSED, loser.verdict());
    assertTrue(loser.reason().startsWith("signature.replay:"), loser.reason());
  }

  @Test
  void shouldKeepTheHighestAcceptedSequenceAcrossARestart() throws IOException {
    ModelCheckpoint v1 = promoted("1", 1);
    ModelCheckpoint v2 = promoted("2", 2);
    CheckpointAcceptance before = gate();
    before.admit(v1, 0, 0);
    before.admit(v2, 0, 1);

    CheckpointAcceptance restarted = gate(); // reads the file
    assertEquals(v2, restarted.lastAccepted("m").orElseThrow(), "the accepted event itself, not only its sequence");
    // A compacted topic that kept only the replay (offset 2) still cannot roll the restarted instance back...
    assertEquals(CheckpointAcceptance.Verdict.REFUSED, restarted.admit(v1, 0, 2).verdict());
    // ... while the original v1 below the accepted event's offset is history, refused without a report.
    assertEquals(CheckpointAcceptance.Verdict.SUPERSEDED, restarted.admit(v1, 0, 0).verdict());
    assertTrue(restarted.admit(v2, 0, 1).accepted());
  }

  @Test
  void shouldProtectTheServingAndTheCandidateSlotEachWithItsOwnSequence() throws IOException {
    CheckpointAcceptance gate = gate();
    ModelCheckpoint candidate = signed("3", ModelStage.CANDIDATE, 10, KEY);
    ModelCheckpoint retired = signed("3", ModelStage.RETIRED, 11, KEY);
    assertTrue(gate.admit(candidate, 0, 0).accepted());
    assertTrue(gate.admit(retired, 0, 1).accepted());
    assertTrue(gate.admit(promoted("2", 4), 0, 2).accepted(), "the serving slot has its own, lower, sequence");

    // CANDIDATE and RETIRED share the candidate slot: the retired candidate cannot be brought back into shadow.
    CheckpointAcceptance.Decision back = gate.admit(candidate, 0, 3);
    assertEquals(CheckpointAcceptance.Verdict.REFUSED, back.verdict());
    assertTrue(back.reason().contains("'" + CheckpointKeys.candidate("m") + "'"), back.reason());
    assertEquals(CheckpointAcceptance.Verdict.REFUSED, gate.admit(promoted("1", 3), 0, 4).verdict());
    assertEquals(CheckpointAcceptance.Verdict.REFUSED,
        gate.admit(signed("3", ModelStage.RETIRED, 9, KEY), 0, 5).verdict());
  }

  @Test
  void shouldLetTwoKeysShareOneSequence() throws IOException {
    CheckpointAcceptance gate = gate();
    assertTrue(gate.admit(promoted("1", 1), 0, 0).accepted());
    ModelCheckpoint byNext = signed("2", ModelStage.PROMOTED, 2, NEXT_KEY);
    assertTrue(gate.admit(byNext, 0, 1).accepted(), "the rotated key continues the sequence");
    assertTrue(gate.admit(promoted("3", 3), 0, 2).accepted(), "and the old key after it");
    assertEquals(CheckpointAcceptance.Verdict.REFUSED, gate.admit(byNext, 0, 3).verdict());
  }

  @Test
  void shouldOrderEventsWithoutASequenceBelowSequencedOnes() throws IOException {
    CheckpointAcceptance gate = gate();
    ModelCheckpoint old1 = CheckpointSignatures.sign(event("1", ModelStage.PROMOTED), KEY);
    ModelCheckpoint old2 = CheckpointSignatures.sign(event("2", ModelStage.PROMOTED), KEY);
    assertTrue(gate.admit(old1, 0, 0).accepted(), "an event signed before the upgrade");
    assertTrue(gate.admit(old2, 0, 1).accepted(), "two of them: the topic's order, as before");
    assertTrue(gate.admit(promoted("3", 1), 0, 2).accepted(), "the first sequenced event");
    CheckpointAcceptance.Decision replay = gate.admit(old1, 0, 3);
    assertEquals(CheckpointAcceptance.Verdict.REFUSED, replay.verdict());
    assertTrue(replay.reason().startsWith("signature.replay: the event has no sequence"), replay.reason());
  }

  @Test
  void shouldNotCheckSequencesWithoutTrustedKeys() throws IOException {
    CheckpointAcceptance gate = new CheckpointAcceptance(policy(TrustedKeys.none(), Duration.ZERO),
        dir.resolve("unsigned.avro"), CLOCK);
    assertTrue(gate.admit(ModelCheckpoint.newBuilder(event("2", ModelStage.PROMOTED)).setSequence(2L).build(), 0, 0).accepted());
    assertTrue(gate.admit(ModelCheckpoint.newBuilder(event("1", ModelStage.PROMOTED)).setSequence(1L).build(), 0, 1).accepted());
    assertFalse(Files.exists(dir.resolve("unsigned.avro")), "nothing to remember without signatures");
  }

  @Test
  void shouldRefuseExpiredEventsAndEventsOlderThanTheMaximumAge() throws IOException {
    CheckpointAcceptance gate = new CheckpointAcceptance(policy(BOTH, Duration.ofDays(7)),
        dir.resolve("fresh.avro"), CLOCK);
    ModelCheckpoint expired = CheckpointSequence.issue(event("1", ModelStage.PROMOTED), 1, NOW.minusSeconds(7200),
        Duration.ofHours(1), KEY);
    CheckpointAcceptance.Decision e = gate.admit(expired, 0, 0);
    assertTrue(e.reason() != null && e.reason().startsWith("signature.expired:"), e.reason());

    ModelCheckpoint stale = CheckpointSequence.issue(event("2", ModelStage.PROMOTED), 2, NOW.minus(Duration.ofDays(8)),
        null, KEY);
    CheckpointAcceptance.Decision s = gate.admit(stale, 0, 1);
    assertTrue(s.reason() != null && s.reason().startsWith("max.event.age:"), s.reason());
    ModelCheckpoint legacyStale = CheckpointSignatures.sign(event("3", ModelStage.PROMOTED), KEY); // createdAt 2025
    assertTrue(gate.admit(legacyStale, 0, 2).reason().startsWith("max.event.age:"), "createdAt stands in");

    ModelCheckpoint fresh = CheckpointSequence.issue(event("4", ModelStage.PROMOTED), 3, NOW.minus(Duration.ofDays(6)),
        Duration.ofDays(7), KEY);
    assertTrue(gate.admit(fresh, 0, 3).accepted());
    assertEquals("4", gate.lastAccepted("m").orElseThrow().getVersion(), "refused events leave no trace");
  }

  @Test
  void shouldStopTheStartWhenTheRecordCannotBeRead() throws IOException {
    Path file = dir.resolve("accepted.avro");
    Files.writeString(file, "not an avro data file");
    IOException e = assertThrows(IOException.class, this::gate);
    assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("Delete the file"),
        e.getMessage());
  }

  @Test
  void shouldStillAcceptANewerEventWhenTheRecordCannotBeWritten() throws IOException {
    Path parent = dir.resolve("cache");
    CheckpointAcceptance gate = new CheckpointAcceptance(policy(BOTH, Duration.ZERO), parent.resolve("m.avro"), CLOCK);
    Files.writeString(parent, "a file where the directory should be"); // the disk says no to every write
    assertTrue(gate.admit(promoted("1", 1), 0, 0).accepted(), "the global thread must not die over it");
    assertEquals(CheckpointAcceptance.Verdict.REFUSED, gate.admit(promoted("0", 0), 0, 1).verdict(),
        "remembered in memory");
  }

  @Test
  void shouldKeepTheHigherEventWhenTwoInstancesShareTheFile() throws IOException {
    CheckpointAcceptance a = gate();
    CheckpointAcceptance b = gate();
    assertTrue(a.admit(promoted("5", 5), 0, 5).accepted());
    assertTrue(b.admit(promoted("4", 4), 0, 4).accepted(), "b lags behind a");
    assertEquals("5", gate().lastAccepted("m").orElseThrow().getVersion(), "b's write did not lower the record");
    assertEquals(CheckpointAcceptance.Verdict.REFUSED, b.admit(promoted("4", 4), 0, 9).verdict(),
        "b learned a's higher sequence when it wrote");
  }
}
