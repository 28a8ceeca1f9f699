package org.streambert.bert.heads;

import java.util.List;

/**
 * Sequence classification on the pooled [CLS] output.
 *
 * @param name       head name
 * @param labels     class names in output order; at least 2 for softmax, at least 1 for multi-label
 * @param multiLabel true when the head uses independent sigmoids (several labels may apply), false for softmax
 */
public record ClassificationHead(String name, List<String> labels, boolean multiLabel) implements HeadSpec {

  public ClassificationHead {
    labels = HeadSpec.checkedLabels("classification", name, labels, multiLabel ? 1 : 2);
  }
}
