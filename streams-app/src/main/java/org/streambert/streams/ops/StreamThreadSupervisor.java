package org.streambert.streams.ops;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.LongSupplier;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The uncaught-exception handler of the stream threads: a failed thread (its task failed on a transient error, or a
 * batch processor failure; under exactly_once_v2 its transaction aborted) is replaced after a backoff that doubles
 * with each further failure in the window, so a registry outage is retried patiently instead of in a hot loop. It
 * also remembers when threads were replaced, so {@link #healthy()} can say that retries are not curing the fault.
 * Thread-safe.
 */
public final class StreamThreadSupervisor implements StreamsUncaughtExceptionHandler {

  private static final Logger LOG = LoggerFactory.getLogger(StreamThreadSupervisor.class);

  private final long backoffMs;
  private final long maxBackoffMs;
  private final int maxReplacements;
  private final long windowMs;
  private final LongSupplier clock;
  private final Deque<Long> replacements = new ArrayDeque<>();
  private long total;
  private volatile boolean globalThreadDead;

  /**
   * @param maxReplacements replacements within {@code windowMs} that make {@link #healthy()} false
   * @param clock           wall-clock milliseconds (tests pass their own)
   */
  public StreamThreadSupervisor(long backoffMs, long maxBackoffMs, int maxReplacements, long windowMs,
      LongSupplier clock) {
    this.backoffMs = backoffMs;
    this.maxBackoffMs = maxBackoffMs;
    this.maxReplacements = maxReplacements;
    this.windowMs = windowMs;
    this.clock = clock;
  }

  @Override
  public StreamThreadExceptionResponse handle(Throwable exception) {
    if (Thread.currentThread().getName().contains("GlobalStreamThread")) {
      // Kafka Streams cannot replace the global thread; the client shuts down and /health says so.
      globalThreadDead = true;
      LOG.error("the global stream thread (checkpoints) failed; shutting the client down", exception);
      return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    }
    int recent = record();
    long wait = backoffFor(recent);
    LOG.error("stream thread failed ({} replacement(s) in the last {} ms); replacing it in {} ms", recent, windowMs,
        wait, exception);
    if (wait > 0) {
      try {
        Thread.sleep(wait); // on the dying thread: delays only its replacement
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return StreamThreadExceptionResponse.REPLACE_THREAD;
  }

  /** The wait before the {@code recent}-th replacement within the window: backoff × 2^(recent-1), capped. */
  long backoffFor(int recent) {
    long wait = backoffMs;
    for (int i = 1; i < recent && wait < maxBackoffMs; i++) {
      wait *= 2;
    }
    return Math.min(wait, maxBackoffMs);
  }

  private synchronized int record() {
    long now = clock.getAsLong();
    replacements.addLast(now);
    total++;
    return recentLocked(now);
  }

  private int recentLocked(long now) {
    while (!replacements.isEmpty() && replacements.peekFirst() <= now - windowMs) {
      replacements.removeFirst();
    }
    return replacements.size();
  }

  /** Stream threads replaced within the window, up to now. */
  public synchronized int recentReplacements() {
    return recentLocked(clock.getAsLong());
  }

  /** Stream threads replaced since start. */
  public synchronized long totalReplacements() {
    return total;
  }

  /** Whether the global stream thread has died. */
  public boolean globalThreadDead() {
    return globalThreadDead;
  }

  /** False once the maximum number of replacements happened within the window, or the global thread died. */
  public boolean healthy() {
    return !globalThreadDead && recentReplacements() < maxReplacements;
  }

  /** Why {@link #healthy()} is false, or null. */
  public String problem() {
    if (globalThreadDead) {
      return "the global stream thread died";
    }
    int recent = recentReplacements();
    return recent < maxReplacements ? null
        : recent + " stream thread replacement(s) within " + windowMs + " ms (limit " + maxReplacements + ")";
  }
}
