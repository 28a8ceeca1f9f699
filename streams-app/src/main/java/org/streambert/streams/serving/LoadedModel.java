package org.streambert.streams.serving;

import java.util.Objects;
import org.streambert.bert.model.ForwardPass;
import org.streambert.bert.model.Precision;
import org.streambert.bert.tokenizer.TextTokenizer;

/**
 * What a {@link ModelLoader} returns: the bundle's tokenizer, its forward pass and the precision that pass runs at
 * ({@link Precision#FP32} or {@link Precision#BF16}; the rollout checks golden examples with that precision's
 * tolerance). Whoever receives it owns the
 * forward pass (the rollout hands it to a {@link org.streambert.bert.inference.BertPredictor}, which closes it).
 */
public record LoadedModel(TextTokenizer tokenizer, ForwardPass forwardPass, Precision precision) {

  public LoadedModel {
    Objects.requireNonNull(tokenizer, "tokenizer");
    Objects.requireNonNull(forwardPass, "forwardPass");
    Objects.requireNonNull(precision, "precision");
    if (precision == Precision.AUTO) {
      throw new IllegalArgumentException("a loaded model runs at a resolved precision, not auto");
    }
  }

  /** A forward pass that runs in fp32. */
  public LoadedModel(TextTokenizer tokenizer, ForwardPass forwardPass) {
    this(tokenizer, forwardPass, Precision.FP32);
  }
}
