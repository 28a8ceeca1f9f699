package org.streambert.bert.bundle;

import java.util.List;
import java.util.Objects;

/**
 * Everything of a bundle except the SavedModel: the {@code model.json} descriptor and the vocabulary (one token per
 * line of {@code vocab.txt}, line {@code i} being id {@code i}).
 */
public record BundleContents(ModelDescriptor model, List<String> vocab) {

  public BundleContents {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(vocab, "vocab");
    vocab = List.copyOf(vocab);
    for (int i = 0; i < vocab.size(); i++) {
      String token = vocab.get(i);
      if (token.isEmpty() || token.indexOf('\n') >= 0 || token.indexOf('\r') >= 0) {
        throw new IllegalArgumentException("vocab entry " + i + " is empty or contains a line break");
      }
    }
    if (vocab.size() != model.vocabSize()) {
      throw new IllegalArgumentException("vocab has " + vocab.size() + " entries but bert_config.vocab_size is "
          + model.vocabSize());
    }
  }
}
