package org.streambert.trainer.train;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.streambert.trainer.eval.ClassificationMetrics;
import org.streambert.trainer.eval.NerMetrics;

/**
 * Dev metrics of one evaluation: classification, NER, or both (multi-task); read from the model's outputs per dataset
 * word (conlleval), and, when a predictor was evaluated too, from what it serves ({@link ServedMetrics}).
 *
 * <p>The {@link #score()} used for early stopping: macro-F1 for classification, micro entity F1 for NER, their mean for
 * multi-task; the served figures when present, since they are what users get (for NER those of the text kind the
 * evaluation was asked to select, {@link ServedMetrics#nerText()}: tokenized by default, or raw sentences or documents).
 * The promotion gate compares the served figures too ({@code served_macro_f1}, {@code served_entity_f1}, and
 * {@code served_raw_entity_f1} / {@code served_documents_entity_f1} when both versions report them).
 *
 * @param classification null when the model was not evaluated on classification
 * @param ner null when the model was not evaluated on NER
 * @param served null when no predictor was evaluated
 */
public record EvalReport(ClassificationMetrics classification, NerMetrics ner, ServedMetrics served) {

  public static final String ACCURACY = "accuracy";
  public static final String MACRO_F1 = "macro_f1";
  public static final String ENTITY_PRECISION = "entity_precision";
  public static final String ENTITY_RECALL = "entity_recall";
  public static final String ENTITY_F1 = "entity_f1";
  public static final String TOKEN_ACCURACY = "token_accuracy";
  public static final String DEV_SCORE = "dev_score";
  /** Accuracy of the labels BertPredictor serves. */
  public static final String SERVED_ACCURACY = "served_accuracy";
  /** Macro-F1 of the labels BertPredictor serves; gated. */
  public static final String SERVED_MACRO_F1 = "served_macro_f1";
  public static final String SERVED_ENTITY_PRECISION = "served_entity_precision";
  public static final String SERVED_ENTITY_RECALL = "served_entity_recall";
  /** Micro F1 of the entity spans BertPredictor serves on tokenized text against gold spans; gated. */
  public static final String SERVED_ENTITY_F1 = "served_entity_f1";
  /** The same on raw (detokenized) sentences ({@link ServedText#RAW}); gated when both versions report it. */
  public static final String SERVED_RAW_ENTITY_F1 = "served_raw_entity_f1";
  /** The same on whole raw documents ({@link ServedText#DOCUMENTS}); gated when both versions report it. */
  public static final String SERVED_DOCUMENTS_ENTITY_F1 = "served_documents_entity_f1";
  /** Fraction of dev texts whose served label equals the evaluated one. */
  public static final String SERVED_LABEL_AGREEMENT = "served_label_agreement";

  public EvalReport {
    if (classification == null && ner == null) {
      throw new IllegalArgumentException("an evaluation needs classification or NER metrics");
    }
  }

  /** Model figures only. */
  public EvalReport(ClassificationMetrics classification, NerMetrics ner) {
    this(classification, ner, null);
  }

  /** The selection metric in [0, 1]; see the class comment. */
  public double score() {
    ClassificationMetrics cls = served != null && served.classification() != null ? served.classification()
        : classification;
    NerMetrics n = served != null && served.ner() != null ? served.ner() : ner;
    if (cls != null && n != null) {
      return (cls.macroF1() + n.overall().f1()) / 2;
    }
    return cls != null ? cls.macroF1() : n.overall().f1();
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
    if (served != null && served.classification() != null) {
      m.put(SERVED_ACCURACY, served.classification().accuracy());
      m.put(SERVED_MACRO_F1, served.classification().macroF1());
      if (served.labelsCompared() > 0) {
        m.put(SERVED_LABEL_AGREEMENT, (double) served.labelsAgreeing() / served.labelsCompared());
      }
    }
    if (served != null) {
      for (ServedText kind : ServedText.values()) { // SERVED_ENTITY_* for TOKENIZED, served_raw_entity_* for RAW, ...
        NerMetrics n = served.nerByText().get(kind);
        if (n != null) {
          m.put(kind.precisionMetric(), n.overall().precision());
          m.put(kind.recallMetric(), n.overall().recall());
          m.put(kind.f1Metric(), n.overall().f1());
        }
      }
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
      s.append("NER (conlleval, per dataset word)").append(System.lineSeparator()).append(ner.toTable());
    }
    if (served != null && served.classification() != null) {
      s.append("classification served by BertPredictor");
      if (served.labelsCompared() > 0) {
        s.append(String.format(Locale.ROOT, " (served label = evaluated label on %d of %d texts)",
            served.labelsAgreeing(), served.labelsCompared()));
      }
      s.append(System.lineSeparator()).append(served.classification().toTable());
    }
    if (served != null) {
      for (ServedText kind : ServedText.values()) {
        NerMetrics n = served.nerByText().get(kind);
        if (n != null) {
          s.append("NER served by BertPredictor on ").append(kind.label())
              .append(" text (entity spans vs gold spans, exact)").append(System.lineSeparator()).append(n.toTable());
        }
      }
    }
    if (served != null && served.unservable() > 0) {
      s.append(served.unservable()).append(" dev text(s) refused by the predictor (no word piece): scored as missed")
          .append(System.lineSeparator());
    }
    if (served != null && !served.nerByText().isEmpty()) {
      s.append("entity F1:");
      if (ner != null) {
        s.append(String.format(Locale.ROOT, " conlleval %.2f,", 100 * ner.overall().f1()));
      }
      s.append(" served");
      String sep = " ";
      for (ServedText kind : ServedText.values()) {
        NerMetrics n = served.nerByText().get(kind);
        if (n != null) {
          s.append(sep).append(kind.label()).append(String.format(Locale.ROOT, " %.2f", 100 * n.overall().f1()));
          sep = ", ";
        }
      }
      s.append(System.lineSeparator());
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
    if (served != null && served.classification() != null) {
      s.append(",\n  \"served_classification\": ")
          .append(served.classification().toJson().replace("\n", "\n  "));
    }
    if (served != null) {
      for (ServedText kind : ServedText.values()) {
        NerMetrics n = served.nerByText().get(kind);
        if (n != null) {
          s.append(",\n  \"served_ner").append(kind == ServedText.TOKENIZED ? "" : "_" + kind.label())
              .append("\": ").append(n.toJson().replace("\n", "\n  "));
        }
      }
    }
    if (served != null) {
      s.append(",\n  \"served_labels_compared\": ").append(served.labelsCompared())
          .append(",\n  \"served_labels_agreeing\": ").append(served.labelsAgreeing())
          .append(",\n  \"served_unservable\": ").append(served.unservable());
    }
    return s.append("\n}\n").toString();
  }
}
