package org.streambert.bert.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Hyper-parameters of a BERT encoder, as in google-research/bert {@code modeling.py: BertConfig} and its
 * {@code bert_config.json}. Immutable; the constructor validates every field and names the one that is wrong.
 *
 * @param vocabSize                 V, rows of the word embedding table ({@code vocab_size})
 * @param hiddenSize                H, width of every encoder layer ({@code hidden_size}); a multiple of the heads
 * @param numHiddenLayers           L, number of encoder layers ({@code num_hidden_layers})
 * @param numAttentionHeads         N, attention heads per layer ({@code num_attention_heads}); head size D = H / N
 * @param intermediateSize          width of the feed-forward layer ({@code intermediate_size})
 * @param hiddenAct                 feed-forward activation ({@code hidden_act})
 * @param hiddenDropoutProb         dropout on embeddings, attention output and feed-forward output in training
 *                                  ({@code hidden_dropout_prob})
 * @param attentionProbsDropoutProb dropout on attention probabilities in training
 *                                  ({@code attention_probs_dropout_prob})
 * @param maxPositionEmbeddings     rows of the position table, the longest sequence the model accepts
 *                                  ({@code max_position_embeddings})
 * @param typeVocabSize             rows of the token type (segment) table ({@code type_vocab_size})
 * @param initializerRange          stddev of the truncated-normal initialiser ({@code initializer_range})
 * @param family                    which published encoder this is ({@code model_family}, default {@code bert}); it
 *                                  names the weights in Hugging Face files and sets the defaults of the options below
 * @param layerNormEps              epsilon of every LayerNorm ({@code layer_norm_eps}; BERT 1e-12, RoBERTa 1e-5)
 * @param positionPaddingIdx        -1: position ids 0..T-1 (BERT); otherwise RoBERTa's
 *                                  {@code create_position_ids_from_input_ids}: real tokens get
 *                                  {@code padding_idx + 1 + (count of real tokens before them)}, padding keeps
 *                                  {@code padding_idx} ({@code position_padding_idx}, HF's {@code pad_token_id})
 * @param embeddingSize             E, width of the embedding tables ({@code embedding_size}); when it differs from H
 *                                  an {@code embeddings_project} dense layer maps E to H (ELECTRA)
 * @param headAct                   activation of the dense layer on the first token that the classification head
 *                                  reads ({@code head_act}): BERT's pooler and RoBERTa's head tanh, DistilBERT's
 *                                  {@code pre_classifier} ReLU, ELECTRA's head exact GELU
 */
public record BertConfig(
    int vocabSize,
    int hiddenSize,
    int numHiddenLayers,
    int numAttentionHeads,
    int intermediateSize,
    Activation hiddenAct,
    double hiddenDropoutProb,
    double attentionProbsDropoutProb,
    int maxPositionEmbeddings,
    int typeVocabSize,
    double initializerRange,
    ModelFamily family,
    double layerNormEps,
    int positionPaddingIdx,
    int embeddingSize,
    Activation headAct) {

  /** Vocabulary of the English uncased BERT models. */
  public static final int DEFAULT_VOCAB_SIZE = 30522;
  /** BERT-base width. */
  public static final int DEFAULT_HIDDEN_SIZE = 768;
  /** BERT-base depth. */
  public static final int DEFAULT_NUM_HIDDEN_LAYERS = 12;
  /** BERT-base heads (head size 64). */
  public static final int DEFAULT_NUM_ATTENTION_HEADS = 12;
  /** BERT-base feed-forward width (4 H). */
  public static final int DEFAULT_INTERMEDIATE_SIZE = 3072;
  /** Google's "gelu", the tanh approximation. */
  public static final Activation DEFAULT_HIDDEN_ACT = Activation.GELU_TANH;
  /** Paper value. */
  public static final double DEFAULT_HIDDEN_DROPOUT_PROB = 0.1;
  /** Paper value. */
  public static final double DEFAULT_ATTENTION_PROBS_DROPOUT_PROB = 0.1;
  /** Paper value. */
  public static final int DEFAULT_MAX_POSITION_EMBEDDINGS = 512;
  /**
   * Two segments (sentence A/B), as in every released {@code bert_config.json}; {@code modeling.py}'s constructor
   * default of 16 is never used by a released model.
   */
  public static final int DEFAULT_TYPE_VOCAB_SIZE = 2;
  /** Paper value. */
  public static final double DEFAULT_INITIALIZER_RANGE = 0.02;
  /** {@code modeling.py: layer_norm} ({@code tf.contrib.layers.layer_norm}) uses 1e-12. */
  public static final double DEFAULT_LAYER_NORM_EPS = 1e-12;
  /** RoBERTa, XLM-R and CamemBERT configs: {@code layer_norm_eps} 1e-5. */
  public static final double ROBERTA_LAYER_NORM_EPS = 1e-5;
  /** RoBERTa's {@code pad_token_id}, the padding index of its position ids. */
  public static final int ROBERTA_PADDING_IDX = 1;
  /** No position offset: ids 0..T-1. */
  public static final int NO_POSITION_OFFSET = -1;

  /** Key of {@link #family()}. */
  public static final String MODEL_FAMILY_KEY = "model_family";
  /** Key of {@link #layerNormEps()}. */
  public static final String LAYER_NORM_EPS_KEY = "layer_norm_eps";
  /** Key of {@link #positionPaddingIdx()}. */
  public static final String POSITION_PADDING_IDX_KEY = "position_padding_idx";
  /** Key of {@link #embeddingSize()}. */
  public static final String EMBEDDING_SIZE_KEY = "embedding_size";
  /** Key of {@link #headAct()}. */
  public static final String HEAD_ACT_KEY = "head_act";

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public BertConfig {
    positive("vocab_size", vocabSize);
    positive("embedding_size", embeddingSize);
    if (family == null) {
      throw new IllegalArgumentException("model_family is missing");
    }
    if (headAct == null) {
      throw new IllegalArgumentException("head_act is missing");
    }
    if (!(layerNormEps > 0 && layerNormEps < 1)) {
      throw new IllegalArgumentException("layer_norm_eps must be in (0, 1), got " + layerNormEps);
    }
    if (positionPaddingIdx < NO_POSITION_OFFSET || positionPaddingIdx >= maxPositionEmbeddings - 1) {
      throw new IllegalArgumentException("position_padding_idx must be -1 (no offset) or in [0, "
          + "max_position_embeddings - 1), got " + positionPaddingIdx);
    }
    positive("hidden_size", hiddenSize);
    positive("num_hidden_layers", numHiddenLayers);
    positive("num_attention_heads", numAttentionHeads);
    positive("intermediate_size", intermediateSize);
    positive("max_position_embeddings", maxPositionEmbeddings);
    positive("type_vocab_size", typeVocabSize);
    if (hiddenSize % numAttentionHeads != 0) {
      throw new IllegalArgumentException("hidden_size (" + hiddenSize + ") is not a multiple of num_attention_heads ("
          + numAttentionHeads + ")");
    }
    if (hiddenAct == null) {
      throw new IllegalArgumentException("hidden_act is missing");
    }
    probability("hidden_dropout_prob", hiddenDropoutProb);
    probability("attention_probs_dropout_prob", attentionProbsDropoutProb);
    if (!(initializerRange > 0) || Double.isInfinite(initializerRange)) {
      throw new IllegalArgumentException("initializer_range must be a positive number, got " + initializerRange);
    }
  }

  /** A BERT config (family {@code bert}, its LayerNorm epsilon, positions 0.., tanh pooler). */
  public BertConfig(int vocabSize, int hiddenSize, int numHiddenLayers, int numAttentionHeads, int intermediateSize,
      Activation hiddenAct, double hiddenDropoutProb, double attentionProbsDropoutProb, int maxPositionEmbeddings,
      int typeVocabSize, double initializerRange) {
    this(vocabSize, hiddenSize, numHiddenLayers, numAttentionHeads, intermediateSize, hiddenAct, hiddenDropoutProb,
        attentionProbsDropoutProb, maxPositionEmbeddings, typeVocabSize, initializerRange, ModelFamily.BERT,
        DEFAULT_LAYER_NORM_EPS, NO_POSITION_OFFSET, hiddenSize, Activation.TANH);
  }

  /** BERT-base (L=12, H=768, A=12) with the given vocabulary size. */
  public static BertConfig base(int vocabSize) {
    return new BertConfig(vocabSize, DEFAULT_HIDDEN_SIZE, DEFAULT_NUM_HIDDEN_LAYERS, DEFAULT_NUM_ATTENTION_HEADS,
        DEFAULT_INTERMEDIATE_SIZE, DEFAULT_HIDDEN_ACT, DEFAULT_HIDDEN_DROPOUT_PROB,
        DEFAULT_ATTENTION_PROBS_DROPOUT_PROB, DEFAULT_MAX_POSITION_EMBEDDINGS, DEFAULT_TYPE_VOCAB_SIZE,
        DEFAULT_INITIALIZER_RANGE);
  }

  /** Head size D = H / N. */
  public int headSize() {
    return hiddenSize / numAttentionHeads;
  }

  /**
   * This config with only the first {@code k} encoder layers; importing weights into it keeps layers
   * {@code 0..k-1} and ignores the rest.
   *
   * @throws IllegalArgumentException unless {@code 1 <= k <= numHiddenLayers}
   */
  public BertConfig truncated(int k) {
    if (k < 1 || k > numHiddenLayers) {
      throw new IllegalArgumentException("cannot keep " + k + " of " + numHiddenLayers + " encoder layers");
    }
    return withNumHiddenLayers(k);
  }

  /** Copy with another depth. */
  public BertConfig withNumHiddenLayers(int layers) {
    return new BertConfig(vocabSize, hiddenSize, layers, numAttentionHeads, intermediateSize, hiddenAct,
        hiddenDropoutProb, attentionProbsDropoutProb, maxPositionEmbeddings, typeVocabSize, initializerRange, family,
        layerNormEps, positionPaddingIdx, embeddingSize, headAct);
  }

  /** Copy with another activation. */
  public BertConfig withHiddenAct(Activation act) {
    return new BertConfig(vocabSize, hiddenSize, numHiddenLayers, numAttentionHeads, intermediateSize, act,
        hiddenDropoutProb, attentionProbsDropoutProb, maxPositionEmbeddings, typeVocabSize, initializerRange, family,
        layerNormEps, positionPaddingIdx, embeddingSize, headAct);
  }

  /** Copy with other dropout probabilities (e.g. 0 for deterministic training tests). */
  public BertConfig withDropout(double hiddenDropout, double attentionDropout) {
    return new BertConfig(vocabSize, hiddenSize, numHiddenLayers, numAttentionHeads, intermediateSize, hiddenAct,
        hiddenDropout, attentionDropout, maxPositionEmbeddings, typeVocabSize, initializerRange, family,
        layerNormEps, positionPaddingIdx, embeddingSize, headAct);
  }

  /**
   * Copy as a model of {@code f} with that family's defaults: RoBERTa, XLM-R and CamemBERT position offset
   * {@link #ROBERTA_PADDING_IDX}, epsilon {@link #ROBERTA_LAYER_NORM_EPS}, tanh head; DistilBERT ReLU head; ELECTRA
   * exact-GELU head; BERT positions from 0 and tanh pooler. Epsilon 1e-12 for the others; E unchanged.
   */
  public BertConfig asFamily(ModelFamily f) {
    boolean roberta = f.offsetPositions();
    Activation act = switch (f) {
      case DISTILBERT -> Activation.RELU;
      case ELECTRA -> Activation.GELU_ERF;
      default -> Activation.TANH;
    };
    return withOptions(f, roberta ? ROBERTA_LAYER_NORM_EPS : DEFAULT_LAYER_NORM_EPS,
        roberta ? ROBERTA_PADDING_IDX : NO_POSITION_OFFSET, embeddingSize, act);
  }

  /** Copy with every family option given. */
  public BertConfig withOptions(ModelFamily f, double eps, int paddingIdx, int embedding, Activation head) {
    return new BertConfig(vocabSize, hiddenSize, numHiddenLayers, numAttentionHeads, intermediateSize, hiddenAct,
        hiddenDropoutProb, attentionProbsDropoutProb, maxPositionEmbeddings, typeVocabSize, initializerRange, f, eps,
        paddingIdx, embedding, head);
  }

  /**
   * The longest sequence the position table serves: {@code max_position_embeddings}, less the
   * {@code padding_idx + 1} rows an offset family skips (514 - 2 = 512 for RoBERTa).
   */
  public int maxSequenceLength() {
    return maxPositionEmbeddings - (positionPaddingIdx + 1);
  }

  /** Whether the embeddings are narrower (or wider) than the encoder and go through {@code embeddings_project}. */
  public boolean projectsEmbeddings() {
    return embeddingSize != hiddenSize;
  }

  /** Whether every option has BERT's value (such a config writes Google's keys only). */
  public boolean isPlainBert() {
    return family == ModelFamily.BERT && layerNormEps == DEFAULT_LAYER_NORM_EPS
        && positionPaddingIdx == NO_POSITION_OFFSET && embeddingSize == hiddenSize && headAct == Activation.TANH;
  }

  /**
   * Parses Google's {@code bert_config.json}. Unknown keys (e.g. Hugging Face additions) are ignored; missing keys
   * take the {@code DEFAULT_*} values except {@code vocab_size}, which is required.
   *
   * @throws IllegalArgumentException when the JSON is malformed, a value has the wrong type, or validation fails
   */
  public static BertConfig fromJson(String json) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("bert_config.json is not valid JSON: " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("bert_config.json must be a JSON object");
    }
    if (!root.has("vocab_size")) {
      throw new IllegalArgumentException("bert_config.json has no vocab_size");
    }
    int hidden = intField(root, "hidden_size", DEFAULT_HIDDEN_SIZE);
    return new BertConfig(
        intField(root, "vocab_size", 0),
        hidden,
        intField(root, "num_hidden_layers", DEFAULT_NUM_HIDDEN_LAYERS),
        intField(root, "num_attention_heads", DEFAULT_NUM_ATTENTION_HEADS),
        intField(root, "intermediate_size", DEFAULT_INTERMEDIATE_SIZE),
        root.has("hidden_act") ? Activation.fromConfigName(textField(root, "hidden_act")) : DEFAULT_HIDDEN_ACT,
        doubleField(root, "hidden_dropout_prob", DEFAULT_HIDDEN_DROPOUT_PROB),
        doubleField(root, "attention_probs_dropout_prob", DEFAULT_ATTENTION_PROBS_DROPOUT_PROB),
        intField(root, "max_position_embeddings", DEFAULT_MAX_POSITION_EMBEDDINGS),
        intField(root, "type_vocab_size", DEFAULT_TYPE_VOCAB_SIZE),
        doubleField(root, "initializer_range", DEFAULT_INITIALIZER_RANGE),
        root.has(MODEL_FAMILY_KEY) ? ModelFamily.fromConfigName(textField(root, MODEL_FAMILY_KEY)) : ModelFamily.BERT,
        doubleField(root, LAYER_NORM_EPS_KEY, DEFAULT_LAYER_NORM_EPS),
        intField(root, POSITION_PADDING_IDX_KEY, NO_POSITION_OFFSET),
        intField(root, EMBEDDING_SIZE_KEY, hidden),
        root.has(HEAD_ACT_KEY) ? Activation.fromConfigName(textField(root, HEAD_ACT_KEY)) : Activation.TANH);
  }

  /** Reads a {@code bert_config.json} file; see {@link #fromJson}. */
  public static BertConfig read(Path file) {
    try {
      return fromJson(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Google's {@code bert_config.json} layout, keys sorted as in the released files; the family options
   * ({@code model_family}, {@code layer_norm_eps}, {@code position_padding_idx}, {@code embedding_size},
   * {@code head_act}) follow only when some differs from BERT's, so a BERT config is written as before.
   */
  public String toJson() {
    ObjectNode o = JSON.createObjectNode();
    if (!isPlainBert()) {
      o.put(EMBEDDING_SIZE_KEY, embeddingSize);
      o.put(HEAD_ACT_KEY, headAct.configName());
      o.put(LAYER_NORM_EPS_KEY, layerNormEps);
      o.put(MODEL_FAMILY_KEY, family.configName());
      o.put(POSITION_PADDING_IDX_KEY, positionPaddingIdx);
    }
    o.put("attention_probs_dropout_prob", attentionProbsDropoutProb);
    o.put("hidden_act", hiddenAct.configName());
    o.put("hidden_dropout_prob", hiddenDropoutProb);
    o.put("hidden_size", hiddenSize);
    o.put("initializer_range", initializerRange);
    o.put("intermediate_size", intermediateSize);
    o.put("max_position_embeddings", maxPositionEmbeddings);
    o.put("num_attention_heads", numAttentionHeads);
    o.put("num_hidden_layers", numHiddenLayers);
    o.put("type_vocab_size", typeVocabSize);
    o.put("vocab_size", vocabSize);
    try {
      return JSON.writeValueAsString(o) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Writes {@link #toJson()} to {@code file}. */
  public void write(Path file) {
    try {
      Files.writeString(file, toJson(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  private static void positive(String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive, got " + value);
    }
  }

  private static void probability(String name, double p) {
    if (!(p >= 0 && p < 1)) {
      throw new IllegalArgumentException(name + " must be in [0, 1), got " + p);
    }
  }

  private static int intField(JsonNode root, String key, int dflt) {
    JsonNode n = root.get(key);
    if (n == null || n.isNull()) {
      return dflt;
    }
    if (!n.isIntegralNumber() || !n.canConvertToInt()) {
      throw new IllegalArgumentException(key + " must be an integer, got " + n);
    }
    return n.intValue();
  }

  private static double doubleField(JsonNode root, String key, double dflt) {
    JsonNode n = root.get(key);
    if (n == null || n.isNull()) {
      return dflt;
    }
    if (!n.isNumber()) {
      throw new IllegalArgumentException(key + " must be a number, got " + n);
    }
    return n.doubleValue();
  }

  private static String textField(JsonNode root, String key) {
    JsonNode n = root.get(key);
    if (!n.isTextual()) {
      throw new IllegalArgumentException(key + " must be a string, got " + n);
    }
    return n.textValue();
  }
}
