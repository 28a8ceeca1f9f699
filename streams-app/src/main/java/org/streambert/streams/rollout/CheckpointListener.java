package org.streambert.streams.rollout;

import org.streambert.schemas.avro.ModelCheckpoint;

/**
 * Receives every checkpoint event the global store sees, on the global stream thread: implementations must return
 * at once (hand the work to another thread).
 */
@FunctionalInterface
public interface CheckpointListener {

  void onCheckpoint(ModelCheckpoint checkpoint);

  /**
   * Whether {@code checkpoint} may replace the stored checkpoint of its key in the global store (the one a restarted
   * instance loads): false for an event the listener refuses without any I/O (bad signature, location not allowed).
   * Called on the global stream thread before {@link #onCheckpoint}; must be quick and must not throw.
   */
  default boolean mayStore(ModelCheckpoint checkpoint) {
    return true;
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
