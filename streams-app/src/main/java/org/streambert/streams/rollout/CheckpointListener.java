package org.streambert.streams.rollout;

import org.streambert.schemas.avro.ModelCheckpoint;

/**
 * Receives every checkpoint event the global store sees, on the global stream thread: implementations must return
 * at once (hand the work to another thread).
 */
@FunctionalInterface
public interface CheckpointListener {

  /** An event to act on (read from the topic, or the stored one handed over at start). */
  void onCheckpoint(ModelCheckpoint checkpoint);

  /**
   * An event read from the checkpoint topic at {@code offset} of {@code partition}: decide on it and act, and say
   * whether it may replace the stored checkpoint of its key in the global store (the one a restarted instance
   * loads): false for an event the listener refuses on arrival (bad signature, location not allowed, a replay). Must
   * be quick. The default acts on every event and lets the store keep it.
   */
  default boolean onArrival(ModelCheckpoint checkpoint, int partition, long offset) {
    onCheckpoint(checkpoint);
    return true;
  }

  /**
   * The event this listener accepted last under store key {@code key}, also in an earlier run of this instance, or
   * null: what a restarted instance hands over when the topic (compacted, so a replayed event may have replaced the
   * legitimate one) left nothing under that key in the store. Called on the global stream thread at start.
   */
  default ModelCheckpoint lastAccepted(String key) {
    return null;
  }

  /**
   * An event of the checkpoints topic that cannot be decoded (bad bytes, unknown schema id, over the decode limits)
   * and was skipped; the serving model stays. Called on the global stream thread; must not throw.
   *
   * @param key    the event's key (the model name by convention), possibly null
   * @param reason why it cannot be decoded
   */
  default void onUndecodable(String key, String reason) {
  }
}
