package org.streambert.trainer.engine;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Batches drawn without replacement from a shuffled copy of the examples, reshuffled (with the same seeded
 * {@link Random}) whenever it runs out, so every example is seen once per pass and the order is a function of the
 * seed. Used by the step-counted tasks (pre-training, SQuAD); fine-tuning batches by length per epoch instead.
 */
public final class Sampler<T> {

  private final List<T> shuffled;
  private final Random order;
  private int cursor;

  public Sampler(List<T> examples, long seed) {
    if (examples.isEmpty()) {
      throw new IllegalArgumentException("nothing to sample from");
    }
    this.shuffled = new ArrayList<>(examples);
    this.order = new Random(seed);
    this.cursor = shuffled.size();
  }

  /** The next {@code size} examples. */
  public List<T> next(int size) {
    List<T> batch = new ArrayList<>(size);
    while (batch.size() < size) {
      if (cursor == shuffled.size()) {
        Collections.shuffle(shuffled, order);
        cursor = 0;
      }
      batch.add(shuffled.get(cursor++));
    }
    return batch;
  }
}
