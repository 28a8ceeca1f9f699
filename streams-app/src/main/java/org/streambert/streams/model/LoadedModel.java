package org.streambert.streams.model;

import java.util.Objects;
import org.streambert.bert.model.ForwardPass;
import org.streambert.bert.tokenizer.TextTokenizer;

/**
 * What a {@link ModelLoader} returns: the bundle's tokenizer and its forward pass. Whoever receives it owns the
 * forward pass (the rollout hands it to a {@link org.streambert.bert.inference.BertPredictor}, which closes it).
 */
public record LoadedModel(TextTokenizer tokenizer, ForwardPass forwardPass) {

  public LoadedModel {
    Objects.requireNonNull(tokenizer, "tokenizer");
    Objects.requireNonNull(forwardPass, "forwardPass");
  }
}
