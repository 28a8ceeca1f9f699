package org.streambert.schemas.signing;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import org.streambert.schemas.avro.ModelCheckpoint;

/**
 * The order of the checkpoint events of one slot (a model's name, or its candidate slot; see
 * {@code CheckpointKeys}) and how a publisher numbers its next event. An instance that trusts keys accepts an event
 * only if its signed {@code sequence} is higher than that of every event it accepted for the slot, so an old signed
 * event produced again cannot roll it back. A publisher numbers each event above every sequence it sees in the slot
 * and above its clock's milliseconds ({@link #next}): the clock keeps new events above old ones even when the topic
 * no longer shows the highest (compaction keeps only the latest record of a key, which a replayed event can be) or
 * was recreated. A legitimate rollback is a new event, with a higher sequence, that names the older version.
 */
public final class CheckpointSequence {

  /**
   * Older first: events without a sequence (signed before sequences existed) before every sequenced one, then by
   * sequence. Events the order finds equal are told apart by their offsets only.
   */
  public static final Comparator<ModelCheckpoint> ORDER =
      Comparator.comparing(ModelCheckpoint::getSequence, Comparator.nullsFirst(Comparator.naturalOrder()));

  private CheckpointSequence() {
  }

  /**
   * The sequence of a publisher's next event in a slot whose highest sequence it sees is {@code highest} (null: none),
   * issued at {@code now}: {@code max(highest + 1, now in milliseconds)}.
   *
   * @throws IllegalStateException when {@code highest} is {@link Long#MAX_VALUE} (no higher sequence exists)
   */
  public static long next(Long highest, Instant now) {
    long clock = now.toEpochMilli();
    if (highest == null) {
      return clock;
    }
    if (highest == Long.MAX_VALUE) {
      throw new IllegalStateException("the slot's highest sequence is Long.MAX_VALUE: no event can follow it");
    }
    return Math.max(highest + 1, clock);
  }

  /**
   * {@code checkpoint} as a publisher issues it: with {@code sequence}, issued at {@code issuedAt}, expiring
   * {@code validity} later (or never, when {@code validity} is null), and signed by {@code key} (unsigned when null).
   * Any signature it carried is replaced.
   */
  public static ModelCheckpoint issue(ModelCheckpoint checkpoint, long sequence, Instant issuedAt, Duration validity,
      SigningKey key) {
    if (validity != null && (validity.isNegative() || validity.isZero())) {
      throw new IllegalArgumentException("an event's validity must be positive, not " + validity);
    }
    Instant issued = issuedAt.truncatedTo(ChronoUnit.MILLIS); // what the wire keeps (timestamp-millis)
    ModelCheckpoint event = ModelCheckpoint.newBuilder(checkpoint).setSequence(sequence).setIssuedAt(issued)
        .setExpiresAt(validity == null ? null : issued.plus(validity).truncatedTo(ChronoUnit.MILLIS)).setSigningKeyId(null).setSignature(null)
        .build();
    return key == null ? event : CheckpointSignatures.sign(event, key);
  }
}
