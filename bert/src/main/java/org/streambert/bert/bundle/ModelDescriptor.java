package org.streambert.bert.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.streambert.bert.embeddings.EmbeddingSpec;
import org.streambert.bert.heads.ClassificationHead;
import org.streambert.bert.heads.HeadSpec;
import org.streambert.bert.heads.TokenClassificationHead;

/**
 * The contents of a bundle's {@code model.json}. Schema (all fields required):
 *
 * <pre>{@code
 * {
 *   "name": "news-ner",                      // model name
 *   "version": "3",                          // model version, free text
 *   "created": "2025-01-31T12:00:00Z",       // ISO-8601 instant
 *   "bert_config": { "vocab_size": 30522,    // Google's bert_config.json, fields as written there;
 *                    "max_position_embeddings": 512, "hidden_size": 768, ... },  // other fields are kept verbatim
 *   "tokenizer": { "do_lower_case": true, "max_length": 128 },
 *   "heads": [
 *     { "type": "classification", "name": "topic", "labels": ["a", "b"], "multi_label": false },
 *     { "type": "token_classification", "name": "ner", "labels": ["O", "B-PER", "I-PER"] }
 *   ],
 *   "embeddings": { "pooling": "mean", "normalize": true }   // optional; absent = pooled, not normalised
 * }
 * }</pre>
 *
 * <p>Invariants checked on construction (IllegalArgumentException otherwise): non-blank name and version;
 * {@code bert_config} has positive integer {@code vocab_size} and {@code max_position_embeddings};
 * {@code tokenizer.max_length <= max_position_embeddings}; head names unique; at most one head of each kind (the
 * forward pass returns one class-probability and one token-probability output).
 *
 * @param bertConfig Google's BERT config object; copied on the way in and out, so this record stays immutable
 * @param embeddings what {@code Prediction.embedding()} is for this model (pooling, normalisation);
 *                   {@link EmbeddingSpec#DEFAULT} when {@code model.json} has no {@code "embeddings"}
 */
public record ModelDescriptor(
    String name, String version, Instant created, ObjectNode bertConfig, TokenizerSettings tokenizer,
    List<HeadSpec> heads, EmbeddingSpec embeddings) {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  public ModelDescriptor {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("name is blank");
    }
    if (version == null || version.isBlank()) {
      throw new IllegalArgumentException("version is blank");
    }
    Objects.requireNonNull(created, "created");
    Objects.requireNonNull(bertConfig, "bert_config");
    Objects.requireNonNull(tokenizer, "tokenizer");
    Objects.requireNonNull(heads, "heads");
    Objects.requireNonNull(embeddings, "embeddings");
    bertConfig = bertConfig.deepCopy();
    heads = List.copyOf(heads);
    int maxPositions = positiveInt(bertConfig, "max_position_embeddings");
    positiveInt(bertConfig, "vocab_size");
    if (tokenizer.maxLength() > maxPositions) {
      throw new IllegalArgumentException("tokenizer.max_length " + tokenizer.maxLength()
          + " exceeds bert_config.max_position_embeddings " + maxPositions);
    }
    Set<String> names = new HashSet<>();
    int classification = 0;
    int tokenClassification = 0;
    for (HeadSpec head : heads) {
      if (!names.add(head.name())) {
        throw new IllegalArgumentException("duplicate head name '" + head.name() + "'");
      }
      if (head instanceof ClassificationHead) {
        classification++;
      } else {
        tokenClassification++;
      }
    }
    if (classification > 1 || tokenClassification > 1) {
      throw new IllegalArgumentException("at most one classification and one token_classification head are supported,"
          + " got " + classification + " and " + tokenClassification);
    }
  }

  /** A descriptor whose embedding is BERT's pooled output ({@link EmbeddingSpec#DEFAULT}). */
  public ModelDescriptor(String name, String version, Instant created, ObjectNode bertConfig,
      TokenizerSettings tokenizer, List<HeadSpec> heads) {
    this(name, version, created, bertConfig, tokenizer, heads, EmbeddingSpec.DEFAULT);
  }

  /** This descriptor with another embedding. */
  public ModelDescriptor withEmbeddings(EmbeddingSpec spec) {
    return new ModelDescriptor(name, version, created, bertConfig, tokenizer, heads, spec);
  }

  /** Converts a map of Google bert_config.json fields (e.g. {@code "hidden_size" -> 768}) to the JSON object. */
  public static ObjectNode bertConfigOf(Map<String, ?> fields) {
    return MAPPER.valueToTree(fields);
  }

  @Override
  public ObjectNode bertConfig() {
    return bertConfig.deepCopy();
  }

  /** {@code bert_config.vocab_size}: rows of the embedding table, equal to the lines of {@code vocab.txt}. */
  public int vocabSize() {
    return bertConfig.get("vocab_size").intValue();
  }

  /** {@code bert_config.max_position_embeddings}: the longest sequence the model can take. */
  public int maxPositionEmbeddings() {
    return bertConfig.get("max_position_embeddings").intValue();
  }

  public Optional<ClassificationHead> classificationHead() {
    return heads.stream().filter(ClassificationHead.class::isInstance).map(ClassificationHead.class::cast)
        .findFirst();
  }

  public Optional<TokenClassificationHead> tokenClassificationHead() {
    return heads.stream().filter(TokenClassificationHead.class::isInstance).map(TokenClassificationHead.class::cast)
        .findFirst();
  }

  private static int positiveInt(ObjectNode config, String field) {
    JsonNode node = config.get(field);
    if (node == null || !node.canConvertToExactIntegral() || !node.canConvertToInt() || node.intValue() <= 0) {
      throw new IllegalArgumentException("bert_config." + field + " must be a positive integer, got " + node);
    }
    return node.intValue();
  }
}
