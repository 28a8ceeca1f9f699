package org.streambert.streams.rollout;

import java.util.Objects;
import org.streambert.schemas.avro.ModelCheckpoint;

/**
 * One checkpoint event on its way through this instance's rollout: the event and its {@link RolloutState}. Only the
 * rollout moves it, and only along {@link RolloutState#isValidTransition legal transitions}; readers (health checks,
 * tests) see a consistent state and, once refused, the reason. Thread-safe.
 */
public final class RolloutAttempt {

  private final ModelCheckpoint checkpoint;
  private RolloutState state = RolloutState.RECEIVED;
  private String reason;

  RolloutAttempt(ModelCheckpoint checkpoint) {
    this.checkpoint = Objects.requireNonNull(checkpoint, "checkpoint");
  }

  public ModelCheckpoint checkpoint() {
    return checkpoint;
  }

  public synchronized RolloutState state() {
    return state;
  }

  /** Why it was refused or superseded (the rule's name first), or null. */
  public synchronized String reason() {
    return reason;
  }

  /**
   * Moves to {@code next}.
   *
   * @throws IllegalStateException if the transition is not legal: a bug in the rollout, never the event's fault
   */
  synchronized void moveTo(RolloutState next, String why) {
    if (!state.isValidTransition(next)) {
      throw new IllegalStateException("checkpoint " + checkpoint.getModelName() + " " + checkpoint.getVersion()
          + ": illegal rollout transition " + state + " -> " + next);
    }
    state = next;
    if (why != null) {
      reason = why;
    }
  }

  /** Moves to {@code next} if that is legal now; false (and no change) otherwise. */
  synchronized boolean moveIfValid(RolloutState next, String why) {
    if (!state.isValidTransition(next)) {
      return false;
    }
    moveTo(next, why);
    return true;
  }

  @Override
  public synchronized String toString() {
    return checkpoint.getModelName() + " " + checkpoint.getVersion() + " " + checkpoint.getStage() + " " + state
        + (reason == null ? "" : " (" + reason + ")");
  }
}
