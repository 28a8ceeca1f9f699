package org.streambert.streams.processor.internals;

import java.util.Map;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.StreamsMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How long the stream thread's open transaction has been open, and whether a batch ran in it. Under exactly_once_v2
 * every task of a stream thread writes in the thread's one transaction, which Kafka Streams commits after a loop over
 * all of them (process, punctuate, commit): so the batches of all the thread's tasks together, not each batch, must
 * end well within {@code transaction.timeout.ms}. One clock per stream thread (thread-local), shared by the batch
 * processors of its tasks.
 *
 * <p>A transaction opens with the thread's first write after a commit (a pending-store put, an output); the
 * forward pass of a batch writes nothing, so a batch started while no transaction is open runs outside any. Commits
 * are seen through the thread's {@code stream-thread-metrics} {@code commit-total}; where that metric does not exist
 * (TopologyTestDriver, which commits after every record and punctuation anyway) each call of a processor counts as a
 * transaction of its own. Missing a commit only makes the clock think the transaction older than it is: batches get
 * smaller, never larger.
 */
final class TransactionClock {

  private static final Logger LOG = LoggerFactory.getLogger(TransactionClock.class);
  private static final ThreadLocal<TransactionClock> CLOCKS = new ThreadLocal<>();

  /** The thread's commit counter, or null where Kafka Streams keeps none. */
  private final Metric commits;
  private double commitsSeen = Double.NaN;
  private boolean open;
  private long openedNanos;
  private boolean batchRan;

  private TransactionClock(Metric commits) {
    this.commits = commits;
  }

  /** The clock of the calling stream thread; {@code metrics} finds its commit counter the first time. */
  static TransactionClock ofCurrentThread(StreamsMetrics metrics) {
    TransactionClock clock = CLOCKS.get();
    if (clock == null) {
      clock = new TransactionClock(commitCounter(metrics, Thread.currentThread().getName()));
      CLOCKS.set(clock);
    }
    return clock;
  }

  private static Metric commitCounter(StreamsMetrics metrics, String thread) {
    for (Map.Entry<MetricName, ? extends Metric> e : metrics.metrics().entrySet()) {
      MetricName name = e.getKey();
      if (name.name().equals("commit-total") && name.group().equals("stream-thread-metrics")
          && thread.equals(name.tags().get("thread-id"))) {
        return e.getValue();
      }
    }
    LOG.debug("no commit-total metric for thread {}: each batch processor call counts as its own transaction",
        thread);
    return null;
  }

  /** A batch processor of this thread was called: notices a commit since the last call. */
  void enter() {
    if (commits == null) {
      reset();
      return;
    }
    double committed = ((Number) commits.metricValue()).doubleValue();
    if (committed != commitsSeen) {
      commitsSeen = committed;
      reset();
    }
  }

  private void reset() {
    open = false;
    batchRan = false;
  }

  /** The thread is about to write (a store put, an output): the transaction opens now unless it is open. */
  void written(long nowNanos) {
    if (!open) {
      open = true;
      openedNanos = nowNanos;
    }
  }

  /** When the open transaction opened, or {@code nowNanos} when none is open (the next write opens one). */
  long openedNanos(long nowNanos) {
    return open ? openedNanos : nowNanos;
  }

  /**
   * How much longer the thread may hold the open transaction so that its work in it (inline batches, waits for a
   * batch in flight) ends within {@code budgetNanos} of its opening: the whole budget when none is open (the next
   * write opens one), 0 once it is spent.
   */
  long remainingNanos(long nowNanos, long budgetNanos) {
    return open ? Math.max(0, openedNanos + budgetNanos - nowNanos) : budgetNanos;
  }

  /** A batch ran in the open transaction. */
  void batchRan() {
    batchRan = true;
  }

  /** Whether a batch already ran since the last commit (the first batch of a transaction always takes a record). */
  boolean hasBatchRun() {
    return batchRan;
  }
}
