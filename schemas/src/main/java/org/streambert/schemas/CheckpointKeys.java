package org.streambert.schemas;

import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.avro.ModelStage;

/**
 * Keys of the compacted {@link Topics#MODEL_CHECKPOINTS} topic. A model has two slots: its name holds the latest
 * {@code PROMOTED} event (what serves), its name + {@link #CANDIDATE_SUFFIX} the latest {@code CANDIDATE} or
 * {@code RETIRED} one, so that compaction keeps the serving version and the candidate side by side and a candidate
 * never erases the champion.
 */
public final class CheckpointKeys {

  /** Suffix of the checkpoint key under which a model's CANDIDATE (and a RETIRED candidate) events live. */
  public static final String CANDIDATE_SUFFIX = "#candidate";

  /**
   * Key of a checkpoint event on the compacted checkpoint topic: the model name for a {@code PROMOTED} event, the
   * model name + {@link #CANDIDATE_SUFFIX} for {@code CANDIDATE} and {@code RETIRED} events, so that compaction
   * keeps the serving version and the latest candidate side by side (a candidate never erases the champion).
   */
  public static String of(ModelCheckpoint checkpoint) {
    ModelStage stage = checkpoint.getStage();
    boolean candidateSlot = stage == ModelStage.CANDIDATE || stage == ModelStage.RETIRED;
    return checkpoint.getModelName() + (candidateSlot ? CANDIDATE_SUFFIX : "");
  }

  /** The candidate slot's key of a model. */
  public static String candidate(String modelName) {
    return modelName + CANDIDATE_SUFFIX;
  }

  private CheckpointKeys() {}
}
