package org.streambert.bert.inference;

/** A class label with its probability (softmax, or sigmoid for a multi-label head). */
public record LabelScore(String label, float score) {

  public LabelScore {
    if (label == null) {
      throw new IllegalArgumentException("label is null");
    }
  }
}
