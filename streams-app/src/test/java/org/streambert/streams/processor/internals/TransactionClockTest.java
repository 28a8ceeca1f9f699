package org.streambert.streams.processor.internals;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.StreamsMetrics;
import org.junit.jupiter.api.Test;

/**
 * The stream thread's transaction budget: how long the thread may still hold the open transaction (the bound of its
 * wait for a batch in flight), restarting with each commit Kafka Streams counts.
 */
class TransactionClockTest {

  private static final long BUDGET = 1_000;

  /** A commit-total counter the test advances. */
  private static final class Commits implements Metric {
    private final MetricName name;
    volatile double total;

    Commits(String thread) {
      name = new MetricName("commit-total", "stream-thread-metrics", "", Map.of("thread-id", thread));
    }

    @Override
    public MetricName metricName() {
      return name;
    }

    @Override
    public Object metricValue() {
      return total;
    }
  }

  @Test
  void shouldSpendTheBudgetFromTheTransactionsFirstWriteAndRestoreItAfterACommit() throws Exception {
    onFreshThread(() -> {
      Commits commits = new Commits(Thread.currentThread().getName());
      TransactionClock clock = TransactionClock.ofCurrentThread(metrics(commits));
      clock.enter();
      assertEquals(BUDGET, clock.remainingNanos(100, BUDGET), "no transaction open: the whole budget");
      clock.written(100); // the first write opens the transaction
      clock.written(400); // later writes do not move its opening
      assertEquals(600, clock.remainingNanos(500, BUDGET));
      clock.enter(); // called again, no commit in between: the same transaction
      assertEquals(100, clock.remainingNanos(1_000, BUDGET));
      assertEquals(0, clock.remainingNanos(5_000, BUDGET), "spent: never negative");
      commits.total = 1; // Kafka Streams committed
      clock.enter();
      assertEquals(BUDGET, clock.remainingNanos(5_000, BUDGET), "a commit gives the next transaction a new budget");
      clock.written(5_000);
      assertEquals(BUDGET - 10, clock.remainingNanos(5_010, BUDGET));
    });
  }

  @Test
  void shouldCountEachCallAsItsOwnTransactionWithoutACommitCounter() throws Exception {
    onFreshThread(() -> {
      TransactionClock clock = TransactionClock.ofCurrentThread(metrics(null));
      clock.enter();
      clock.written(0);
      assertEquals(0, clock.remainingNanos(2 * BUDGET, BUDGET));
      clock.enter(); // TopologyTestDriver commits after every call
      assertEquals(BUDGET, clock.remainingNanos(2 * BUDGET, BUDGET));
    });
  }

  /** StreamsMetrics whose only metric is {@code commits} (none when null); nothing else of it is used. */
  private static StreamsMetrics metrics(Commits commits) {
    Map<MetricName, Metric> map = commits == null ? Map.of() : Map.of(commits.metricName(), commits);
    return (StreamsMetrics) Proxy.newProxyInstance(StreamsMetrics.class.getClassLoader(),
        new Class<?>[] {StreamsMetrics.class}, (proxy, method, args) -> {
          if (method.getName().equals("metrics")) {
            return map;
          }
          throw new UnsupportedOperationException(method.getName());
        });
  }

  /** The clock is thread-local: each test gets a thread of its own, so no other test's clock leaks in. */
  private static void onFreshThread(Runnable body) throws Exception {
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread t = new Thread(() -> {
      try {
        body.run();
      } catch (Throwable e) {
        failure.set(e);
      }
    }, "clock-test-" + System.nanoTime());
    t.start();
    t.join();
    if (failure.get() instanceof Error e) {
      throw e;
    }
    if (failure.get() != null) {
      throw new AssertionError(failure.get());
    }
  }
}
