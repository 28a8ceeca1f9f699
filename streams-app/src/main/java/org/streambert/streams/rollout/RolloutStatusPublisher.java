package org.streambert.streams.rollout;

import org.streambert.schemas.rollout.RolloutStatus;
import org.streambert.schemas.rollout.ShadowReport;

/** Where the rollout reports each attempt (the app: a producer to {@code model-rollout-status}; tests: a list). */
@FunctionalInterface
public interface RolloutStatusPublisher {

  /** Publishes one status; must not throw for transient problems (log them instead). */
  void publish(RolloutStatus status);

  /** Publishes a shadow report to the same topic; ignored by publishers that only keep statuses. */
  default void publish(ShadowReport report) {
  }
}
