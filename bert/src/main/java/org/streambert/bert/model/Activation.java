package org.streambert.bert.model;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The feed-forward activation of the encoder ({@code hidden_act} in {@code bert_config.json}).
 *
 * <p>The two GELU variants are named by their formula because the string {@code "gelu"} means different things in
 * different code bases: in google-research/bert ({@code modeling.py: gelu}) it is the tanh approximation, in
 * Hugging Face transformers it is the exact erf form.
 */
public enum Activation {
  /** {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}: Google's {@code "gelu"}, used by all released BERTs. */
  GELU_TANH("gelu"),
  /** {@code 0.5 x (1 + erf(x / sqrt(2)))}: Hugging Face's {@code "gelu"}; never used by Google's configs. */
  GELU_ERF("gelu_erf"),
  /** {@code max(0, x)}. */
  RELU("relu"),
  /** {@code tanh(x)}. */
  TANH("tanh");

  private final String configName;

  Activation(String configName) {
    this.configName = configName;
  }

  /** The name written to {@code bert_config.json}; {@link #fromConfigName} maps it back to this constant. */
  public String configName() {
    return configName;
  }

  /**
   * Reads a {@code hidden_act} value with Google's meaning: {@code "gelu"}, {@code "gelu_new"} and
   * {@code "gelu_pytorch_tanh"} are {@link #GELU_TANH}; {@code "gelu_erf"} and {@code "gelu_exact"} are
   * {@link #GELU_ERF}; {@code "relu"}; {@code "tanh"}. Case-insensitive.
   *
   * @throws IllegalArgumentException for any other name, listing the accepted ones
   */
  public static Activation fromConfigName(String name) {
    if (name == null) {
      throw new IllegalArgumentException("hidden_act is missing");
    }
    switch (name.trim().toLowerCase(Locale.ROOT)) {
      case "gelu", "gelu_new", "gelu_pytorch_tanh" -> {
        return GELU_TANH;
      }
      case "gelu_erf", "gelu_exact" -> {
        return GELU_ERF;
      }
      case "relu" -> {
        return RELU;
      }
      case "tanh" -> {
        return TANH;
      }
      default -> throw new IllegalArgumentException("unsupported hidden_act \"" + name + "\"; accepted: "
          + "gelu, gelu_new, gelu_pytorch_tanh (tanh-approximated GELU), gelu_erf, gelu_exact (exact GELU), "
          + Arrays.stream(new Activation[] {RELU, TANH}).map(Activation::configName)
              .collect(Collectors.joining(", ")));
    }
  }
}
