package org.streambert.streams.rollout;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streambert.schemas.CheckpointKeys;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.signing.CheckpointSequence;
import org.streambert.schemas.signing.CheckpointSignatures;
import org.streambert.streams.rollout.internals.AcceptedCheckpoints;

/**
 * Whether a checkpoint event of the followed model may enter this instance's rollout, decided once on arrival on the
 * global stream thread, before anything is fetched or stored. A refused event neither replaces the checkpoint a
 * restarted instance would load nor supersedes the one loading. In order:
 *
 * <ol>
 *   <li>the {@link ModelSourcePolicy}'s checks: signature by a trusted key, bundle location in the allow-list, golden
 *       examples present;</li>
 *   <li>freshness: an event past its signed {@code expiresAt} is refused ({@code signature.expired:}), and with
 *       {@code nlp.model.max.event.age} one issued longer ago than that ({@code max.event.age:}; the issue time is
 *       {@code issuedAt}, or {@code createdAt} for an event from before issue times);</li>
 *   <li>with trusted keys, the replay rule: the event's signed {@code sequence} must be higher than that of the event
 *       this instance accepted last in the event's slot ({@link CheckpointKeys}: PROMOTED events in one, CANDIDATE and
 *       RETIRED events in the other), else it is refused ({@code signature.replay:}). The very event accepted last may
 *       arrive again (the global store hands it over at start) and passes. An event without a sequence (signed before
 *       sequences existed) orders below every sequenced one; two such events cannot be ordered and pass as
 *       before.</li>
 * </ol>
 *
 * The last accepted event of each slot is kept in a file beside the model cache, so a restart, which replays the
 * whole compacted topic through the global store's processor (Kafka Streams 4.4 reprocesses a global store on
 * restore), still refuses a replayed event, and still has the accepted event when compaction removed it from the
 * topic. An older event found at an earlier offset than the accepted one is history, superseded before this instance
 * accepted the newer one: it is refused quietly ({@link Verdict#SUPERSEDED}), not reported as a replay. Used by the
 * global stream thread; thread-safe.
 */
public final class CheckpointAcceptance {

  private static final Logger LOG = LoggerFactory.getLogger(CheckpointAcceptance.class);

  /** What the gate decided about one event. */
  public enum Verdict {
    /** It may enter the rollout (and, with trusted keys, is now the slot's last accepted event). */
    ACCEPTED,
    /** Refused: a check failed; the reason says which. Reported like any refusal. */
    REFUSED,
    /** An older event at an earlier offset than the slot's accepted one: history, refused without a report. */
    SUPERSEDED
  }

  /** A verdict with its reason (null when accepted); a reason starts with the rule's name. */
  public record Decision(Verdict verdict, String reason) {
    static final Decision ACCEPT = new Decision(Verdict.ACCEPTED, null);

    public boolean accepted() {
      return verdict == Verdict.ACCEPTED;
    }
  }

  private final ModelSourcePolicy policy;
  private final AcceptedCheckpoints accepted;
  private final Clock clock;

  /** The policy's checks and freshness, and the replay rule with a memory that a restart forgets (tests). */
  public CheckpointAcceptance(ModelSourcePolicy policy) {
    this(policy, AcceptedCheckpoints.inMemory(), Clock.systemUTC());
  }

  /**
   * @param acceptedFile where the last accepted event of each slot is kept across restarts (read now)
   * @throws IOException naming the file when it exists but cannot be read
   */
  public CheckpointAcceptance(ModelSourcePolicy policy, Path acceptedFile, Clock clock) throws IOException {
    this(policy, AcceptedCheckpoints.open(acceptedFile), clock);
  }

  private CheckpointAcceptance(ModelSourcePolicy policy, AcceptedCheckpoints accepted, Clock clock) {
    this.policy = Objects.requireNonNull(policy, "policy");
    this.accepted = accepted;
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  public ModelSourcePolicy policy() {
    return policy;
  }

  /** Where the accepted events are kept, or empty when in memory only. */
  public Optional<Path> acceptedFile() {
    return accepted.file();
  }

  /**
   * Decides on {@code checkpoint}, read at {@code offset} of {@code partition} of the checkpoint topic (both -1 when
   * not read from the topic, e.g. handed over from the global store), and with trusted keys records an accepted one
   * as its slot's last (in the file, before returning; a file that cannot be written is logged, the event still
   * accepted). Deciding twice on the event just accepted accepts it again. Never throws for an event.
   */
  public synchronized Decision admit(ModelCheckpoint checkpoint, int partition, long offset) {
    String refusal = policy.refusal(checkpoint);
    if (refusal == null) {
      refusal = freshnessRefusal(checkpoint);
    }
    if (refusal != null) {
      return new Decision(Verdict.REFUSED, refusal);
    }
    if (policy.trustedKeys().isEmpty()) {
      return Decision.ACCEPT; // an unauthenticated sequence proves nothing; without keys the topic decides, as before
    }
    String slot = CheckpointKeys.of(checkpoint);
    AcceptedCheckpoints.Entry last = accepted.get(slot).orElse(null);
    if (last != null && !sameEvent(checkpoint, last.event()) && !isNewer(checkpoint, last.event())) {
      if (partition >= 0 && partition == last.partition() && offset < last.offset()) {
        return new Decision(Verdict.SUPERSEDED, "superseded: an older event at offset " + offset + ", before the "
            + "accepted one at offset " + last.offset());
      }
      return new Decision(Verdict.REFUSED, replayReason(checkpoint, slot, last.event()));
    }
    if (last == null || !sameEvent(checkpoint, last.event())) {
      try {
        accepted.put(new AcceptedCheckpoints.Entry(checkpoint, partition, offset));
      } catch (IOException | RuntimeException e) {
        // The event is newer all the same, and the global thread must not die: remembered in memory only, so a
        // restart before the next accepted event would not know it.
        LOG.error("cannot keep the accepted checkpoint event {} {} in {}: {}; a restart would not remember it",
            checkpoint.getModelName(), checkpoint.getVersion(), accepted.file().orElse(null), e.toString());
      }
    }
    return Decision.ACCEPT;
  }

  /** The event accepted last in {@code slot} (a {@link CheckpointKeys} key), also by an earlier run, if any. */
  public Optional<ModelCheckpoint> lastAccepted(String slot) {
    return accepted.get(slot).map(AcceptedCheckpoints.Entry::event);
  }

  private String freshnessRefusal(ModelCheckpoint checkpoint) {
    Instant now = clock.instant();
    Instant expires = checkpoint.getExpiresAt();
    if (expires != null && now.isAfter(expires)) {
      return "signature.expired: the event expired at " + expires + " (its publisher re-issues events before their "
          + "expiry: trainer refresh)";
    }
    Duration maxAge = policy.maxEventAge();
    if (!maxAge.isZero()) {
      Instant issued = checkpoint.getIssuedAt() != null ? checkpoint.getIssuedAt() : checkpoint.getCreatedAt();
      if (issued != null && Duration.between(issued, now).compareTo(maxAge) > 0) {
        return "max.event.age: the event was issued at " + issued + ", more than " + maxAge + " ago "
            + "(nlp.model.max.event.age): a checkpoint topic that stopped receiving events (frozen), or a publisher "
            + "that no longer refreshes them (trainer refresh)";
      }
    }
    return null;
  }

  /** True when {@code event} comes after {@code last} in its slot's signed order. */
  private static boolean isNewer(ModelCheckpoint event, ModelCheckpoint last) {
    if (event.getSequence() == null) {
      return last.getSequence() == null; // two unsequenced events cannot be ordered: the topic's order decides
    }
    return last.getSequence() == null || event.getSequence() > last.getSequence();
  }

  /** The same signed event (same signed bytes and signature), however it was decoded. */
  private static boolean sameEvent(ModelCheckpoint a, ModelCheckpoint b) {
    return Objects.equals(a.getSignature(), b.getSignature())
        && Arrays.equals(CheckpointSignatures.signedBytes(a), CheckpointSignatures.signedBytes(b));
  }

  private static String replayReason(ModelCheckpoint event, String slot, ModelCheckpoint last) {
    String what = event.getSequence() == null
        ? "the event has no sequence (it was signed before sequences existed)"
        : "sequence " + event.getSequence() + " is not higher than " + last.getSequence();
    return "signature.replay: " + what + ", the highest this instance accepted for slot '" + slot
        + "' (version " + last.getVersion() + " " + last.getStage() + "): an old signed event produced again, or "
        + "a publisher that lost a race for the sequence";
  }
}
