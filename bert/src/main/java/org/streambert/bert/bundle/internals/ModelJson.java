package org.streambert.bert.bundle.internals;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import org.streambert.bert.bundle.ModelDescriptor;
import org.streambert.bert.bundle.TokenizerSettings;
import org.streambert.bert.embeddings.EmbeddingPooling;
import org.streambert.bert.embeddings.EmbeddingSpec;
import org.streambert.bert.heads.ClassificationHead;
import org.streambert.bert.heads.HeadSpec;
import org.streambert.bert.heads.TokenClassificationHead;

/** Reads and writes {@code model.json} (schema documented on {@link ModelDescriptor}). */
public final class ModelJson {

  static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private static final String CLASSIFICATION = "classification";
  private static final String TOKEN_CLASSIFICATION = "token_classification";

  private ModelJson() {
  }

  public static byte[] write(ModelDescriptor model) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("name", model.name());
    root.put("version", model.version());
    root.put("created", model.created().toString());
    root.set("bert_config", model.bertConfig());
    ObjectNode tokenizer = root.putObject("tokenizer");
    tokenizer.put("do_lower_case", model.tokenizer().doLowerCase());
    tokenizer.put("max_length", model.tokenizer().maxLength());
    ArrayNode heads = root.putArray("heads");
    for (HeadSpec head : model.heads()) {
      ObjectNode node = heads.addObject();
      node.put("type", head instanceof ClassificationHead ? CLASSIFICATION : TOKEN_CLASSIFICATION);
      node.put("name", head.name());
      ArrayNode labels = node.putArray("labels");
      head.labels().forEach(labels::add);
      if (head instanceof ClassificationHead classification) {
        node.put("multi_label", classification.multiLabel());
      }
    }
    if (!model.embeddings().equals(EmbeddingSpec.DEFAULT)) { // absent = default: older bundles stay byte-identical
      ObjectNode embeddings = root.putObject("embeddings");
      embeddings.put("pooling", model.embeddings().pooling().configName());
      embeddings.put("normalize", model.embeddings().normalize());
    }
    try {
      return MAPPER.writeValueAsBytes(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize model.json", e);
    }
  }

  /**
   * Parses {@code model.json}.
   *
   * @throws IllegalArgumentException with a message naming the offending field
   */
  public static ModelDescriptor parse(byte[] json) {
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException("not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read: " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("top level is not a JSON object");
    }
    Instant created;
    try {
      created = Instant.parse(text(root, "created"));
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("created is not an ISO-8601 instant: " + root.get("created"));
    }
    JsonNode bertConfig = required(root, "bert_config");
    if (!bertConfig.isObject()) {
      throw new IllegalArgumentException("bert_config is not an object");
    }
    JsonNode tokenizerNode = required(root, "tokenizer");
    JsonNode lower = required(tokenizerNode, "do_lower_case");
    JsonNode maxLength = required(tokenizerNode, "max_length");
    if (!lower.isBoolean() || !maxLength.canConvertToInt() || !maxLength.isIntegralNumber()) {
      throw new IllegalArgumentException("tokenizer needs boolean do_lower_case and integer max_length");
    }
    TokenizerSettings tokenizer = new TokenizerSettings(lower.booleanValue(), maxLength.intValue());
    JsonNode headsNode = required(root, "heads");
    if (!headsNode.isArray()) {
      throw new IllegalArgumentException("heads is not an array");
    }
    List<HeadSpec> heads = new ArrayList<>();
    for (JsonNode head : headsNode) {
      heads.add(parseHead(head));
    }
    EmbeddingSpec embeddings = EmbeddingSpec.DEFAULT;
    JsonNode embeddingsNode = root.get("embeddings");
    if (embeddingsNode != null && !embeddingsNode.isNull()) {
      JsonNode normalize = embeddingsNode.get("normalize");
      if (!embeddingsNode.isObject() || normalize == null || !normalize.isBoolean()) {
        throw new IllegalArgumentException("embeddings needs string pooling and boolean normalize");
      }
      embeddings = new EmbeddingSpec(EmbeddingPooling.fromConfigName(text(embeddingsNode, "pooling")),
          normalize.booleanValue());
    }
    return new ModelDescriptor(text(root, "name"), text(root, "version"), created, (ObjectNode) bertConfig,
        tokenizer, heads, embeddings);
  }

  private static HeadSpec parseHead(JsonNode head) {
    String type = text(head, "type");
    String name = text(head, "name");
    JsonNode labelsNode = required(head, "labels");
    if (!labelsNode.isArray()) {
      throw new IllegalArgumentException("labels of head '" + name + "' is not an array");
    }
    List<String> labels = new ArrayList<>();
    for (JsonNode label : labelsNode) {
      if (!label.isTextual()) {
        throw new IllegalArgumentException("head '" + name + "' has a non-string label " + label);
      }
      labels.add(label.textValue());
    }
    switch (type) {
      case CLASSIFICATION -> {
        JsonNode multi = required(head, "multi_label");
        if (!multi.isBoolean()) {
          throw new IllegalArgumentException("multi_label of head '" + name + "' is not a boolean");
        }
        return new ClassificationHead(name, labels, multi.booleanValue());
      }
      case TOKEN_CLASSIFICATION -> {
        return new TokenClassificationHead(name, labels);
      }
      default -> throw new IllegalArgumentException("head '" + name + "' has unknown type '" + type + "' (expected "
          + CLASSIFICATION + " or " + TOKEN_CLASSIFICATION + ")");
    }
  }

  private static JsonNode required(JsonNode parent, String field) {
    JsonNode node = parent.get(field);
    if (node == null || node.isNull()) {
      throw new IllegalArgumentException("missing field '" + field + "'");
    }
    return node;
  }

  private static String text(JsonNode parent, String field) {
    JsonNode node = required(parent, field);
    if (!node.isTextual()) {
      throw new IllegalArgumentException("field '" + field + "' is not a string");
    }
    return node.textValue();
  }
}
