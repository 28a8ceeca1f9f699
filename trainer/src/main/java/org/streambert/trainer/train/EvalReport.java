package org.streambert.trainer.train;

import java.util.LinkedHashMap;
import java.util.Map;
import org.streambert.trainer.eval.ClassificationMetrics;
import org.streambert.trainer.eval.NerMetrics;

/**
 * Dev metrics of one evaluation: classification, NER, or both (multi-task).
 *
 * <p>The {@link #score()} used for early stopping and the promotion gate: macro-F1 for classification, micro entity
 * F1 for NER, their mean for multi-task.
 *
 * @param classification null when the model was not evaluated on classification
 * @param ner null when the model was not evaluated on NER
 */
public record EvalReport(ClassificationMetrics classification, NerMetrics ner) {

  public static final String ACCURACY = "accuracy";
  public static final String MACRO_F1 = "macro_f1";
  public static final String ENTITY_PRECISION = "entity_precision";
  public static final String ENTITY_RECALL = "entity_recall";
  public static final String ENTITY_F1 = "entity_f1";
  public static final String TOKEN_ACCURACY = "token_accuracy";
  public static final String DEV_SCORE = "dev_score";

  public EvalReport {
    if (classification == null && ner == null) {
      throw new IllegalArgumentException("an evaluation needs classification or NER metrics");
    }
  }

  /** The selection metric in [0, 1]; see the class comment. */
  public double score() {
    if (classification != null && ner != null) {
      return (classification.macroF1() + ner.overall().f1()) / 2;
    }
    return classification != null ? classification.macroF1() : ner.overall().f1();
  }

  /** Flat metrics, as published in {@code ModelCheckpoint.metrics}. */
  public Map<String, Double> metrics() {
    Map<String, Double> m = new LinkedHashMap<>();
    if (classification != null) {
      m.put(ACCURACY, classification.accuracy());
      m.put(MACRO_F1, classification.macroF1());
    }
    if (ner != null) {
      m.put(ENTITY_PRECISION, ner.overall().precision());
      m.put(ENTITY_RECALL, ner.overall().recall());
      m.put(ENTITY_F1, ner.overall().f1());
      m.put(TOKEN_ACCURACY, ner.accuracy());
    }
    m.put(DEV_SCORE, score());
    return m;
  }

  /** Printable tables of every part. */
  public String toTable() {
    StringBuilder s = new StringBuilder();
    if (classification != null) {
      s.append("classification").append(System.lineSeparator()).append(classification.toTable());
    }
    if (ner != null) {
      s.append("NER").append(System.lineSeparator()).append(ner.toTable());
    }
    return s.toString();
  }

  /** JSON of both parts (each as its own toJson layout) and the score. */
  public String toJson() {
    StringBuilder s = new StringBuilder("{\n  \"dev_score\": ").append(score());
    if (classification != null) {
      s.append(",\n  \"classification\": ").append(classification.toJson().replace("\n", "\n  "));
    }
    if (ner != null) {
      s.append(",\n  \"ner\": ").append(ner.toJson().replace("\n", "\n  "));
    }
    return s.append("\n}\n").toString();
  }
}
