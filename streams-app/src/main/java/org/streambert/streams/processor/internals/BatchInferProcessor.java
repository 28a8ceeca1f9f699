package org.streambert.streams.processor.internals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.streambert.bert.inference.Entity;
import org.streambert.bert.inference.LabelScore;
import org.streambert.bert.inference.Prediction;
import org.streambert.schemas.avro.Classification;
import org.streambert.bert.qa.BertQa;
import org.streambert.schemas.avro.EnrichedText;
import org.streambert.schemas.avro.QaAnswer;
import org.streambert.schemas.avro.StageTimings;
import org.streambert.streams.errors.RejectedRecordException.Reason;
import org.streambert.streams.serving.ModelHolder;
import org.streambert.streams.serving.QaModel;
import org.streambert.streams.serving.ServingModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.streambert.streams.errors.RejectedRecordException;
import org.streambert.streams.errors.TransientFailureException;
import org.streambert.streams.ops.NlpMetrics;
import org.streambert.streams.serving.ShadowScorer;
/**
 * Micro-batching without loss. Each validated record is put into a changelogged key-value store under a per-task
 * sequence number that only grows, so the store's key order is arrival order. A batch (the oldest records, at most
 * {@code maxBatchSize}, and no more than fit in the padded-token budget {@link Bounds#maxBatchTokens()} — always at
 * least one — so that one batch's time is bounded; a text over {@link Bounds#maxWindows()} windows is
 * dead-lettered as TOO_MANY_WINDOWS or run truncated, by policy) runs when the store holds a full batch (in
 * {@link #process}) or, from the wall-clock punctuator
 * (every {@code maxDelayMs}), once the oldest pending record has waited {@code maxDelayMs}: a backlog in the input
 * topic thus fills whole batches instead of being cut into batches of whatever arrived since the last punctuation. Its results are forwarded in input order, then its entries are deleted; under
 * exactly_once_v2 the outputs, the deletions and the input offsets commit in one transaction, and anything not yet
 * committed is replayed or restored after a crash.
 *
 * <p>Without a model, records stay in the store (one log line says why) and run once a model is loaded. If a batch's
 * inference throws, each record is retried alone; one that still fails goes to the dead-letter topic with its raw
 * bytes, Kafka's {@code __streams.errors.*} headers and {@code nlp.error.reason=INFERENCE_FAILED}. A transient
 * failure ({@link TransientFailureException#isTransient}) and any other exception of this processor or its punctuator
 * (store, producer) fail the task instead: the transaction aborts, so a record ends up in the output or in the
 * dead-letter topic exactly once, never both.
 *
 * <p>Optional outputs of the same batch: with embeddings on, every EnrichedText carries the model's pooled
 * embedding and a copy without classification and entities goes to {@link #EMBEDDINGS_SINK}; with a {@link QaModel},
 * the batch's records that hold a question get {@code EnrichedText.answer}, all answered in one
 * {@link QaModel#answerAll} call (a failure there is handled like an inference failure).
 */
public final class BatchInferProcessor implements Processor<byte[], PendingRecord, byte[], Object> {

  private static final Logger LOG = LoggerFactory.getLogger(BatchInferProcessor.class);

  /** Child names this processor forwards to. */
  public static final String OUTPUT_SINK = "enriched-sink";
  public static final String DLQ_SINK = "dead-letter-sink";
  public static final String EMBEDDINGS_SINK = "embeddings-sink";
  public static final String LABELING_SINK = "labeling-sink";

  private final String storeName;
  private final ModelHolder holder;
  private final int maxBatchSize;
  private final long maxDelayMs;
  private final long drainMaxMs;
  private final String checkpointsTopic;
  private final boolean embeddings;
  private final QaModel qa;
  private final Bounds bounds;
  private final ResultCache cache;
  private final ShadowScorer shadow;
  private final LabelingSampler labeling;
  private ProcessorContext<byte[], Object> context;
  private KeyValueStore<Long, PendingRecord> store;
  private NlpMetrics metrics;
  private ArrivalTimes arrivals;
  private long nextSeq;
  private long pending;
  /** Wall-clock ms when the oldest pending record arrived (0 for records restored at start: run at once). */
  private long oldestPendingMs;
  /**
   * When the last batch run from {@link #process} really ended. The stream thread's clock
   * ({@code currentSystemTimeMs}) is cached per poll loop and does not advance while a batch runs, so without this
   * the records that arrive right after a long batch would count as having waited that long already, and the
   * punctuator would cut the backlog into small batches.
   */
  private long batchEndMs;
  /** Forward-pass nanoseconds per padded token of the recent batches (0 until one ran): sizes drain batches. */
  private double nanosPerToken;
  private static final long NO_DEADLINE = Long.MIN_VALUE;

  public BatchInferProcessor(String storeName, ModelHolder holder, int maxBatchSize, long maxDelayMs, long drainMaxMs,
      String checkpointsTopic) {
    this(storeName, holder, maxBatchSize, maxDelayMs, drainMaxMs, checkpointsTopic, false, null);
  }

  /**
   * @param embeddings whether to fill {@code EnrichedText.embedding} and forward to {@link #EMBEDDINGS_SINK}
   * @param qa         the question-answering model (owned by the caller), or null when QA mode is off
   */
  public BatchInferProcessor(String storeName, ModelHolder holder, int maxBatchSize, long maxDelayMs, long drainMaxMs,
      String checkpointsTopic, boolean embeddings, QaModel qa) {
    this(storeName, holder, maxBatchSize, maxDelayMs, drainMaxMs, checkpointsTopic, embeddings, qa, Bounds.DEFAULT,
        Shared.NONE);
  }

  /**
   * Bounds of the work of one record and one batch.
   *
   * @param maxWindows     most windows one text runs in ({@code nlp.text.max.windows})
   * @param truncate       beyond it: run the first {@code maxWindows} windows and flag the output as truncated
   *                       (true), or dead-letter the record with reason TOO_MANY_WINDOWS (false)
   * @param maxBatchTokens budget of padded tokens of one batch ({@code nlp.batch.max.tokens}); a batch takes at
   *                       least one record
   */
  public record Bounds(int maxWindows, boolean truncate, int maxBatchTokens) {
    public static final Bounds DEFAULT = new Bounds(org.streambert.streams.NlpConfig.TEXT_MAX_WINDOWS_DEFAULT, false,
        org.streambert.streams.NlpConfig.BATCH_MAX_TOKENS_DEFAULT);
  }

  /**
   * What the batch step adds besides enriching, each optional.
   *
   * @param cache    results of earlier records with the same text (and question) under the same model; shared by
   *                 the tasks of an instance
   * @param shadow   scores sampled batches with the CANDIDATE model too (shared by all tasks), or null for none
   * @param labeling when not null, uncertain records go to {@link #LABELING_SINK} as labelling requests
   */
  public record Shared(ResultCache cache, ShadowScorer shadow, LabelingSampler.Thresholds labeling) {
    public static final Shared NONE = new Shared(ResultCache.disabled(), null, null);

    public Shared {
      java.util.Objects.requireNonNull(cache, "cache");
    }
  }

  /**
   * @param bounds the work bounds of one record and one batch
   * @param shared the cache, shadow scorer and labelling thresholds
   */
  public BatchInferProcessor(String storeName, ModelHolder holder, int maxBatchSize, long maxDelayMs, long drainMaxMs,
      String checkpointsTopic, boolean embeddings, QaModel qa, Bounds bounds, Shared shared) {
    this.bounds = bounds;
    this.cache = shared.cache();
    this.shadow = shared.shadow();
    this.labeling = shared.labeling() == null ? null : new LabelingSampler(shared.labeling());
    this.embeddings = embeddings;
    this.qa = qa;
    this.storeName = storeName;
    this.holder = holder;
    this.maxBatchSize = maxBatchSize;
    this.maxDelayMs = maxDelayMs;
    this.drainMaxMs = drainMaxMs;
    this.checkpointsTopic = checkpointsTopic;
  }

  @Override
  public void init(ProcessorContext<byte[], Object> context) {
    this.context = context;
    this.store = context.getStateStore(storeName);
    this.metrics = NlpMetrics.from(context.appConfigs());
    metrics.observeCache(cache);
    if (shadow != null) {
      metrics.observeShadow(shadow);
    }
    this.arrivals = new ArrivalTimes(4096);
    // Restored entries (records pending at the last commit) keep their place in front of new arrivals.
    long count = 0;
    long last = -1;
    try (KeyValueIterator<Long, PendingRecord> it = store.all()) {
      while (it.hasNext()) {
        last = Math.max(last, it.next().key);
        count++;
      }
    }
    nextSeq = last + 1;
    pending = count;
    if (count > 0) {
      LOG.info("task {}: {} record(s) pending from before the restart", context.taskId(), count);
    }
    context.schedule(Duration.ofMillis(maxDelayMs), PunctuationType.WALL_CLOCK_TIME, this::punctuate);
  }

  @Override
  public void process(Record<byte[], PendingRecord> record) {
    if (pending == 0) {
      oldestPendingMs = Math.max(context.currentSystemTimeMs(), batchEndMs);
    }
    arrivals.add(nextSeq, System.nanoTime());
    store.put(nextSeq++, record.value());
    pending++;
    if (pending >= maxBatchSize) {
      long started = System.nanoTime();
      runBatch(NO_DEADLINE);
      batchEndMs = Math.max(batchEndMs, context.currentSystemTimeMs()) + (System.nanoTime() - started) / 1_000_000L;
    }
  }

  private void punctuate(long now) {
    if (pending < maxBatchSize && now - oldestPendingMs < maxDelayMs) {
      return; // the oldest record has not waited long enough; process() may still fill the batch
    }
    long deadline = System.nanoTime() + drainMaxMs * 1_000_000L;
    while (pending > 0 && System.nanoTime() < deadline) {
      if (!runBatch(deadline)) {
        return;
      }
    }
  }

  /**
   * Runs one batch of the oldest pending records; false if there is no model to run it with. With a deadline (a
   * punctuation draining a backlog), the batch takes only the padded tokens that the measured speed of the last
   * batches says fit before it, so that a drain ends near its deadline rather than one full batch after it (at
   * least one record always runs).
   */
  private boolean runBatch(long deadlineNanos) {
    Optional<ModelHolder.Lease> maybeLease = holder.acquire();
    if (maybeLease.isEmpty()) {
      holder.noteWaiting(pending, checkpointsTopic);
      return false;
    }
    try (ModelHolder.Lease lease = maybeLease.get()) {
      ServingModel model = lease.model();
      List<Planned> batch = new ArrayList<>(maxBatchSize);
      List<Long> refused = new ArrayList<>();
      long tokens = 0;
      long budget = bounds.maxBatchTokens();
      if (deadlineNanos != NO_DEADLINE && nanosPerToken > 0) {
        budget = Math.min(budget, (long) (Math.max(0, deadlineNanos - System.nanoTime()) / nanosPerToken));
      }
      try (KeyValueIterator<Long, PendingRecord> it = store.all()) {
        // Refused records count towards the batch size: a backlog of over-long texts is worked off batch by batch.
        while (it.hasNext() && batch.size() + refused.size() < maxBatchSize) {
          KeyValue<Long, PendingRecord> entry = it.next();
          Planned planned = plan(model, entry);
          if (planned == null) {
            refused.add(entry.key);
            continue;
          }
          if (!batch.isEmpty() && tokens + planned.paddedTokens() > budget) {
            break; // over the batch's token budget (or the drain's remaining time): this record starts the next batch
          }
          tokens += planned.paddedTokens();
          batch.add(planned);
        }
      }
      if (batch.isEmpty() && refused.isEmpty()) {
        pending = 0;
        return true;
      }
      if (!batch.isEmpty()) {
        infer(model, batch, arrivals.waitedNanos(batch.get(0).seq(), System.nanoTime()));
      }
      for (Planned p : batch) {
        store.delete(p.seq());
      }
      for (long seq : refused) {
        store.delete(seq);
      }
      pending -= batch.size() + refused.size();
      return true;
    }
  }

  /**
   * A pending record with the text it runs with (a prefix under the truncate policy) and its padded-token cost.
   *
   * @param seq          its key in the pending store
   * @param text         the text to run: the record's, or its prefix that fits in nlp.text.max.windows windows
   * @param truncated    whether {@code text} is a prefix
   * @param paddedTokens windows × the model's sequence length: the most tokens its windows can cost
   */
  private record Planned(long seq, PendingRecord record, String text, boolean truncated, long paddedTokens) {
  }

  /**
   * Counts the record's windows; null if it went to the dead-letter topic instead (too many windows under the dlq
   * policy, or it cannot be tokenized).
   */
  private Planned plan(ServingModel model, KeyValue<Long, PendingRecord> entry) {
    PendingRecord record = entry.value;
    ServingModel.Plan plan;
    try {
      plan = model.plan(record.text(), bounds.maxWindows());
    } catch (RuntimeException e) {
      failIfTransient(e);
      deadLetter(record, e, Reason.INFERENCE_FAILED);
      return null;
    }
    int windows = Math.min(plan.windows(), bounds.maxWindows());
    if (plan.windows() > bounds.maxWindows() && !bounds.truncate()) {
      deadLetter(record, new RejectedRecordException(Reason.TOO_MANY_WINDOWS, "text runs in " + plan.windows()
          + " windows, more than nlp.text.max.windows=" + bounds.maxWindows()), Reason.TOO_MANY_WINDOWS);
      return null;
    }
    return new Planned(entry.key, record, plan.prefix(), plan.windows() > bounds.maxWindows(),
        (long) windows * model.sequenceLength());
  }

  private void infer(ServingModel model, List<Planned> batch, long waitNanos) {
    metrics.observeModel(model.name(), model.version());
    // A truncated record runs (and is cached) as the prefix it runs with; its output still carries the whole text.
    ResultCache.Lookup cached = cache.lookup(model,
        batch.stream().map(p -> p.truncated() ? p.record().withText(p.text()) : p.record()).toList());
    ServingModel.Inference fresh;
    ServingModel.Inference result;
    List<QaAnswer> answers;
    try {
      fresh = cached.misses().isEmpty() ? null : model.predict(cached.missTexts());
      ResultCache.Completed all = cached.complete(fresh, answer(cached.misses()));
      result = all.inference();
      answers = all.answers();
    } catch (RuntimeException batchFailure) {
      failIfTransient(batchFailure);
      LOG.warn("inference of a batch of {} record(s) failed ({}); retrying each record alone", batch.size(),
          batchFailure.toString());
      for (Planned p : batch) {
        inferAlone(model, p);
      }
      return;
    }
    metrics.recordBatch(batch.size(), result.inferNanos(), waitNanos, result.realTokens(), result.paddedTokens());
    long padded = batch.stream().mapToLong(Planned::paddedTokens).sum();
    if (padded > 0 && result.inferNanos() > 0) {
      double measured = (double) result.inferNanos() / padded;
      nanosPerToken = nanosPerToken == 0 ? measured : 0.5 * nanosPerToken + 0.5 * measured;
    }
    for (int i = 0; i < batch.size(); i++) {
      emit(model, batch.get(i), result, i, result.inferNanos(), result.postNanos() / batch.size(),
          answers.get(i));
    }
    if (shadow != null) {
      // Every record is compared (repeated texts are traffic too); the champion's latency counts only the records
      // it ran, not cache hits. After the outputs; never blocks.
      List<String> texts = batch.stream().map(Planned::text).toList();
      shadow.offer(model, texts, result.predictions(), result.inferNanos(), cached.missTexts().size());
    }
  }

  /** The Avro answer of each record (null without a question or QA model); one QA run for the whole batch. */
  private List<QaAnswer> answer(List<PendingRecord> records) {
    List<QaAnswer> out = new ArrayList<>(java.util.Collections.nCopies(records.size(), (QaAnswer) null));
    if (qa == null) {
      return out;
    }
    List<Integer> asked = new ArrayList<>();
    List<BertQa.Request> requests = new ArrayList<>();
    for (int i = 0; i < records.size(); i++) {
      PendingRecord r = records.get(i);
      if (r.question() != null) {
        asked.add(i);
        requests.add(new BertQa.Request(r.question(), r.text()));
      }
    }
    if (requests.isEmpty()) {
      return out;
    }
    List<Optional<org.streambert.bert.qa.QaAnswer>> best = qa.answerAll(requests);
    for (int k = 0; k < asked.size(); k++) {
      String question = requests.get(k).question();
      int index = asked.get(k);
      out.set(index, best.get(k).map(a -> new QaAnswer(question, a.text(), a.start(), a.end(),
          (float) a.probability())).orElse(null));
    }
    return out;
  }

  private void inferAlone(ServingModel model, Planned planned) {
    ServingModel.Inference result;
    List<QaAnswer> answers;
    try {
      result = model.predict(List.of(planned.text()));
      answers = answer(List.of(planned.record()));
    } catch (RuntimeException e) {
      failIfTransient(e);
      deadLetter(planned.record(), e, Reason.INFERENCE_FAILED);
      return;
    }
    metrics.recordBatch(1, result.inferNanos(), -1, result.realTokens(), result.paddedTokens());
    emit(model, planned, result, 0, result.inferNanos(), result.postNanos(), answers.get(0));
  }

  /**
   * Rethrows a failure a retry may survive (TensorFlow out of memory, ...) as {@link TransientFailureException}: the
   * task fails, its transaction aborts and the batch runs again later; such a failure says nothing about the records.
   */
  private static void failIfTransient(RuntimeException e) {
    if (TransientFailureException.isTransient(e)) {
      throw e instanceof TransientFailureException t ? t
          : new TransientFailureException("inference failed transiently: " + e, e);
    }
  }

  /** Forwards the results of one record: its EnrichedText to the output and, if on, its embedding. */
  private void emit(ServingModel model, Planned planned, ServingModel.Inference result, int index,
      long inferNanos, long predictorPostNanos, QaAnswer answer) {
    long start = System.nanoTime();
    PendingRecord record = planned.record();
    Prediction p = result.predictions().get(index);
    EnrichedText.Builder out = EnrichedText.newBuilder()
        .setId(record.id())
        .setText(record.text())
        .setTruncated(planned.truncated())
        .setModelName(model.name())
        .setModelVersion(model.version())
        .setWindowed(p.windowed())
        .setWindowCount(result.windowCounts()[index])
        .setEventTime(java.time.Instant.ofEpochMilli(record.eventTime()));
    if (p.label() != null) {
      List<org.streambert.schemas.avro.LabelScore> scores = new ArrayList<>();
      for (LabelScore s : p.labelScores()) {
        scores.add(new org.streambert.schemas.avro.LabelScore(s.label(), s.score()));
      }
      out.setClassification(new Classification(p.label().label(), p.label().score(), scores));
    } else {
      out.setClassification(null);
    }
    List<org.streambert.schemas.avro.Entity> entities = new ArrayList<>();
    for (Entity e : p.entities()) {
      entities.add(new org.streambert.schemas.avro.Entity(e.type(), e.text(), e.start(), e.end(), e.score()));
    }
    out.setEntities(entities);
    out.setAnswer(answer);
    List<Float> embedding = null;
    if (embeddings) {
      float[] e = p.embedding();
      embedding = new ArrayList<>(e.length);
      for (float v : e) {
        embedding.add(v);
      }
      out.setEmbedding(embedding);
    }
    long postMicros = (predictorPostNanos + System.nanoTime() - start) / 1000;
    long tokenizeMicros = result.tokenizeNanos()[index] / 1000;
    out.setTimings(new StageTimings(tokenizeMicros, inferNanos / 1000, postMicros));
    context.forward(new Record<byte[], Object>(record.key(), out.build(), record.timestamp()), OUTPUT_SINK);
    if (labeling != null) {
      labeling.consider(model, planned.text(), p, context.currentSystemTimeMs()).ifPresent(request -> context.forward(
          new Record<byte[], Object>(utf8(request.getId()), request, record.timestamp()), LABELING_SINK));
    }
    if (embedding != null) {
      EnrichedText vector = EnrichedText.newBuilder()
          .setId(record.id())
          .setText(record.text())
          .setTruncated(planned.truncated())
          .setModelName(model.name())
          .setModelVersion(model.version())
          .setClassification(null)
          .setEntities(List.of())
          .setWindowed(p.windowed())
          .setWindowCount(result.windowCounts()[index])
          .setEventTime(java.time.Instant.ofEpochMilli(record.eventTime()))
          .setEmbedding(embedding)
          .build();
      context.forward(new Record<byte[], Object>(record.key(), vector, record.timestamp()), EMBEDDINGS_SINK);
    }
    metrics.recordRecord(result.tokenizeNanos()[index], postMicros * 1000, record.eventTime(),
        System.currentTimeMillis());
  }

  private void deadLetter(PendingRecord record, Exception e, Reason reason) {
    LOG.warn("record {} (topic {} partition {} offset {}): {}; sending it to the dead-letter topic: {}", record.id(),
        record.topic(), record.partition(), record.offset(), reason, e.toString());
    Headers headers = record.headersCopy();
    // The same headers Kafka Streams' own dead-letter records carry (KIP-1034), plus the reason.
    StringWriter trace = new StringWriter();
    e.printStackTrace(new PrintWriter(trace));
    headers.add("__streams.errors.exception", utf8(e.getClass().getName()));
    headers.add("__streams.errors.message", utf8(String.valueOf(e.getMessage())));
    headers.add("__streams.errors.stacktrace", utf8(trace.toString()));
    headers.add("__streams.errors.topic", utf8(String.valueOf(record.topic())));
    headers.add("__streams.errors.partition", utf8(String.valueOf(record.partition())));
    headers.add("__streams.errors.offset", utf8(String.valueOf(record.offset())));
    headers.add(DeadLetterHandlers.REASON_HEADER, utf8(reason.name()));
    context.forward(new Record<byte[], Object>(record.key(), record.rawValue(), record.timestamp(), headers),
        DLQ_SINK);
    metrics.deadLettered(reason.name(), 1);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
