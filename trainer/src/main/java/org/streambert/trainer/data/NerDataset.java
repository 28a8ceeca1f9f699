package org.streambert.trainer.data;

import java.util.List;
import java.util.Map;

/**
 * A NER dataset read by {@link ConllReader}: sentences tagged in IOB2, the scheme the file was read
 * with, and the label list derived from the entity types ({@link LabelSets#nerLabels}).
 *
 * @param source the file it was read from (used in messages)
 * @param scheme the scheme of the file (detected or given); tags in {@link #sentences} are IOB2 regardless
 * @param sentences the sentences, in file order
 * @param labels {@code O} then {@code B-T, I-T} for each entity type T in sorted order
 */
public record NerDataset(String source, TagScheme scheme, List<NerSentence> sentences, List<String> labels) {

  public NerDataset {
    sentences = List.copyOf(sentences);
    labels = List.copyOf(labels);
  }

  /** The entity types, sorted (labels without the B-/I- prefixes and without O). */
  public List<String> entityTypes() {
    return LabelSets.entityTypesOf(labels);
  }

  /** Index of each label in {@link #labels}, for encoding tags as class ids. */
  public Map<String, Integer> labelIndex() {
    return LabelSets.index(labels);
  }
}
