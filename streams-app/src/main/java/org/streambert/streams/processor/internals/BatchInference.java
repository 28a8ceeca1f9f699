package org.streambert.streams.processor.internals;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.streambert.bert.inference.Predictions;
import org.streambert.bert.qa.BertQa;
import org.streambert.bert.qa.QaAnswer;
import org.streambert.streams.processor.internals.PendingBatches.Planned;
import org.streambert.streams.serving.QaModel;
import org.streambert.streams.serving.ServingModel;

/**
 * Runs a planned batch: the duplicate-result cache answers what it can, the serving model predicts the rest in one
 * call, and with a {@link QaModel} the records that hold a question get the best answer span, all answered in one
 * call. A failure of either model propagates (the processor then retries each record alone with
 * {@link #runAlone}, which bypasses the cache). Stateless apart from the shared cache.
 */
final class BatchInference {

  /**
   * The results of a batch, in batch order, and the batch's figures.
   *
   * @param records       one per planned record
   * @param tokenizeNanos per record: time spent tokenizing it (once, when it was planned; also when its result was
   *                      reused, which saves the forward pass)
   * @param inferNanos    time of the forward passes (0 when every result was reused)
   * @param postNanos     the predictor's remaining time for the whole batch (entity aggregation, merging)
   * @param realTokens    positions of the forward passes that held a word piece
   * @param paddedTokens  all positions of the forward passes, padding included
   * @param ran           records the model ran (the others came from the cache or repeat an earlier record)
   */
  record Results(List<RecordResult> records, long[] tokenizeNanos, long inferNanos, long postNanos,
      long realTokens, long paddedTokens, int ran) {
  }

  private final ResultCache cache;
  private final QaModel qa;

  /**
   * @param cache results of earlier records with the same text and question (shared by an instance's tasks)
   * @param qa    the question-answering model (owned by the caller), or null when QA mode is off
   */
  BatchInference(ResultCache cache, QaModel qa) {
    this.cache = cache;
    this.qa = qa;
  }

  /** Runs {@code batch} with {@code model}, reusing cached results. */
  Results run(ServingModel model, List<Planned> batch) {
    List<ResultCache.Query> queries = new ArrayList<>(batch.size());
    for (Planned p : batch) {
      queries.add(new ResultCache.Query(p.text(), p.record().question()));
    }
    ResultCache.Lookup lookup = cache.lookup(model, queries);
    List<Integer> misses = lookup.misses();
    Results fresh = misses.isEmpty() ? null : predict(model, misses.stream().map(batch::get).toList());
    List<RecordResult> records = lookup.complete(fresh == null ? List.of() : fresh.records());
    // Every record was tokenized once, when it was planned; a reused result saved the forward pass only.
    long[] tokenizeNanos = new long[batch.size()];
    for (int i = 0; i < batch.size(); i++) {
      tokenizeNanos[i] = batch.get(i).windows().tokenizeNanos();
    }
    return fresh == null ? new Results(records, tokenizeNanos, 0, 0, 0, 0, 0)
        : new Results(records, tokenizeNanos, fresh.inferNanos(), fresh.postNanos(), fresh.realTokens(),
            fresh.paddedTokens(), misses.size());
  }

  /** Runs one record alone with {@code model}, without the cache. */
  Results runAlone(ServingModel model, Planned planned) {
    return predict(model, List.of(planned));
  }

  private Results predict(ServingModel model, List<Planned> batch) {
    Predictions predictions = model.predictPlanned(batch.stream().map(Planned::windows).toList());
    List<ResultCache.Query> queries = batch.stream()
        .map(p -> new ResultCache.Query(p.text(), p.record().question())).toList();
    List<QaAnswer> answers = answer(queries);
    List<RecordResult> records = new ArrayList<>(batch.size());
    long[] tokenizeNanos = new long[batch.size()];
    for (int i = 0; i < batch.size(); i++) {
      records.add(new RecordResult(predictions.predictions().get(i), batch.get(i).windows().windowCount(),
          answers.get(i)));
      tokenizeNanos[i] = batch.get(i).windows().tokenizeNanos();
    }
    return new Results(records, tokenizeNanos, predictions.inferNanos(), predictions.postNanos(),
        predictions.realTokens(), predictions.paddedTokens(), batch.size());
  }

  /** The best answer to each query's question (null without a question or QA model); one QA run for all. */
  private List<QaAnswer> answer(List<ResultCache.Query> queries) {
    List<QaAnswer> out = new ArrayList<>(Collections.nCopies(queries.size(), (QaAnswer) null));
    if (qa == null) {
      return out;
    }
    List<Integer> asked = new ArrayList<>();
    List<BertQa.Request> requests = new ArrayList<>();
    for (int i = 0; i < queries.size(); i++) {
      ResultCache.Query q = queries.get(i);
      if (q.question() != null) {
        asked.add(i);
        requests.add(new BertQa.Request(q.question(), q.text()));
      }
    }
    if (requests.isEmpty()) {
      return out;
    }
    List<Optional<QaAnswer>> best = qa.answerAll(requests);
    for (int k = 0; k < asked.size(); k++) {
      out.set(asked.get(k), best.get(k).orElse(null));
    }
    return out;
  }
}
