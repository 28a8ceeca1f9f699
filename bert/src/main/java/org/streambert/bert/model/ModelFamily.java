package org.streambert.bert.model;

import java.util.Arrays;
import java.util.Locale;

/**
 * Which published encoder a {@link BertConfig} describes. The graph is the same BERT encoder for all of them; a family
 * only fixes the defaults of {@link BertConfig}'s named options (position offset, LayerNorm epsilon, embedding width,
 * the head's activation) and the parameter names of its Hugging Face files. A {@code bert_config.json} without
 * {@code model_family} is {@link #BERT}, so bundles written before families existed load as they did.
 */
public enum ModelFamily {
  /** google-research/bert and HF {@code model_type} {@code bert}: positions 0.., tanh pooler, eps 1e-12. */
  BERT("bert", "bert", "Bert", "bert."),
  /**
   * RoBERTa ({@code modeling_roberta.py}): positions start after {@code padding_idx}, one token-type row, eps 1e-5,
   * classification head dense → tanh → out_proj on {@code <s>}.
   */
  ROBERTA("roberta", "roberta", "Roberta", "roberta."),
  /** XLM-RoBERTa: RoBERTa's graph and names ({@code XLMRoberta...} classes, {@code roberta.} prefix). */
  XLM_ROBERTA("xlm-roberta", "xlm-roberta", "XLMRoberta", "roberta."),
  /** CamemBERT: RoBERTa's graph and names ({@code Camembert...} classes, {@code roberta.} prefix). */
  CAMEMBERT("camembert", "camembert", "Camembert", "roberta."),
  /**
   * DistilBERT ({@code modeling_distilbert.py}): no token types, its own layer names, classification head
   * {@code pre_classifier} → ReLU → {@code classifier}.
   */
  DISTILBERT("distilbert", "distilbert", "DistilBert", "distilbert."),
  /**
   * ELECTRA discriminators ({@code modeling_electra.py}): embeddings of width {@code embedding_size} projected to the
   * hidden width, classification head dense → GELU → out_proj on the first token.
   */
  ELECTRA("electra", "electra", "Electra", "electra.");

  private final String configName;
  private final String hfModelType;
  private final String hfClassPrefix;
  private final String hfPrefix;

  ModelFamily(String configName, String hfModelType, String hfClassPrefix, String hfPrefix) {
    this.configName = configName;
    this.hfModelType = hfModelType;
    this.hfClassPrefix = hfClassPrefix;
    this.hfPrefix = hfPrefix;
  }

  /** The {@code model_family} value in {@code bert_config.json}. */
  public String configName() {
    return configName;
  }

  /** Hugging Face's {@code model_type}. */
  public String hfModelType() {
    return hfModelType;
  }

  /** The prefix of Hugging Face's class names ({@code Roberta} in {@code RobertaForSequenceClassification}). */
  public String hfClassPrefix() {
    return hfClassPrefix;
  }

  /** The prefix of the encoder's parameters in Hugging Face task models ({@code roberta.}). */
  public String hfPrefix() {
    return hfPrefix;
  }

  /** Whether position ids start after the padding index ({@code create_position_ids_from_input_ids}). */
  public boolean offsetPositions() {
    return this == ROBERTA || this == XLM_ROBERTA || this == CAMEMBERT;
  }

  /** The family named {@code name} (a {@link #configName()} or HF {@code model_type}), case-insensitive. */
  public static ModelFamily fromConfigName(String name) {
    String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT).replace('_', '-');
    for (ModelFamily f : values()) {
      if (f.configName.equals(n) || f.hfModelType.equals(n)) {
        return f;
      }
    }
    throw new IllegalArgumentException("unknown model_family \"" + name + "\"; accepted: "
        + Arrays.stream(values()).map(ModelFamily::configName).toList());
  }
}
