package org.streambert.trainer.data;

import java.util.List;
import java.util.Map;

/**
 * A text classification dataset read by {@link ClassificationReader}.
 *
 * @param source the file it was read from (used in messages)
 * @param examples the examples, in file order
 * @param labels the distinct labels, sorted ({@link LabelSets#classLabels}); at least two
 */
public record ClassificationDataset(String source, List<ClassificationExample> examples, List<String> labels) {

  public ClassificationDataset {
    examples = List.copyOf(examples);
    labels = List.copyOf(labels);
  }

  /** Index of each label in {@link #labels}, for encoding labels as class ids. */
  public Map<String, Integer> labelIndex() {
    return LabelSets.index(labels);
  }
}
