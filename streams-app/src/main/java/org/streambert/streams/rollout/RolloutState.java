package org.streambert.streams.rollout;

import java.util.EnumSet;
import java.util.Set;

/**
 * Where one checkpoint event stands in this instance's rollout, with the legal transitions between states (as
 * Kafka's {@code KafkaStreams.State} lists its own). Events of the followed model fill one of two slots: PROMOTED
 * events the serving slot, CANDIDATE and RETIRED events the candidate slot.
 *
 * <pre>
 *                  +--&gt; REFUSED            a check that needs no I/O failed (signature, location, golden present)
 *   RECEIVED ------+
 *                  +--&gt; QUEUED --+--&gt; SUPERSEDED   a newer accepted event of its slot arrived before the loader took it
 *                                +--&gt; RETIRED      a RETIRED event, applied (its version no longer scored in shadow)
 *                                +--&gt; FETCHING --+--&gt; SUPERSEDED   cancelled by a newer accepted event of its slot
 *                                                +--&gt; REFUSED      bounds, hashes, location after redirects
 *                                                +--&gt; LOADING --+--&gt; REFUSED    bundle, heads, loader, golden examples
 *                                                               +--&gt; SUPERSEDED a newer acceptable event became known
 *                                                               |               while it loaded (PROMOTED): discarded
 *                                                               +--&gt; SERVING --&gt; REPLACED          (PROMOTED)
 *                                                               +--&gt; SHADOW  --&gt; REPLACED|RETIRED  (CANDIDATE)
 * </pre>
 *
 * RECEIVED and QUEUED are entered on the global stream thread as the event arrives; every later transition happens on
 * the rollout's loader thread. REFUSED, SUPERSEDED, REPLACED and RETIRED are terminal.
 */
public enum RolloutState {
  /** Arrived on the checkpoints topic; not checked yet. */
  RECEIVED,
  /** Accepted on arrival; waits for the loader thread. */
  QUEUED,
  /** The bundle is being downloaded into the cache directory and verified against the event. */
  FETCHING,
  /** The verified bundle is loaded, warmed up and checked against the event's golden examples. */
  LOADING,
  /** Its model serves every batch (a PROMOTED event). */
  SERVING,
  /** Its model is loaded beside the serving one and scores sampled batches in shadow (a CANDIDATE event). */
  SHADOW,
  /** Refused by a check; the model before it keeps its slot. */
  REFUSED,
  /** A newer accepted event of its slot replaced it before its model served. */
  SUPERSEDED,
  /** Its model was loaded and later replaced in its slot by a newer one. */
  REPLACED,
  /** Its model left the candidate slot: retired by a RETIRED event, or its version was promoted. */
  RETIRED;

  private static final Set<RolloutState> TERMINAL = EnumSet.of(REFUSED, SUPERSEDED, REPLACED, RETIRED);

  /** Whether the rollout may move an event from this state to {@code next}. */
  public boolean isValidTransition(RolloutState next) {
    return switch (this) {
      case RECEIVED -> next == QUEUED || next == REFUSED;
      case QUEUED -> next == FETCHING || next == SUPERSEDED || next == RETIRED;
      case FETCHING -> next == LOADING || next == REFUSED || next == SUPERSEDED;
      case LOADING -> next == SERVING || next == SHADOW || next == REFUSED || next == SUPERSEDED;
      case SERVING -> next == REPLACED;
      case SHADOW -> next == REPLACED || next == RETIRED;
      case REFUSED, SUPERSEDED, REPLACED, RETIRED -> false;
    };
  }

  /** Whether no transition leaves this state. */
  public boolean isTerminal() {
    return TERMINAL.contains(this);
  }

  /** Whether the event's model fills its slot (serving, or scored in shadow). */
  public boolean hasModel() {
    return this == SERVING || this == SHADOW;
  }
}
