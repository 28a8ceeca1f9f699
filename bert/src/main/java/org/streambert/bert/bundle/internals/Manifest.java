package org.streambert.bert.bundle.internals;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Collections;
import java.util.Iterator;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * {@code MANIFEST.json}: {@code {"format_version": 1, "files": {"relative/path": "sha256 hex", ...}}}, paths
 * relative to the bundle directory with {@code /} separators, sorted.
 */
public record Manifest(int formatVersion, SortedMap<String, String> files) {

  private static final Pattern HEX_SHA256 = Pattern.compile("[0-9a-f]{64}");

  public Manifest {
    files = Collections.unmodifiableSortedMap(new TreeMap<>(files));
  }

  public byte[] toJson() {
    ObjectNode root = ModelJson.MAPPER.createObjectNode();
    root.put("format_version", formatVersion);
    ObjectNode filesNode = root.putObject("files");
    files.forEach(filesNode::put);
    try {
      return ModelJson.MAPPER.writeValueAsBytes(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize MANIFEST.json", e);
    }
  }

  /** Parses the manifest; IllegalArgumentException names the problem. Paths are checked by the caller. */
  public static Manifest parse(byte[] json) {
    JsonNode root;
    try {
      root = ModelJson.MAPPER.readTree(json);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException("not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read: " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("top level is not a JSON object");
    }
    JsonNode version = root.get("format_version");
    if (version == null || !version.isInt()) {
      throw new IllegalArgumentException("format_version missing or not an integer");
    }
    JsonNode filesNode = root.get("files");
    if (filesNode == null || !filesNode.isObject()) {
      throw new IllegalArgumentException("files missing or not an object");
    }
    TreeMap<String, String> files = new TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = filesNode.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      JsonNode hash = entry.getValue();
      if (!hash.isTextual() || !HEX_SHA256.matcher(hash.textValue()).matches()) {
        throw new IllegalArgumentException("entry '" + entry.getKey() + "' is not a lower-case sha256 hex digest");
      }
      files.put(entry.getKey(), hash.textValue());
    }
    return new Manifest(version.intValue(), files);
  }
}
