package org.streambert.streams.processor.internals;

/**
 * The padded-token budget of one batch ({@code nlp.batch.max.tokens}), and while a punctuation drains a backlog, the
 * share of it that the forward-pass speed measured on the recent batches says fits before the drain's deadline, so
 * that a drain ends near its deadline rather than one full batch after it. Used by one stream thread.
 */
final class TokenBudget {

  /** No deadline: a batch run from {@code process}, which takes the whole budget. */
  static final long NO_DEADLINE = Long.MIN_VALUE;

  private final int maxBatchTokens;
  /** Forward-pass nanoseconds per padded token of the recent batches (0 until one ran). */
  private double nanosPerToken;

  TokenBudget(int maxBatchTokens) {
    if (maxBatchTokens < 1) {
      throw new IllegalArgumentException("maxBatchTokens must be at least 1, not " + maxBatchTokens);
    }
    this.maxBatchTokens = maxBatchTokens;
  }

  /** Padded tokens the next batch may take; a batch always takes at least one record whatever this says. */
  long tokensFor(long deadlineNanos, long nowNanos) {
    long budget = maxBatchTokens;
    if (deadlineNanos != NO_DEADLINE && nanosPerToken > 0) {
      budget = Math.min(budget, (long) (Math.max(0, deadlineNanos - nowNanos) / nanosPerToken));
    }
    return budget;
  }

  /** A batch of {@code paddedTokens} took {@code inferNanos} in its forward passes. */
  void observe(long inferNanos, long paddedTokens) {
    if (paddedTokens > 0 && inferNanos > 0) {
      double measured = (double) inferNanos / paddedTokens;
      nanosPerToken = nanosPerToken == 0 ? measured : 0.5 * nanosPerToken + 0.5 * measured;
    }
  }
}
