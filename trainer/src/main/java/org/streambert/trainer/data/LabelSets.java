package org.streambert.trainer.data;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Stable label lists. A model's output layer is indexed by these lists, so they must not depend on
 * file order: the same set of labels always gives the same list.
 */
public final class LabelSets {

  /** The outside tag, always label 0 of a NER label list. */
  public static final String OUTSIDE = "O";

  private LabelSets() {}

  /** Distinct class labels in sorted (String natural) order. */
  public static List<String> classLabels(Collection<String> labels) {
    return List.copyOf(new TreeSet<>(labels));
  }

  /**
   * NER labels for the given entity types: {@code O} first, then {@code B-T} and {@code I-T} for each
   * distinct type T in sorted order, e.g. {@code [O, B-LOC, I-LOC, B-PER, I-PER]}.
   */
  public static List<String> nerLabels(Collection<String> entityTypes) {
    List<String> labels = new ArrayList<>();
    labels.add(OUTSIDE);
    for (String type : new TreeSet<>(entityTypes)) {
      if (type.isEmpty()) {
        throw new IllegalArgumentException("empty entity type");
      }
      labels.add("B-" + type);
      labels.add("I-" + type);
    }
    return List.copyOf(labels);
  }

  /** The sorted entity types named by B-/I- labels of a label list. */
  public static List<String> entityTypesOf(Collection<String> labels) {
    TreeSet<String> types = new TreeSet<>();
    for (String label : labels) {
      if (label.startsWith("B-") || label.startsWith("I-")) {
        types.add(label.substring(2));
      }
    }
    return List.copyOf(types);
  }

  /** Map from label to its position in {@code labels}. */
  public static Map<String, Integer> index(List<String> labels) {
    Map<String, Integer> index = new LinkedHashMap<>();
    for (int i = 0; i < labels.size(); i++) {
      if (index.putIfAbsent(labels.get(i), i) != null) {
        throw new IllegalArgumentException("duplicate label '" + labels.get(i) + "'");
      }
    }
    return Collections.unmodifiableMap(index);
  }
}
