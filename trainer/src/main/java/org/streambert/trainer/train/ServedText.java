package org.streambert.trainer.train;

/**
 * The text a served NER evaluation sends to the predictor for a tokenized dataset ({@link ServedEvaluation}).
 */
public enum ServedText {
  /** Each sentence's tokens joined by single spaces (punctuation and clitics stand apart): the training text. */
  TOKENIZED("served_entity"),
  /** Each sentence detokenized as text is written ({@link Detokenizer}): {@code Barcelona, Bitar's (M. Wasim)}. */
  RAW("served_raw_entity"),
  /**
   * Each document (its sentences detokenized, joined by single spaces) as one text, as a paragraph or article arrives in
   * one record; sentences without a document stand alone, as under RAW.
   */
  DOCUMENTS("served_documents_entity");

  private final String metricPrefix;

  ServedText(String metricPrefix) {
    this.metricPrefix = metricPrefix;
  }

  /** The name of its entity F1 in published metrics, e.g. {@code served_raw_entity_f1}. */
  public String f1Metric() {
    return metricPrefix + "_f1";
  }

  public String precisionMetric() {
    return metricPrefix + "_precision";
  }

  public String recallMetric() {
    return metricPrefix + "_recall";
  }

  /** Lower-case name, as on the command line. */
  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
