package org.streambert.bert.inference.internals;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.streambert.bert.inference.AggregationStrategy;
import org.streambert.bert.inference.Entity;

/** Token heads imported from Hugging Face may be trained on BIOES (or BILOU) tags; they group like IOB2. */
class BioesTagsTest {
  private static final List<String> LABELS = List.of("O", "B-PER", "I-PER", "E-PER", "S-PER", "S-LOC");

  @Test
  void shouldGroupBioesTagsIntoEntities() {
    // "Ann Lee Marie Bo in Oslo": B-PER E-PER | S-PER | S-PER | O | S-LOC
    String text = "Ann Lee Marie Bo in Oslo";
    int[] starts = {0, 4, 8, 14, 17, 20};
    int[] ends = {3, 7, 13, 16, 19, 24};
    int[] tags = {1, 3, 4, 4, 0, 5};
    float[] probs = new float[tags.length * LABELS.size()];
    for (int i = 0; i < tags.length; i++) {
      probs[i * LABELS.size() + tags[i]] = 1f;
    }
    List<Entity> entities = new EntityAggregator(LABELS, AggregationStrategy.FIRST).aggregate(text, starts, ends,
        probs);
    assertEquals(List.of("PER:Ann Lee", "PER:Marie", "PER:Bo", "LOC:Oslo"),
        entities.stream().map(e -> e.type() + ":" + e.text()).toList());
  }
}
