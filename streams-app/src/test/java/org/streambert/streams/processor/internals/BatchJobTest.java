package org.streambert.streams.processor.internals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.streambert.streams.errors.TransientFailureException;
import org.streambert.streams.processor.internals.PendingBatches.Batch;
import org.streambert.streams.processor.internals.PendingBatches.Planned;
import org.streambert.streams.serving.ModelHolder;
import org.streambert.streams.testing.TestModels;
import org.streambert.streams.testing.TestModels.RuleForwardPass;
import org.tensorflow.exceptions.TFResourceExhaustedException;

/** A batch's forward pass as a job: its outcomes, and who returns the model lease when. */
class BatchJobTest {

  private final RuleForwardPass pass = RuleForwardPass.standard();
  private final ModelHolder holder = new ModelHolder("m");
  private final BatchInference inference = new BatchInference(ResultCache.disabled(), null);

  private BatchJob job(String... texts) {
    if (holder.peek().isEmpty()) {
      holder.swap(TestModels.serving("1", pass));
    }
    ModelHolder.Lease lease = holder.acquire().orElseThrow();
    WindowPolicy windows = new WindowPolicy(4, false);
    List<Planned> planned = new ArrayList<>();
    for (int i = 0; i < texts.length; i++) {
      planned.add(windows.plan(lease.model(), i, new PendingRecord(new byte[] {1}, new byte[] {2}, "id-" + i,
          texts[i], 1_000L, 1_000L, "in", 0, i, List.of(), null)));
    }
    return new BatchJob(inference, lease, new Batch(planned, List.of(), false), -1);
  }

  @Test
  void shouldNeverRunAJobCancelledBeforeItStartedAndReturnItsLease() {
    BatchJob job = job("good", "bad");
    assertTrue(job.cancelIfNotStarted());
    job.run(); // the worker reaches it later
    assertTrue(pass.batchSizes.isEmpty(), "no forward pass for a cancelled job");
    holder.close();
    assertTrue(pass.closed, "its lease was returned: the model closed with the holder");
  }

  @Test
  void shouldNotCancelAJobThatStartedAndKeepTheModelUntilItsOutcomeIsRead() {
    BatchJob job = job("good", "bad");
    job.run();
    assertFalse(job.cancelIfNotStarted());
    assertTrue(job.isDone());
    assertEquals(2, job.results().records().size());
    holder.close();
    assertFalse(pass.closed, "the stream thread still reads the outcome with the model");
    job.release();
    assertTrue(pass.closed);
  }

  @Test
  void shouldRetryEachRecordAloneWhenTheBatchFailsAndKeepEachOutcome() {
    BatchJob job = job("good", "boom", "bad");
    job.run();
    job.rethrowFatal(); // nothing fatal: a record that cannot run is a dead letter, not a task failure
    assertNull(job.results());
    assertNotNull(job.batchFailure());
    assertTrue(job.alone(0) instanceof BatchInference.Results);
    assertTrue(job.alone(1) instanceof IllegalStateException, String.valueOf(job.alone(1)));
    assertTrue(job.alone(2) instanceof BatchInference.Results);
    job.release();
  }

  @Test
  void shouldRethrowATransientFailureAndAnErrorAsTheStreamThreadWouldHaveSeenThem() {
    BatchJob transientJob = job("good");
    pass.failWith = new TFResourceExhaustedException("OOM when allocating tensor");
    transientJob.run();
    assertThrows(TransientFailureException.class, transientJob::rethrowFatal);
    transientJob.release();

    pass.failWith = null;
    StackOverflowError error = new StackOverflowError("native stack");
    pass.errorWith = error;
    BatchJob errorJob = job("good");
    errorJob.run();
    assertSame(error, assertThrows(StackOverflowError.class, errorJob::rethrowFatal));
    errorJob.release();
  }

  @Test
  void shouldReturnTheLeaseOfAnAbandonedJobWhenItsForwardPassEnds() {
    BatchJob job = job("good");
    holder.close();
    job.abandon(); // the processor closed while the job ran: nobody will read its outcome
    assertFalse(pass.closed, "never closed under the forward pass");
    job.run();
    assertEquals(1, pass.batchSizes.size());
    assertTrue(pass.closed, "the job returned its lease when the pass ended");
  }
}
