package org.streambert.bert.heads;

import java.util.List;

/**
 * What a task head on top of the BERT encoder predicts: its name and the ordered label names. The label order is the
 * order of the head's output units, so {@code labels().get(i)} names column {@code i} of the probabilities.
 *
 * <p>A model has at most one head of each kind (see {@link org.streambert.bert.model.ForwardResult}, which carries one
 * class-probability and one token-probability array).
 */
public sealed interface HeadSpec permits ClassificationHead, TokenClassificationHead {

  /** Head name, e.g. {@code "sentiment"} or {@code "ner"}; unique within a model. */
  String name();

  /** Label names in output order; never empty, no duplicates, no blanks. */
  List<String> labels();

  /** Number of output units. */
  default int size() {
    return labels().size();
  }

  /** Shared validation for both head kinds; throws IllegalArgumentException naming the head and the problem. */
  static List<String> checkedLabels(String kind, String name, List<String> labels, int minLabels) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException(kind + " head has a blank name");
    }
    if (labels == null || labels.size() < minLabels) {
      throw new IllegalArgumentException(kind + " head '" + name + "' needs at least " + minLabels + " label(s), got "
          + (labels == null ? "none" : labels.size()));
    }
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (int i = 0; i < labels.size(); i++) {
      String label = labels.get(i);
      if (label == null || label.isBlank()) {
        throw new IllegalArgumentException(kind + " head '" + name + "' has a blank label at index " + i);
      }
      if (!seen.add(label)) {
        throw new IllegalArgumentException(kind + " head '" + name + "' has duplicate label '" + label + "'");
      }
    }
    return List.copyOf(labels);
  }
}
