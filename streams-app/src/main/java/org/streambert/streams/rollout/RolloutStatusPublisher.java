package org.streambert.streams.rollout;

import org.streambert.schemas.rollout.RolloutStatus;

/** Where the rollout reports each attempt (the app: a producer to {@code model-rollout-status}; tests: a list). */
@FunctionalInterface
public interface RolloutStatusPublisher {

  /** Publishes one status; must not throw for transient problems (log them instead). */
  void publish(RolloutStatus status);
}
