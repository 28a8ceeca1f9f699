package org.streambert.streams.processor.internals;

/**
 * When each pending record arrived (by its sequence number), for the batch-wait metric. Sequence numbers are added in
 * increasing order and batches take the oldest first, so this is a FIFO ring of fixed capacity: when it is full, new
 * arrivals are not remembered (their wait is unknown) rather than growing memory with a backlog. Records restored
 * after a restart were never added and have no arrival time either. Used by one stream thread; not thread-safe.
 */
final class ArrivalTimes {

  private final long[] seqs;
  private final long[] nanos;
  private int head;
  private int size;

  ArrivalTimes(int capacity) {
    seqs = new long[capacity];
    nanos = new long[capacity];
  }

  /** Remembers that record {@code seq} arrived at {@code arrivedNanos} (System.nanoTime), if there is room. */
  void add(long seq, long arrivedNanos) {
    if (size == seqs.length) {
      return;
    }
    int tail = (head + size) % seqs.length;
    seqs[tail] = seq;
    nanos[tail] = arrivedNanos;
    size++;
  }

  /**
   * How long record {@code seq}, the oldest of a batch, has waited at {@code nowNanos}, or -1 when unknown; forgets
   * it and every older record (they have left the store with this batch or an earlier one).
   */
  long waitedNanos(long seq, long nowNanos) {
    while (size > 0 && seqs[head] < seq) {
      head = (head + 1) % seqs.length;
      size--;
    }
    if (size == 0 || seqs[head] != seq) {
      return -1;
    }
    long waited = Math.max(0, nowNanos - nanos[head]);
    head = (head + 1) % seqs.length;
    size--;
    return waited;
  }
}
