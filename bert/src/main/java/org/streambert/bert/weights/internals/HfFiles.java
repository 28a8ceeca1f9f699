package org.streambert.bert.weights.internals;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.streambert.bert.tokenizer.Vocab;
import org.streambert.bert.tokenizer.internals.TokenizerJsonReader;

/**
 * Bounded readers of the small files of a Hugging Face model directory: JSON files ({@code config.json},
 * {@code tokenizer_config.json}, sentence-transformers' {@code modules.json}, ...), {@code vocab.txt} and the WordPiece
 * vocabulary of {@code tokenizer.json}. Every file is size-checked before it is read, must be a regular file inside
 * its directory (no symbolic link leading out), and JSON nesting, string and number lengths are bounded.
 */
public final class HfFiles {
  /** Largest small JSON file read ({@code config.json}, {@code tokenizer_config.json}, ...). */
  public static final long MAX_JSON_BYTES = 1 << 20;
  /** Largest {@code tokenizer.json} (bert-base's is 0.7 MB, multilingual 2 MB). */
  public static final long MAX_TOKENIZER_JSON_BYTES = 64L << 20;
  /** Largest {@code vocab.txt}. */
  public static final long MAX_VOCAB_BYTES = 32L << 20;
  /** Most vocabulary entries (multilingual BERT has 119,547). */
  public static final int MAX_VOCAB_ENTRIES = 1_000_000;
  /** Longest vocabulary entry, in characters. */
  public static final int MAX_TOKEN_CHARS = 1_000;

  private static final ObjectMapper JSON = new ObjectMapper();

  static {
    JSON.getFactory().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    JSON.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
        .maxNestingDepth(32).maxStringLength(1 << 20).maxNumberLength(64).build());
  }

  private HfFiles() {}

  /** {@code dir/name} when it is a regular file inside {@code dir} (after resolving links), else empty. */
  public static Optional<Path> file(Path dir, String name) throws IOException {
    if (name.isEmpty() || name.contains("..") || name.startsWith("/") || name.contains("\\")) {
      throw new IllegalArgumentException("illegal file name '" + name + "'");
    }
    Path f = dir.resolve(name);
    if (!Files.exists(f, LinkOption.NOFOLLOW_LINKS)) {
      return Optional.empty();
    }
    if (!Files.isRegularFile(f) || !f.toRealPath().startsWith(dir.toRealPath())) {
      throw new IllegalArgumentException(f + " is not a regular file inside " + dir
          + " (a directory, device or symbolic link leading outside)");
    }
    return Optional.of(f);
  }

  /**
   * A JSON object file of at most {@code maxBytes}.
   *
   * @throws IllegalArgumentException naming the file when it is too large, not JSON, or not an object
   */
  public static JsonNode readJsonObject(Path file, long maxBytes) throws IOException {
    JsonNode root = readJson(file, maxBytes);
    if (!root.isObject()) {
      throw new IllegalArgumentException(file + " is not a JSON object");
    }
    return root;
  }

  /** Any JSON value from a file of at most {@code maxBytes}, with the bounds of this class. */
  public static JsonNode readJson(Path file, long maxBytes) throws IOException {
    long size = Files.size(file);
    if (size > maxBytes) {
      throw new IllegalArgumentException(file + " is " + size + " bytes, more than the " + maxBytes + " accepted");
    }
    JsonNode root;
    try {
      root = JSON.readTree(new ByteArrayInputStream(Files.readAllBytes(file)));
    } catch (IOException e) {
      throw new IllegalArgumentException(file + " is not valid JSON: " + firstLine(e.getMessage()));
    }
    if (root == null) {
      throw new IllegalArgumentException(file + " is empty");
    }
    return root;
  }

  /** Reads {@code vocab.txt} after checking its size and entry count. */
  public static Vocab readVocabTxt(Path file) throws IOException {
    long size = Files.size(file);
    if (size > MAX_VOCAB_BYTES) {
      throw new IllegalArgumentException(file + " is " + size + " bytes, more than the " + MAX_VOCAB_BYTES
          + " accepted");
    }
    byte[] bytes = Files.readAllBytes(file);
    int lines = 0;
    for (byte b : bytes) {
      if (b == '\n' && ++lines > MAX_VOCAB_ENTRIES) {
        throw new IllegalArgumentException(file + " has more than " + MAX_VOCAB_ENTRIES + " entries");
      }
    }
    return Vocab.read(new ByteArrayInputStream(bytes), file.toString());
  }

  /** What a WordPiece {@code tokenizer.json} says. */
  public record TokenizerJson(Vocab vocab, Optional<Boolean> lowercase, int maxInputCharsPerWord) {}

  /**
   * The vocabulary and casing of a {@code tokenizer.json} whose model is WordPiece with the {@code ##} prefix and
   * {@code [UNK]}; its normalizer's {@code lowercase} if it is a {@code BertNormalizer}.
   *
   * @throws IllegalArgumentException naming the file for another model type (BPE, Unigram, WordLevel: RoBERTa, GPT-2,
   *                                  SentencePiece), ids that are not exactly 0..n-1, or entries over the bounds
   */
  public static TokenizerJson readTokenizerJson(Path file) throws IOException {
    long size = Files.size(file);
    if (size > MAX_TOKENIZER_JSON_BYTES) {
      throw new IllegalArgumentException(file + " is " + size + " bytes, more than the " + MAX_TOKENIZER_JSON_BYTES
          + " accepted");
    }
    JsonNode root = readJsonObject(file, MAX_TOKENIZER_JSON_BYTES);
    JsonNode model = root.get("model");
    if (model == null || !model.isObject()) {
      throw new IllegalArgumentException(file + " has no model object");
    }
    String type = TokenizerJsonReader.modelType(model); // the Hub's older files have no model.type
    if (!type.equals("WordPiece")) {
      throw new IllegalArgumentException(file + ": tokenizer model \"" + printable(type) + "\" is not WordPiece; only "
          + "BERT-family WordPiece tokenizers are supported (RoBERTa/GPT-2 byte-level BPE and SentencePiece Unigram "
          + "are out of scope)");
    }
    String prefix = text(model, "continuing_subword_prefix").orElse("##");
    if (!prefix.equals("##")) {
      throw new IllegalArgumentException(file + ": continuing_subword_prefix \"" + printable(prefix)
          + "\" is not ##");
    }
    String unk = text(model, "unk_token").orElse(Vocab.UNK);
    if (!unk.equals(Vocab.UNK)) {
      throw new IllegalArgumentException(file + ": unk_token \"" + printable(unk) + "\" is not " + Vocab.UNK);
    }
    int maxChars = 100; // tokenizers' WordPiece default
    JsonNode mc = model.get("max_input_chars_per_word");
    if (mc != null && !mc.isNull()) {
      if (!mc.canConvertToInt() || !mc.isIntegralNumber() || mc.intValue() < 1) {
        throw new IllegalArgumentException(file + ": max_input_chars_per_word is not a positive integer");
      }
      maxChars = mc.intValue();
    }
    JsonNode vocabNode = model.get("vocab");
    if (vocabNode == null || !vocabNode.isObject()) {
      throw new IllegalArgumentException(file + ": model.vocab is not an object of token to id");
    }
    int n = vocabNode.size();
    if (n == 0 || n > MAX_VOCAB_ENTRIES) {
      throw new IllegalArgumentException(file + ": model.vocab has " + n + " entries, expected 1.." + MAX_VOCAB_ENTRIES);
    }
    String[] tokens = new String[n];
    for (Iterator<Map.Entry<String, JsonNode>> it = vocabNode.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode id = e.getValue();
      if (!id.isIntegralNumber() || !id.canConvertToInt() || id.intValue() < 0 || id.intValue() >= n) {
        throw new IllegalArgumentException(file + ": id of token \"" + printable(e.getKey()) + "\" is not in [0, " + n
            + ")");
      }
      if (e.getKey().isEmpty() || e.getKey().length() > MAX_TOKEN_CHARS || e.getKey().indexOf('\n') >= 0
          || e.getKey().indexOf('\r') >= 0) {
        throw new IllegalArgumentException(file + ": token with id " + id.intValue() + " is empty, longer than "
            + MAX_TOKEN_CHARS + " characters or holds a line break");
      }
      if (tokens[id.intValue()] != null) {
        throw new IllegalArgumentException(file + ": id " + id.intValue() + " is used twice");
      }
      tokens[id.intValue()] = e.getKey();
    }
    // n distinct ids in [0, n): every id is used exactly once.
    Optional<Boolean> lowercase = Optional.empty();
    JsonNode normalizer = root.get("normalizer");
    if (normalizer != null && normalizer.isObject() && text(normalizer, "type").orElse("").equals("BertNormalizer")) {
      JsonNode lc = normalizer.get("lowercase");
      if (lc != null && lc.isBoolean()) {
        lowercase = Optional.of(lc.booleanValue());
      }
    }
    return new TokenizerJson(Vocab.of(new ArrayList<>(Arrays.asList(tokens))), lowercase, maxChars);
  }

  /** A string field, if present and textual. */
  public static Optional<String> text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v != null && v.isTextual() ? Optional.of(v.textValue()) : Optional.empty();
  }

  /** The string values of an array field, empty when absent. */
  public static List<String> texts(JsonNode node, String field) {
    JsonNode v = node.get(field);
    List<String> out = new ArrayList<>();
    if (v != null && v.isArray()) {
      v.forEach(x -> {
        if (x.isTextual()) {
          out.add(x.textValue());
        }
      });
    }
    return out;
  }

  /** A value safe to put in a message: control characters escaped, at most 100 characters. */
  public static String printable(String s) {
    return TokenizerJsonReader.printable(s);
  }

  private static String firstLine(String s) {
    return TokenizerJsonReader.firstLine(s);
  }
}
