package org.streambert.trainer.train;

import java.util.ArrayList;
import java.util.List;
import org.streambert.bert.inference.BertPredictor;
import org.streambert.bert.inference.Prediction;
import org.streambert.trainer.data.ClassificationExample;
import org.streambert.trainer.data.NerSentence;
import org.streambert.trainer.eval.ClassificationMetrics;
import org.streambert.trainer.eval.Entity;
import org.streambert.trainer.eval.NerMetrics;

/**
 * Scores a {@link BertPredictor} on dev data the way a user of the streams app sees it: each NER sentence as its tokens
 * joined by single spaces, each classification text as is, through the same tokenization, windows and aggregation.
 */
public final class ServedEvaluation {

  /** Texts per predict call: bounds the memory of one call on large dev sets. */
  static final int TEXTS_PER_CALL = 256;

  private ServedEvaluation() {}

  /**
   * @param classDev         classification dev examples (may be empty)
   * @param classLabels      the class labels
   * @param evaluatedClasses per classification example, the class id the model evaluation read (null: not compared)
   * @param nerDev           NER dev sentences (may be empty)
   */
  public static ServedMetrics evaluate(BertPredictor predictor, List<ClassificationExample> classDev,
      List<String> classLabels, int[] evaluatedClasses, List<NerSentence> nerDev) {
    int unservable = 0;
    ClassificationMetrics cls = null;
    int compared = 0;
    int agreeing = 0;
    if (!classDev.isEmpty()) {
      List<Prediction> predictions = predict(predictor, classDev.stream().map(ClassificationExample::text).toList());
      List<String> gold = new ArrayList<>();
      List<String> served = new ArrayList<>();
      for (int i = 0; i < classDev.size(); i++) {
        if (predictions.get(i) == null) {
          unservable++;
          continue;
        }
        String label = predictions.get(i).label().label();
        gold.add(classDev.get(i).label());
        served.add(label);
        if (evaluatedClasses != null) {
          compared++;
          agreeing += classLabels.get(evaluatedClasses[i]).equals(label) ? 1 : 0;
        }
      }
      cls = gold.isEmpty() ? null : ClassificationMetrics.evaluate(classLabels, gold, served);
    }
    NerMetrics ner = null;
    if (!nerDev.isEmpty()) {
      List<List<Entity>> gold = new ArrayList<>();
      List<List<Entity>> served = new ArrayList<>();
      List<String> texts = new ArrayList<>();
      for (NerSentence sentence : nerDev) {
        NerText text = NerText.of(sentence);
        gold.add(text.goldSpans(sentence.tags()));
        texts.add(text.text());
      }
      List<Prediction> predictions = predict(predictor, texts);
      for (Prediction p : predictions) {
        if (p == null) {
          unservable++; // its gold entities count as missed
          served.add(List.of());
        } else {
          served.add(p.entities().stream().map(e -> new Entity(e.type(), e.start(), e.end())).toList());
        }
      }
      ner = NerMetrics.ofSpans(gold, served);
    }
    if (cls == null && ner == null) {
      return null;
    }
    return new ServedMetrics(cls, ner, compared, agreeing, unservable);
  }

  /**
   * Predictions in input order, null for a text the predictor refuses (blank, or no word piece; the app dead-letters
   * those). A refused text fails its whole call, so that call is retried text by text.
   */
  private static List<Prediction> predict(BertPredictor predictor, List<String> texts) {
    List<Prediction> out = new ArrayList<>(texts.size());
    for (int from = 0; from < texts.size(); from += TEXTS_PER_CALL) {
      List<String> chunk = texts.subList(from, Math.min(from + TEXTS_PER_CALL, texts.size()));
      try {
        out.addAll(predictor.predict(chunk));
      } catch (IllegalArgumentException refused) {
        for (String text : chunk) {
          try {
            out.add(predictor.predict(text));
          } catch (IllegalArgumentException e) {
            out.add(null);
          }
        }
      }
    }
    return out;
  }
}
