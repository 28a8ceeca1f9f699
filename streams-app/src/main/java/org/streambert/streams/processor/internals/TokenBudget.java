package org.streambert.streams.processor.internals;

/**
 * The padded-token budget of one batch: {@code nlp.batch.max.tokens}, and within it as many tokens as the model's
 * forward-pass speed on this machine ({@code ServingModel.nanosPerPaddedToken}) says fit before a deadline: the end
 * of a drain ({@code nlp.batch.drain.max.ms}) or the time the stream thread's transaction may still spend on batches
 * (see {@link TransactionClock}). Without a measured speed only the token bound applies. Stateless.
 */
final class TokenBudget {

  /** No deadline. */
  static final long NO_DEADLINE = Long.MAX_VALUE;

  private final int maxBatchTokens;

  TokenBudget(int maxBatchTokens) {
    if (maxBatchTokens < 1) {
      throw new IllegalArgumentException("maxBatchTokens must be at least 1, not " + maxBatchTokens);
    }
    this.maxBatchTokens = maxBatchTokens;
  }

  /**
   * Padded tokens the next batch may take so that its forward passes end by {@code deadlineNanos} at
   * {@code nanosPerToken} (0: unknown, no time bound); 0 when the deadline has passed. Whether a batch may still take
   * one record over this is the caller's decision.
   */
  long tokensFor(long deadlineNanos, long nowNanos, double nanosPerToken) {
    long budget = maxBatchTokens;
    if (deadlineNanos != NO_DEADLINE && nanosPerToken > 0) {
      budget = Math.min(budget, (long) (Math.max(0, deadlineNanos - nowNanos) / nanosPerToken));
    }
    return budget;
  }

  /** The forward-pass time {@code paddedTokens} take at {@code nanosPerToken} (0 when the speed is unknown). */
  static long nanosFor(long paddedTokens, double nanosPerToken) {
    return (long) (paddedTokens * nanosPerToken);
  }
}
