package org.streambert.streams.processor.internals;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.streambert.streams.errors.TransientFailureException;
import org.streambert.streams.processor.internals.BatchInference.Results;
import org.streambert.streams.processor.internals.PendingBatches.Batch;
import org.streambert.streams.processor.internals.PendingBatches.Planned;
import org.streambert.streams.serving.ModelHolder;
import org.streambert.streams.serving.ServingModel;

/**
 * The forward pass of one planned batch, as a job that touches no state store, no processor context and no metric:
 * it runs on a {@link ForwardPassWorker} (or inline, when overlap is off) and leaves its outcome for the stream
 * thread, which forwards the results and deletes the batch's records ({@code BatchInferProcessor#collect}). The
 * outcome is what the synchronous code did: the batch's results; or, when the batch failed, each record retried alone
 * (its results or its failure); or a failure that must fail the task (a transient failure, or any {@link Error}),
 * rethrown on the stream thread. The job owns the model lease until the stream thread has read the outcome, or, when
 * the processor closed without waiting for it ({@link #abandon}), until the forward pass returns.
 */
final class BatchJob implements Runnable {

  private final BatchInference inference;
  private final ModelHolder.Lease lease;
  private final Batch batch;
  private final long waitedNanos;
  private final CountDownLatch done = new CountDownLatch(1);
  /** Taken by whichever comes first: the runner (the job runs) or {@link #cancelIfNotStarted} (it never does). */
  private final AtomicBoolean claimed = new AtomicBoolean();
  private volatile boolean abandoned;
  // Written by the runner before done.countDown(), read after isDone()/await (the latch orders them).
  private Results results;
  private RuntimeException batchFailure;
  private Object[] alone;
  private Throwable fatal;

  /**
   * @param lease       the model lease the batch runs with (owned by the job from here on)
   * @param waitedNanos how long the batch's oldest record waited (-1: unknown), for the stream thread's metrics
   */
  BatchJob(BatchInference inference, ModelHolder.Lease lease, Batch batch, long waitedNanos) {
    this.inference = inference;
    this.lease = lease;
    this.batch = batch;
    this.waitedNanos = waitedNanos;
  }

  @Override
  public void run() {
    if (!claimed.compareAndSet(false, true)) {
      return; // cancelled while queued behind another task's batch: its lease is returned already
    }
    try {
      List<Planned> planned = batch.planned();
      if (planned.isEmpty()) {
        return; // refused records only: nothing to run
      }
      ServingModel model = lease.model();
      try {
        results = inference.run(model, planned);
        return;
      } catch (RuntimeException e) {
        if (TransientFailureException.isTransient(e)) {
          fatal = e;
          return;
        }
        batchFailure = e;
      }
      Object[] each = new Object[planned.size()];
      for (int i = 0; i < planned.size(); i++) {
        try {
          each[i] = inference.runAlone(model, planned.get(i));
        } catch (RuntimeException e) {
          if (TransientFailureException.isTransient(e)) {
            fatal = e;
            return;
          }
          each[i] = e;
        }
      }
      alone = each;
    } catch (Throwable t) { // an Error (e.g. OutOfMemoryError from native code) fails the task on the stream thread
      fatal = t;
    } finally {
      done.countDown();
      if (abandoned) {
        lease.close();
      }
    }
  }

  /**
   * Makes sure the job never runs if it has not started yet (it waits behind another task's batch on the worker);
   * then returns the lease and true. False when it has started (or finished): wait for it, then {@link #abandon}.
   */
  boolean cancelIfNotStarted() {
    if (!claimed.compareAndSet(false, true)) {
      return false;
    }
    lease.close();
    return true;
  }

  /** Whether the outcome is ready. */
  boolean isDone() {
    return done.getCount() == 0;
  }

  /** Waits up to {@code timeout} (0 or less: not at all) for the outcome; true when it is ready. */
  boolean await(long timeout, TimeUnit unit) throws InterruptedException {
    return done.await(timeout, unit);
  }

  /**
   * The processor forgets this job (it closed): its outcome is never read and its records stay in the pending store;
   * the lease is returned as soon as the forward pass no longer uses the model.
   */
  void abandon() {
    abandoned = true;
    if (isDone()) {
      lease.close();
    }
  }

  /** Returns the model lease (after the stream thread has read the outcome). */
  void release() {
    lease.close();
  }

  ServingModel model() {
    return lease.model();
  }

  Batch batch() {
    return batch;
  }

  /** Records of the batch, refused ones included: they stay in the pending store until it is collected. */
  int records() {
    return batch.planned().size() + batch.refused().size();
  }

  long waitedNanos() {
    return waitedNanos;
  }

  /** Rethrows a failure that fails the task: a transient one (as the synchronous code does) or an Error. */
  void rethrowFatal() {
    if (fatal instanceof Error e) {
      throw e;
    }
    if (fatal instanceof RuntimeException e) {
      TransientFailureException.rethrowIfTransient(e, "inference");
      throw e;
    }
  }

  /** The batch's results, or null when it failed ({@link #batchFailure}). */
  Results results() {
    return results;
  }

  /** Why the batch failed as a whole (its records were then retried alone), or null. */
  RuntimeException batchFailure() {
    return batchFailure;
  }

  /** After a batch failure: record {@code index}'s results alone, or its failure (a {@link RuntimeException}). */
  Object alone(int index) {
    return alone[index];
  }
}
