package org.streambert.streams.processor.internals;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streambert.schemas.avro.EnrichedText;
import org.streambert.streams.errors.RejectedRecordException;
import org.streambert.streams.errors.RejectedRecordException.Reason;
import org.streambert.streams.errors.TransientFailureException;
import org.streambert.streams.ops.NlpMetrics;
import org.streambert.streams.processor.internals.BatchInference.Results;
import org.streambert.streams.processor.internals.PendingBatches.Batch;
import org.streambert.streams.processor.internals.PendingBatches.Planned;
import org.streambert.streams.processor.internals.PendingBatches.Refused;
import org.streambert.streams.serving.ModelHolder;
import org.streambert.streams.serving.ServingModel;

/**
 * Micro-batching without loss: the processor that enriches validated records, a thin loop over parts with one job
 * each. {@link PendingBatches} keeps the records in a changelogged store and says when a batch is due (full, or its
 * oldest record waited {@code nlp.batch.max.delay.ms}, checked by a wall-clock punctuator that drains a backlog for
 * at most {@code nlp.batch.drain.max.ms}); {@link WindowPolicy} and {@link TokenBudget} bound the work of one record
 * and one batch, and the stream thread's {@link TransactionClock} the work of one transaction: the batches of all the
 * thread's tasks share {@code BatchOptions.transactionBatchMs}, later ones sized to the time left at the model's
 * measured speed, and one that does not fit waits for the next transaction (a commit is requested), so that a batch
 * never outlives its transaction; {@link BatchInference} runs the batch (duplicate cache, serving model, QA model);
 * {@link OutputRecords} maps each result to its {@code EnrichedText} (and {@link EmbeddingsOutput} to its vector
 * record); {@link DeadLetters} sends a record that cannot be enriched to the dead-letter topic; the optional
 * {@link LabelingSampler} and shadow scorer look at the results after they were forwarded.
 *
 * <p>A batch's results are forwarded in input order, then its entries are deleted; under exactly_once_v2 the outputs,
 * the deletions and the input offsets commit in one transaction, and anything not yet committed is replayed or
 * restored after a crash. With {@code nlp.batch.overlap} a batch's forward pass runs on the stream thread's
 * {@link ForwardPassWorker} (a {@link BatchJob}: no store access) while the stream thread keeps polling, storing new
 * records and committing; the stream thread forwards the results and deletes the records when it next finds the job
 * done (in {@code process}, or in the punctuator every few ms), in whichever transaction is open then. A commit
 * while the batch runs commits its records as still pending, so a crash runs them again from the restored store; at
 * most one batch per processor is in flight, and once a whole batch waits behind it the stream thread waits for it,
 * but never longer than what is left of the open transaction's budget ({@link TransactionClock}): then it requests
 * a commit and collects the batch in a later transaction.
 * {@link #close} drops the results of a batch in flight (its records stay pending). Without a model, records stay in the store (one log line says why) and run once a model
 * is loaded. If a batch's inference throws, each record is retried alone; one that still fails goes to the
 * dead-letter topic as {@code INFERENCE_FAILED}; a record the model scored NaN or infinite goes there as
 * {@code NON_FINITE_SCORE} instead of its result. A transient failure ({@link TransientFailureException#isTransient})
 * and any other exception of this processor or its punctuator (store, producer) fail the task instead: the
 * transaction aborts, so a record ends up in the output or in the dead-letter topic exactly once, never both.
 */
public final class BatchInferProcessor implements Processor<byte[], PendingRecord, byte[], Object> {

  private static final Logger LOG = LoggerFactory.getLogger(BatchInferProcessor.class);
  /** close() waits for a batch in flight at most this many times {@code BatchOptions.transactionBatchMs}. */
  static final int CLOSE_WAIT_TRANSACTIONS = 2;
  /** With overlap, how often the wall-clock punctuator looks for a finished batch (at most). */
  static final long COLLECT_INTERVAL_MS = 5;

  /** Child names this processor forwards to. */
  public static final String OUTPUT_SINK = "enriched-sink";
  public static final String DLQ_SINK = "dead-letter-sink";
  public static final String EMBEDDINGS_SINK = "embeddings-sink";
  public static final String LABELING_SINK = "labeling-sink";

  private final ModelHolder models;
  private final BatchOptions options;
  private final TokenBudget budget;
  private final BatchInference inference;
  private final OutputRecords outputs;
  private final LabelingSampler labeling;
  private ProcessorContext<byte[], Object> context;
  private PendingBatches pending;
  private DeadLetters deadLetters;
  private NlpMetrics metrics;
  /** The calling stream thread's transaction clock (set on every call: a task can move between threads). */
  private TransactionClock clock;
  private boolean warnedOverTransaction;
  /** The batch whose forward pass runs now (at most one per processor), or null; read by the stream thread only. */
  private BatchJob inFlight;

  /** @param models where each batch leases its model from */
  public BatchInferProcessor(ModelHolder models, BatchOptions options) {
    this.models = models;
    this.options = options;
    this.budget = new TokenBudget(options.maxBatchTokens());
    this.inference = new BatchInference(options.cache(), options.qa());
    this.outputs = new OutputRecords(options.embeddings());
    this.labeling = options.labeling() == null ? null : new LabelingSampler(options.labeling());
  }

  @Override
  public void init(ProcessorContext<byte[], Object> context) {
    this.context = context;
    this.metrics = NlpMetrics.from(context.appConfigs());
    metrics.bindOnce(options.cache(), options.cache()::bindTo);
    if (options.shadow() != null) {
      metrics.observeShadow(options.shadow());
    }
    this.deadLetters = new DeadLetters(context, DLQ_SINK, metrics);
    this.pending = new PendingBatches(context.getStateStore(options.storeName()), options.maxBatchSize(),
        options.maxDelayMs());
    long restored = pending.restore(); // they keep their place in front of new arrivals
    if (restored > 0) {
      LOG.info("task {}: {} record(s) pending from before the restart", context.taskId(), restored);
    }
    inFlight = null;
    long interval = options.overlap() ? Math.min(options.maxDelayMs(), COLLECT_INTERVAL_MS) : options.maxDelayMs();
    context.schedule(Duration.ofMillis(interval), PunctuationType.WALL_CLOCK_TIME, this::punctuate);
  }

  @Override
  public void process(Record<byte[], PendingRecord> record) {
    enterClock();
    collect(options.overlap()); // a finished batch's results go out in the transaction open now
    clock.written(System.nanoTime()); // the put goes to the changelog: it opens the transaction if none is open
    pending.add(record.value(), context.currentSystemTimeMs());
    if (inFlight != null && pending.size() >= inFlight.records() + options.maxBatchSize()) {
      // A whole batch waits behind the one in flight: hold the stream thread (the store's bound), but only for as
      // long as the open transaction may still take; then let Kafka Streams commit, and collect the batch later.
      if (awaitInFlight()) {
        collect(true);
      } else {
        context.commit();
      }
    }
    if (inFlight == null && pending.full()) {
      long started = System.nanoTime();
      if (runBatch(TokenBudget.NO_DEADLINE)) {
        pending.ranFromProcess(started, context.currentSystemTimeMs());
      }
    }
  }

  private void punctuate(long now) {
    enterClock();
    collect(options.overlap());
    if (inFlight != null || !pending.due(now)) {
      return; // the oldest record has not waited long enough; process() may still fill the batch
    }
    long deadline = System.nanoTime() + options.drainMaxMs() * 1_000_000L;
    while (pending.size() > 0 && inFlight == null && System.nanoTime() < deadline) {
      if (!runBatch(deadline)) {
        return;
      }
    }
  }

  /**
   * Returns once no batch of this processor is in flight any more, discarding the results of one that is: its records
   * stay in the pending store, whose changelog holds them, and run again (here after a re-init, or at the task's new
   * owner). Waits for the forward pass at most {@link #CLOSE_WAIT_TRANSACTIONS} times the time a batch is sized to, so
   * that the model and the QA model are not closed under it at shutdown; a job still running after that returns its
   * model lease itself.
   */
  @Override
  public void close() {
    BatchJob job = inFlight;
    inFlight = null;
    if (job == null || job.cancelIfNotStarted()) {
      return; // nothing in flight, or a batch still queued behind another task's: it never runs
    }
    boolean done;
    try {
      done = job.await(CLOSE_WAIT_TRANSACTIONS * options.transactionBatchMs(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      done = false;
    }
    if (!done) {
      LOG.warn("task {}: closed while a batch of {} record(s) was still in its forward pass after {} ms; its results "
          + "are dropped and its records stay pending", context.taskId(), job.batch().planned().size(),
          CLOSE_WAIT_TRANSACTIONS * options.transactionBatchMs());
    }
    job.abandon();
  }

  private void enterClock() {
    clock = TransactionClock.ofCurrentThread(context.metrics());
    clock.enter();
  }

  /**
   * Plans one batch of the oldest pending records and starts its forward pass: on the stream thread's
   * {@link ForwardPassWorker} with overlap on (the results are forwarded by a later {@link #collect}), else inline
   * (forwarded before this returns). Without overlap the batch is sized to end by {@code deadlineNanos} and by the
   * time the thread's transaction may still spend on batches; with overlap the forward pass holds no transaction
   * open, and a batch is sized to take at most that time. False if there is no model to run it with, or if the batch
   * waits for the next transaction (a commit is requested for it).
   */
  private boolean runBatch(long deadlineNanos) {
    Optional<ModelHolder.Lease> lease = models.acquire();
    if (lease.isEmpty()) {
      models.noteWaiting(pending.size(), options.checkpointsTopic());
      return false;
    }
    ModelHolder.Lease l = lease.get();
    Batch batch;
    try {
      ServingModel model = l.model();
      long now = System.nanoTime();
      double speed = model.nanosPerPaddedToken();
      long transactionEnd = (options.overlap() ? now : clock.openedNanos(now))
          + options.transactionBatchMs() * 1_000_000L;
      // The first batch of a transaction always takes a record; a later one waits for the next transaction rather
      // than run past the time this one may take.
      boolean mayDefer = !options.overlap() && clock.hasBatchRun();
      batch = pending.next((seq, r) -> options.windows().plan(model, seq, r),
          budget.tokensFor(Math.min(deadlineNanos, transactionEnd), now, speed), mayDefer);
      if (!batch.planned().isEmpty()) {
        warnIfOverTransaction(batch, speed);
        clock.batchRan();
      }
    } catch (RuntimeException | Error e) {
      l.close();
      throw e;
    }
    BatchJob job = new BatchJob(inference, l, batch, pending.waitedNanos(batch));
    inFlight = job;
    if (options.overlap() && !batch.planned().isEmpty()) {
      ForwardPassWorker.ofCurrentThread().start(job);
    } else {
      job.run();
      collect(false);
    }
    if (batch.deferred()) {
      context.commit(); // commit what this transaction holds now; the batch runs first in the next one
      return false;
    }
    return true;
  }

  /**
   * Waits for the batch in flight (the stream thread has nothing else to do with this task's records meanwhile), at
   * most for what is left of the open transaction's budget ({@code BatchOptions.transactionBatchMs} from its opening,
   * {@link TransactionClock#remainingNanos}): the wait holds the transaction open, so a longer one could outlive
   * {@code transaction.timeout.ms} (and {@code max.poll.interval.ms}). True when the batch is done.
   */
  private boolean awaitInFlight() {
    long budgetNanos = options.transactionBatchMs() * 1_000_000L;
    long waitNanos = clock.remainingNanos(System.nanoTime(), budgetNanos);
    try {
      if (inFlight.await(waitNanos, TimeUnit.NANOSECONDS)) {
        return true;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransientFailureException("interrupted while waiting for a batch's forward pass", e);
    }
    LOG.debug("task {}: a batch's forward pass outlasts the open transaction's budget; {} record(s) pending, a "
        + "commit is requested and the batch is collected in a later transaction", context.taskId(), pending.size());
    return false;
  }

  /**
   * On the stream thread: if the batch in flight is done, deletes its records from the pending store and forwards its
   * results, in the transaction open now (both or neither commit), or fails the task as the synchronous code would.
   * With {@code startNext} the next batch, if due, starts before the results go out, so that its forward pass runs
   * while they are serialized and sent. Returns whether a batch was collected.
   */
  private boolean collect(boolean startNext) {
    BatchJob job = inFlight;
    if (job == null || !job.isDone()) {
      return false;
    }
    inFlight = null;
    try {
      job.rethrowFatal();
      Batch batch = job.batch();
      if (!batch.isEmpty()) {
        clock.written(System.nanoTime());
        pending.remove(batch); // in this call's transaction, with the results forwarded below
      }
      if (startNext && (pending.full() || pending.due(context.currentSystemTimeMs()))) {
        runBatch(TokenBudget.NO_DEADLINE);
      }
      if (!batch.planned().isEmpty()) {
        forward(job);
      }
      for (Refused r : batch.refused()) {
        deadLetters.send(r.record(), r.failure(), r.reason());
      }
    } finally {
      job.release();
    }
    return true;
  }

  /** Says once when a lone record's forward pass is expected to take longer than a transaction's batches may. */
  private void warnIfOverTransaction(Batch batch, double nanosPerToken) {
    if (warnedOverTransaction || batch.planned().size() != 1) {
      return;
    }
    long expectedMs = TokenBudget.nanosFor(batch.planned().get(0).paddedTokens(), nanosPerToken) / 1_000_000L;
    if (expectedMs > options.transactionBatchMs()) {
      warnedOverTransaction = true;
      LOG.warn("task {}: one record needs ~{} ms of forward pass at the measured speed, more than the {} ms a "
          + "transaction may spend on batches (half of transaction.timeout.ms or max.poll.interval.ms); it runs "
          + "alone, first in its transaction, and a transaction that outlives transaction.timeout.ms is fenced and "
          + "retried: raise transaction.timeout.ms or lower nlp.text.max.windows or nlp.batch.max.tokens",
          context.taskId(), expectedMs, options.transactionBatchMs());
    }
  }

  /** Forwards the outputs of a batch that ran: its results, or after a batch failure each record's own outcome. */
  private void forward(BatchJob job) {
    ServingModel model = job.model();
    metrics.observeModel(model);
    List<Planned> planned = job.batch().planned();
    Results results = job.results();
    if (results == null) {
      LOG.warn("inference of a batch of {} record(s) failed ({}); retried each record alone", planned.size(),
          job.batchFailure().toString());
      for (int i = 0; i < planned.size(); i++) {
        forwardAlone(model, planned.get(i), job.alone(i));
      }
      return;
    }
    metrics.recordBatch(planned.size(), results.inferNanos(), job.waitedNanos(), results.realTokens(),
        results.paddedTokens());
    for (int i = 0; i < planned.size(); i++) {
      emit(model, planned.get(i), results, i, results.postNanos() / planned.size());
    }
    if (options.shadow() != null) {
      // Every record is compared (repeated texts are traffic too); the champion's latency counts only the records
      // it ran, not cache hits. After the outputs; never blocks.
      options.shadow().offer(model, planned.stream().map(Planned::text).toList(),
          results.records().stream().map(RecordResult::prediction).toList(), results.inferNanos(), results.ran());
    }
  }

  private void forwardAlone(ServingModel model, Planned planned, Object outcome) {
    if (outcome instanceof RuntimeException e) {
      clock.written(System.nanoTime());
      deadLetters.send(planned.record(), e, Reason.INFERENCE_FAILED);
      return;
    }
    Results results = (Results) outcome;
    metrics.recordBatch(1, results.inferNanos(), -1, results.realTokens(), results.paddedTokens());
    emit(model, planned, results, 0, results.postNanos());
  }

  /** What is NaN or infinite in {@code result}, or null when every score is finite. */
  private static String nonFinite(RecordResult result) {
    String bad = result.prediction().nonFinite().orElse(null);
    if (bad == null && result.answer() != null
        && !(Double.isFinite(result.answer().probability()) && Double.isFinite(result.answer().logit()))) {
      bad = "the answer's probability is " + result.answer().probability();
    }
    return bad;
  }

  /** Forwards the outputs of one record: its EnrichedText, a labelling request if unsure, its vector if on. */
  private void emit(ServingModel model, Planned planned, Results results, int index, long predictorPostNanos) {
    PendingRecord record = planned.record();
    RecordResult result = results.records().get(index);
    String nonFinite = nonFinite(result);
    if (nonFinite != null) { // a NaN/Inf score is never a result: the record goes to the dead-letter topic
      clock.written(System.nanoTime());
      deadLetters.send(record, new RejectedRecordException(Reason.NON_FINITE_SCORE, "model " + model.name() + " "
          + model.version() + " scored the record non-finite: " + nonFinite), Reason.NON_FINITE_SCORE);
      return;
    }
    long tokenizeNanos = results.tokenizeNanos()[index];
    EnrichedText out = outputs.enriched(model, planned, result, tokenizeNanos, results.inferNanos(),
        predictorPostNanos);
    clock.written(System.nanoTime()); // a batch started outside any transaction opens one with its first output
    context.forward(new Record<byte[], Object>(record.key(), out, record.timestamp()), OUTPUT_SINK);
    if (labeling != null) {
      labeling.consider(model, planned.text(), result.prediction(), context.currentSystemTimeMs())
          .ifPresent(request -> context.forward(new Record<byte[], Object>(
              request.getId().getBytes(StandardCharsets.UTF_8), request, record.timestamp()), LABELING_SINK));
    }
    if (outputs.embeddings().isOn()) {
      context.forward(new Record<byte[], Object>(record.key(), outputs.embeddings().record(out),
          record.timestamp()), EMBEDDINGS_SINK);
    }
    metrics.recordRecord(tokenizeNanos, out.getTimings().getPostProcessMicros() * 1000, record.eventTime(),
        System.currentTimeMillis());
  }
}
