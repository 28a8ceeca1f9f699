package org.streambert.trainer.train;

import java.util.Map;
import org.streambert.trainer.eval.ClassificationMetrics;
import org.streambert.trainer.eval.NerMetrics;

/**
 * Dev metrics of what {@link org.streambert.bert.inference.BertPredictor} returns, i.e. what the streams app serves:
 * its classification label per text, and its entities as code point spans scored against the gold spans of whole
 * words ({@link NerText#goldSpans}, exact span and type).
 *
 * @param classification served labels against gold labels; null without classification data
 * @param ner            served entity spans against gold spans, on the {@code nerText} texts; null without NER data
 * @param labelsCompared dev texts whose served label was compared with the label the evaluation read from the model
 * @param labelsAgreeing how many of those agreed (they differ only for texts longer than one window, whose served
 *                       label averages its windows, or by rounding between batch shapes)
 * @param unservable     dev texts the predictor refuses (no word piece at all), left out of the served figures
 * @param nerText        which texts {@code ner} was measured on
 * @param nerByText      the NER figures of every text kind measured (includes {@code nerText}'s)
 */
public record ServedMetrics(ClassificationMetrics classification, NerMetrics ner, int labelsCompared,
    int labelsAgreeing, int unservable, ServedText nerText, Map<ServedText, NerMetrics> nerByText) {

  public ServedMetrics {
    if (classification == null && ner == null) {
      throw new IllegalArgumentException("served metrics need classification or NER figures");
    }
    nerByText = nerByText == null ? Map.of() : Map.copyOf(nerByText);
  }

  /** Figures on tokenized NER text only. */
  public ServedMetrics(ClassificationMetrics classification, NerMetrics ner, int labelsCompared, int labelsAgreeing,
      int unservable) {
    this(classification, ner, labelsCompared, labelsAgreeing, unservable, ServedText.TOKENIZED,
        ner == null ? Map.of() : Map.of(ServedText.TOKENIZED, ner));
  }
}
