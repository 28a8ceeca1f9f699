package org.streambert.streams.processor.internals;

import java.util.Objects;
import org.streambert.streams.serving.QaModel;
import org.streambert.streams.serving.ShadowScorer;

/**
 * Everything a {@link BatchInferProcessor} is configured with besides its model holder, in one place.
 *
 * @param storeName        the changelogged pending store (sequence number → {@link PendingRecord})
 * @param checkpointsTopic named in the log line that says records wait for a first model
 * @param maxBatchSize     records per batch ({@code nlp.batch.max.size}); refused records count too
 * @param maxDelayMs       a partial batch runs once its oldest record waited this long ({@code nlp.batch.max.delay.ms})
 * @param drainMaxMs       longest time one punctuation spends draining a backlog ({@code nlp.batch.drain.max.ms})
 * @param maxBatchTokens   padded-token budget of one batch ({@code nlp.batch.max.tokens}); a batch takes at least one
 *                         record
 * @param transactionBatchMs how long the batches of one stream thread's transaction may take together (see
 *                         {@code NlpConfig.transactionBatchMs}): later batches of a transaction are sized to the
 *                         time left, or wait for the next transaction
 * @param windows          what happens to texts over {@code nlp.text.max.windows}
 * @param embeddings       the embeddings output ({@link EmbeddingsOutput#off()} when {@code nlp.embeddings.topic} is
 *                         unset)
 * @param qa               the question-answering model (owned by the caller), or null when QA mode is off
 * @param cache            the duplicate-result cache, shared by the tasks of an instance
 *                         ({@link ResultCache#disabled()} for none)
 * @param shadow           scores sampled batches with the CANDIDATE model too (shared by all tasks, owned by the
 *                         caller), or null for none
 * @param labeling         when not null, uncertain records go to the labelling sink as labelling requests
 * @param overlap          whether a batch's forward pass runs beside the stream thread, which keeps polling and
 *                         committing ({@code nlp.batch.overlap}); false runs it on the stream thread
 */
public record BatchOptions(String storeName, String checkpointsTopic, int maxBatchSize, long maxDelayMs,
    long drainMaxMs, int maxBatchTokens, long transactionBatchMs, WindowPolicy windows, EmbeddingsOutput embeddings,
    QaModel qa, ResultCache cache, ShadowScorer shadow, LabelingSampler.Thresholds labeling, boolean overlap) {

  public BatchOptions {
    Objects.requireNonNull(storeName, "storeName");
    Objects.requireNonNull(windows, "windows");
    Objects.requireNonNull(embeddings, "embeddings");
    Objects.requireNonNull(cache, "cache");
    if (maxBatchSize < 1 || maxDelayMs < 1 || drainMaxMs < 0 || transactionBatchMs < 1) {
      throw new IllegalArgumentException("batch size, delay and transaction time must be positive, drain time "
          + "non-negative");
    }
  }
}
