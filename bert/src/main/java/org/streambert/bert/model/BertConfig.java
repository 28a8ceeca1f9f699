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
    double initializerRange) {

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

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public BertConfig {
    positive("vocab_size", vocabSize);
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
        hiddenDropoutProb, attentionProbsDropoutProb, maxPositionEmbeddings, typeVocabSize, initializerRange);
  }

  /** Copy with another activation. */
  public BertConfig withHiddenAct(Activation act) {
    return new BertConfig(vocabSize, hiddenSize, numHiddenLayers, numAttentionHeads, intermediateSize, act,
        hiddenDropoutProb, attentionProbsDropoutProb, maxPositionEmbeddings, typeVocabSize, initializerRange);
  }

  /** Copy with other dropout probabilities (e.g. 0 for deterministic training tests). */
  public BertConfig withDropout(double hiddenDropout, double attentionDropout) {
    return new BertConfig(vocabSize, hiddenSize, numHiddenLayers, numAttentionHeads, intermediateSize, hiddenAct,
        hiddenDropout, attentionDropout, maxPositionEmbeddings, typeVocabSize, initializerRange);
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
    return new BertConfig(
        intField(root, "vocab_size", 0),
        intField(root, "hidden_size", DEFAULT_HIDDEN_SIZE),
        intField(root, "num_hidden_layers", DEFAULT_NUM_HIDDEN_LAYERS),
        intField(root, "num_attention_heads", DEFAULT_NUM_ATTENTION_HEADS),
        intField(root, "intermediate_size", DEFAULT_INTERMEDIATE_SIZE),
        root.has("hidden_act") ? Activation.fromConfigName(textField(root, "hidden_act")) : DEFAULT_HIDDEN_ACT,
        doubleField(root, "hidden_dropout_prob", DEFAULT_HIDDEN_DROPOUT_PROB),
        doubleField(root, "attention_probs_dropout_prob", DEFAULT_ATTENTION_PROBS_DROPOUT_PROB),
        intField(root, "max_position_embeddings", DEFAULT_MAX_POSITION_EMBEDDINGS),
        intField(root, "type_vocab_size", DEFAULT_TYPE_VOCAB_SIZE),
        doubleField(root, "initializer_range", DEFAULT_INITIALIZER_RANGE));
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

  /** Google's {@code bert_config.json} layout, keys sorted as in the released files. */
  public String toJson() {
    ObjectNode o = JSON.createObjectNode();
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
