package org.streambert.streams.processor.internals;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.streambert.bert.inference.TextWindows;
import org.streambert.streams.errors.RejectedRecordException;
import org.streambert.streams.errors.RejectedRecordException.Reason;
import org.streambert.streams.errors.TransientFailureException;

/**
 * The records waiting for a batch, and when the next batch is due. Each validated record is put into a changelogged
 * key-value store under a per-task sequence number that only grows, so the store's key order is arrival order and a
 * restarted task finds its pending records in front of new arrivals. A batch is due when {@code maxBatchSize}
 * records wait ({@link #full}) or, checked by the wall-clock punctuator, once the oldest has waited
 * {@code maxDelayMs} ({@link #due}): a backlog thus fills whole batches instead of being cut into batches of whatever
 * arrived since the last punctuation. {@link #next} takes the oldest records that fit a padded-token budget (always
 * at least one); records that cannot run at all come back as refused, and count towards the batch size, so a backlog
 * of over-long texts is worked off batch by batch. Used by one stream thread.
 */
final class PendingBatches {

  /** How a pending record runs with the model of the batch; throws when it cannot run. */
  @FunctionalInterface
  interface Planner {
    Planned plan(long seq, PendingRecord record);
  }

  /**
   * A pending record with the windows it runs in (tokenized once, by the batch's model) and its padded-token cost.
   *
   * @param seq          its key in the pending store
   * @param windows      the text to run, in windows: the record's, or its prefix that fits in
   *                     {@code nlp.text.max.windows} windows
   * @param truncated    whether the windows cover a prefix only
   * @param paddedTokens windows × the model's sequence length: the most tokens its windows can cost
   */
  record Planned(long seq, PendingRecord record, TextWindows windows, boolean truncated, long paddedTokens) {
    /** The text the model runs: the record's, or its prefix. */
    String text() {
      return windows.text();
    }
  }

  /** A pending record that cannot run, and why (its dead-letter reason). */
  record Refused(long seq, PendingRecord record, RuntimeException failure, Reason reason) {
  }

  /**
   * The next batch: the records to run, in arrival order, and the ones refused on the way; {@code deferred} when the
   * oldest record that can run did not fit the budget and was left for a later batch.
   */
  record Batch(List<Planned> planned, List<Refused> refused, boolean deferred) {
    boolean isEmpty() {
      return planned.isEmpty() && refused.isEmpty();
    }
  }

  private final KeyValueStore<Long, PendingRecord> store;
  private final int maxBatchSize;
  private final long maxDelayMs;
  private final ArrivalTimes arrivals = new ArrivalTimes(4096);
  private long nextSeq;
  private long size;
  /** Wall-clock ms when the oldest pending record arrived (0 for records restored at start: run at once). */
  private long oldestPendingMs;
  /**
   * When the last batch run from {@code process} really ended. The stream thread's clock
   * ({@code currentSystemTimeMs}) is cached per poll loop and does not advance while a batch runs, so without this
   * the records that arrive right after a long batch would count as having waited that long already, and the
   * punctuator would cut the backlog into small batches.
   */
  private long batchEndMs;

  PendingBatches(KeyValueStore<Long, PendingRecord> store, int maxBatchSize, long maxDelayMs) {
    this.store = store;
    this.maxBatchSize = maxBatchSize;
    this.maxDelayMs = maxDelayMs;
  }

  /** Counts the records restored from the changelog (pending at the last commit); returns how many. */
  long restore() {
    long count = 0;
    long last = -1;
    try (KeyValueIterator<Long, PendingRecord> it = store.all()) {
      while (it.hasNext()) {
        last = Math.max(last, it.next().key);
        count++;
      }
    }
    nextSeq = last + 1;
    size = count;
    return count;
  }

  /** Stores an arriving record behind every pending one. */
  void add(PendingRecord record, long nowMs) {
    if (size == 0) {
      oldestPendingMs = Math.max(nowMs, batchEndMs);
    }
    arrivals.add(nextSeq, System.nanoTime());
    store.put(nextSeq++, record);
    size++;
  }

  long size() {
    return size;
  }

  /** A whole batch waits. */
  boolean full() {
    return size >= maxBatchSize;
  }

  /** A batch should run now: a whole one waits, or the oldest record has waited {@code maxDelayMs}. */
  boolean due(long nowMs) {
    return size > 0 && (full() || nowMs - oldestPendingMs >= maxDelayMs);
  }

  /** A batch run from {@code process} started at {@code startedNanos} and ended now (see {@link #batchEndMs}). */
  void ranFromProcess(long startedNanos, long nowMs) {
    batchEndMs = Math.max(batchEndMs, nowMs) + (System.nanoTime() - startedNanos) / 1_000_000L;
  }

  /**
   * The oldest pending records, at most {@code maxBatchSize} (refused ones included), as many as fit in
   * {@code tokenBudget} padded tokens: at least one, unless {@code mayDefer} (then a first record over the budget is
   * left in the store and the batch is {@code deferred}). A record the planner refuses is returned as refused; a
   * transient failure of the planner is rethrown.
   */
  Batch next(Planner planner, long tokenBudget, boolean mayDefer) {
    boolean deferred = false;
    List<Planned> planned = new ArrayList<>(maxBatchSize);
    List<Refused> refused = new ArrayList<>();
    long tokens = 0;
    try (KeyValueIterator<Long, PendingRecord> it = store.all()) {
      while (it.hasNext() && planned.size() + refused.size() < maxBatchSize) {
        KeyValue<Long, PendingRecord> entry = it.next();
        Planned p;
        try {
          p = planner.plan(entry.key, entry.value);
        } catch (RejectedRecordException e) {
          refused.add(new Refused(entry.key, entry.value, e, e.reason()));
          continue;
        } catch (RuntimeException e) {
          TransientFailureException.rethrowIfTransient(e, "inference");
          refused.add(new Refused(entry.key, entry.value, e, Reason.INFERENCE_FAILED));
          continue;
        }
        if (tokens + p.paddedTokens() > tokenBudget && (!planned.isEmpty() || mayDefer)) {
          deferred = planned.isEmpty();
          break; // over the batch's token budget (or the time left): this record starts the next batch
        }
        tokens += p.paddedTokens();
        planned.add(p);
      }
    }
    if (planned.isEmpty() && refused.isEmpty() && !deferred) {
      size = 0; // the store is empty
    }
    return new Batch(planned, refused, deferred);
  }

  /** How long the oldest record of {@code batch} waited, or -1 when unknown (restored after a restart). */
  long waitedNanos(Batch batch) {
    return batch.planned().isEmpty() ? -1 : arrivals.waitedNanos(batch.planned().get(0).seq(), System.nanoTime());
  }

  /** Deletes the batch's records from the store: they were forwarded (or dead-lettered). */
  void remove(Batch batch) {
    for (Planned p : batch.planned()) {
      store.delete(p.seq());
    }
    for (Refused r : batch.refused()) {
      store.delete(r.seq());
    }
    size -= batch.planned().size() + batch.refused().size();
  }
}
