package org.streambert.streams.rollout;

import java.util.Objects;
import org.streambert.schemas.avro.ModelCheckpoint;

/**
 * Whether a checkpoint event of the followed model may enter this instance's rollout, decided on arrival on the
 * global stream thread, without any I/O, before anything is fetched or stored: today the checks of the
 * {@link ModelSourcePolicy} (signature by a trusted key, bundle location in the allow-list, golden examples present).
 * A refused event neither replaces the checkpoint a restarted instance would load nor supersedes the one loading. The
 * one gate every event passes, so checks that need the instance's own history of accepted events (such as a
 * per-model sequence that must only grow) belong here. Used by the global stream thread only.
 */
public final class CheckpointAcceptance {

  private final ModelSourcePolicy policy;

  public CheckpointAcceptance(ModelSourcePolicy policy) {
    this.policy = Objects.requireNonNull(policy, "policy");
  }

  public ModelSourcePolicy policy() {
    return policy;
  }

  /** Null when {@code checkpoint} may enter the rollout, else why not (starting with the rule's name). */
  public String refusal(ModelCheckpoint checkpoint) {
    return policy.refusal(checkpoint);
  }
}
