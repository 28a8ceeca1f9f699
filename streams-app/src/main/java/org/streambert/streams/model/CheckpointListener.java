package org.streambert.streams.model;

import org.streambert.schemas.avro.ModelCheckpoint;

/**
 * Receives every checkpoint event the global store sees, on the global stream thread: implementations must return
 * at once (hand the work to another thread).
 */
@FunctionalInterface
public interface CheckpointListener {

  void onCheckpoint(ModelCheckpoint checkpoint);
}
