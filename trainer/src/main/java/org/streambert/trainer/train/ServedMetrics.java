package org.streambert.trainer.train;

import org.streambert.trainer.eval.ClassificationMetrics;
import org.streambert.trainer.eval.NerMetrics;

/**
 * Dev metrics of what {@link org.streambert.bert.inference.BertPredictor} returns, i.e. what the streams app serves:
 * its classification label per text, and its entities as code point spans scored against the gold spans of whole
 * words ({@link NerText#goldSpans}, exact span and type).
 *
 * @param classification served labels against gold labels; null without classification data
 * @param ner            served entity spans against gold spans; null without NER data
 * @param labelsCompared dev texts whose served label was compared with the label the evaluation read from the model
 * @param labelsAgreeing how many of those agreed (they differ only for texts longer than one window, whose served
 *                       label averages its windows, or by rounding between batch shapes)
 * @param unservable     dev texts the predictor refuses (no word piece at all), left out of the served figures
 */
public record ServedMetrics(ClassificationMetrics classification, NerMetrics ner, int labelsCompared,
    int labelsAgreeing, int unservable) {

  public ServedMetrics {
    if (classification == null && ner == null) {
      throw new IllegalArgumentException("served metrics need classification or NER figures");
    }
  }
}
