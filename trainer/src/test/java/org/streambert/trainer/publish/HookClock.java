package org.streambert.trainer.publish;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;

/**
 * A clock that runs a hook each time it is read, then tells {@code base}'s time: {@link CheckpointTopic#publish} reads
 * its clock once, after it read the slot and before it produces, so a test can act at exactly that point (let a rival
 * publish, kill the topic's leader).
 */
final class HookClock extends Clock {
  private final Clock base;
  private final Runnable hook;

  HookClock(Clock base, Runnable hook) {
    this.base = base;
    this.hook = hook;
  }

  @Override
  public Instant instant() {
    hook.run();
    return base.instant();
  }

  @Override
  public ZoneId getZone() {
    return base.getZone();
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }
}
