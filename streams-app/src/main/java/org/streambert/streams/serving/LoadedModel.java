package org.streambert.streams.serving;

import java.util.Objects;
import org.streambert.bert.model.ForwardPass;
import org.streambert.bert.model.Precision;
import org.streambert.bert.tokenizer.TextTokenizer;

/**
 * What a {@link ModelLoader} returns: the bundle's tokenizer, its forward pass and how that pass computes (engine and
 * precision: the rollout checks golden examples with that precision's tolerance and reports both). Whoever receives
 * it owns the forward pass (the rollout hands it to a {@link org.streambert.bert.inference.BertPredictor}, which
 * closes it).
 */
public record LoadedModel(TextTokenizer tokenizer, ForwardPass forwardPass, ServingEngine engine) {

  public LoadedModel {
    Objects.requireNonNull(tokenizer, "tokenizer");
    Objects.requireNonNull(forwardPass, "forwardPass");
    Objects.requireNonNull(engine, "engine");
  }

  /** A TensorFlow forward pass at a resolved {@code precision} ({@link Precision#FP32} or {@link Precision#BF16}). */
  public LoadedModel(TextTokenizer tokenizer, ForwardPass forwardPass, Precision precision) {
    this(tokenizer, forwardPass, ServingEngine.tensorflow(precision));
  }

  /** A forward pass that runs in fp32 on an engine that does not say ({@link ServingEngine#CUSTOM_FP32}). */
  public LoadedModel(TextTokenizer tokenizer, ForwardPass forwardPass) {
    this(tokenizer, forwardPass, ServingEngine.CUSTOM_FP32);
  }

  /** The precision the pass runs at: {@code fp32}, {@code bf16} or {@code int8}. */
  public String precision() {
    return engine.precision();
  }
}
