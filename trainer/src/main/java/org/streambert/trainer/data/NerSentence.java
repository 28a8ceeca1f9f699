package org.streambert.trainer.data;

import java.util.List;

/**
 * One sentence of a NER dataset: words and their IOB2 tags ({@code O}, {@code B-TYPE}, {@code I-TYPE}),
 * one tag per word. Immutable.
 */
public record NerSentence(List<String> tokens, List<String> tags) {

  public NerSentence {
    tokens = List.copyOf(tokens);
    tags = List.copyOf(tags);
    if (tokens.isEmpty()) {
      throw new IllegalArgumentException("a sentence needs at least one token");
    }
    if (tokens.size() != tags.size()) {
      throw new IllegalArgumentException(
          "tokens and tags differ in length: " + tokens.size() + " tokens, " + tags.size() + " tags");
    }
  }

  /** Number of words. */
  public int size() {
    return tokens.size();
  }
}
