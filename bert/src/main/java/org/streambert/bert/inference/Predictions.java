package org.streambert.bert.inference;

import java.util.List;

/**
 * What one {@link BertPredictor#predictPlanned} call returns: the predictions in input order and the predictor's own
 * stage timings, per call (so concurrent callers each get theirs).
 *
 * @param predictions   one per text, in input order
 * @param tokenizeNanos time the texts took to tokenize (when they were planned)
 * @param inferNanos    time of the call's forward passes
 * @param postNanos     the rest of the call: batching, copying into and out of tensors, window merging, entities
 * @param realTokens    positions of the forward passes that held a token ([CLS], word pieces, [SEP])
 * @param paddedTokens  all positions of the forward passes (batch × sequence length, summed), padding included
 */
public record Predictions(List<Prediction> predictions, long tokenizeNanos, long inferNanos, long postNanos,
    long realTokens, long paddedTokens) {

  public Predictions {
    predictions = List.copyOf(predictions);
  }
}
