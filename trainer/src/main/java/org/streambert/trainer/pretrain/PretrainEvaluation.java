package org.streambert.trainer.pretrain;

import java.util.Locale;

/**
 * run_pretraining.py's evaluation metrics on held-out instances.
 *
 * @param mlmAccuracy fraction of masked positions whose arg-max prediction is the original token
 * @param mlmLoss     mean cross-entropy over masked positions
 * @param nspAccuracy fraction of pairs whose IsNext/NotNext arg-max is right
 * @param nspLoss     mean cross-entropy of the next-sentence prediction
 * @param instances   instances evaluated
 * @param predictions masked positions evaluated
 */
public record PretrainEvaluation(double mlmAccuracy, double mlmLoss, double nspAccuracy, double nspLoss,
    int instances, long predictions) {
  @Override
  public String toString() {
    return String.format(Locale.ROOT, "MLM accuracy %.4f loss %.4f, NSP accuracy %.4f loss %.4f (%d instances, %d "
        + "predictions)", mlmAccuracy, mlmLoss, nspAccuracy, nspLoss, instances, predictions);
  }
}
