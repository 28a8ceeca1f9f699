package org.streambert.streams.processor.internals;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The one thread that runs the forward passes of a stream thread's batch processors while the stream thread keeps
 * polling, processing and committing ({@code nlp.batch.overlap}). One per stream thread (thread-local, like
 * {@link TransactionClock}), so an instance runs at most as many forward passes at once as it has stream threads, as
 * without overlap; each processor has at most one batch in flight, so the queue holds at most one job per task of the
 * thread. The thread is a daemon and ends after a minute without work (a replaced stream thread leaves nothing
 * behind). Jobs touch no state store: see {@link BatchJob}.
 */
final class ForwardPassWorker {

  private static final long IDLE_SECONDS = 60;
  private static final ThreadLocal<ForwardPassWorker> WORKERS = new ThreadLocal<>();

  private final ThreadPoolExecutor executor;

  private ForwardPassWorker(String streamThread) {
    executor = new ThreadPoolExecutor(1, 1, IDLE_SECONDS, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
      Thread t = new Thread(r, streamThread + "-forward-pass");
      t.setDaemon(true);
      return t;
    });
    executor.allowCoreThreadTimeOut(true);
  }

  /** The worker of the calling stream thread. */
  static ForwardPassWorker ofCurrentThread() {
    ForwardPassWorker worker = WORKERS.get();
    if (worker == null) {
      worker = new ForwardPassWorker(Thread.currentThread().getName());
      WORKERS.set(worker);
    }
    return worker;
  }

  /** Starts {@code job} on the worker thread; runs it inline if the worker cannot take it (never expected). */
  void start(BatchJob job) {
    try {
      executor.execute(job);
    } catch (RejectedExecutionException e) {
      job.run();
    }
  }
}
