package org.streambert.bert.tokenizer.internals;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.streambert.bert.tokenizer.InvalidTokenizerException;
import org.streambert.bert.tokenizer.SpecialTokens;
import org.streambert.bert.tokenizer.TokenizerKind;
import org.streambert.bert.tokenizer.Vocab;

/**
 * Reads and bounds a Hugging Face {@code tokenizer.json} in Java before anything is handed to the native library:
 * file size, JSON nesting and string lengths, vocabulary and merge counts, token lengths, regular expression lengths,
 * and an allow-list of models and pipeline components. Infers the model type from the fields when {@code model.type}
 * is absent, as the library's untagged deserialisation does (the Hub's older files: bert-base-uncased, roberta-base).
 * Reads the special-token template from the post-processor and the special ids from the vocabulary.
 */
public final class TokenizerJsonReader {

  /** Largest {@code tokenizer.json} (xlm-roberta-base's is 17 MB, bert-base's 0.7 MB). */
  public static final long MAX_BYTES = 64L << 20;
  /** Most vocabulary entries, added tokens included (xlm-roberta-base: 250,002). */
  public static final int MAX_VOCAB_ENTRIES = 1_000_000;
  /** Most BPE merges (roberta-base: 50,000). */
  public static final int MAX_MERGES = 1_000_000;
  /** Longest vocabulary entry or merge side, in chars. */
  public static final int MAX_TOKEN_CHARS = 1_000;
  /** Most added tokens. */
  public static final int MAX_ADDED_TOKENS = 10_000;
  /** Most pipeline components (normalizers, pre-tokenizers, processors, decoders, nested sequences included). */
  public static final int MAX_COMPONENTS = 64;
  /** Longest regular expression or replacement pattern of a {@code Split} or {@code Replace} component. */
  public static final int MAX_PATTERN_CHARS = 1_000;
  /** Longest JSON string (the {@code Precompiled} normaliser's base64 charsmap: xlm-roberta's is about 320 KB). */
  public static final int MAX_STRING_CHARS = 16 << 20;
  /** Deepest JSON nesting. */
  public static final int MAX_NESTING = 32;

  private static final ObjectMapper JSON = new ObjectMapper();

  static {
    JSON.getFactory().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    JSON.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
        .maxNestingDepth(MAX_NESTING).maxStringLength(MAX_STRING_CHARS).maxNumberLength(64).build());
  }

  private static final Set<String> NORMALIZERS = Set.of("BertNormalizer", "Precompiled", "Sequence", "Lowercase",
      "NFC", "NFD", "NFKC", "NFKD", "StripAccents", "Strip", "Replace", "Prepend", "ByteLevel", "Nmt");
  private static final Set<String> PRE_TOKENIZERS = Set.of("BertPreTokenizer", "ByteLevel", "Metaspace",
      "Whitespace", "WhitespaceSplit", "Sequence", "Split", "Punctuation", "Digits", "UnicodeScripts",
      "CharDelimiterSplit");
  private static final Set<String> PROCESSORS = Set.of("BertProcessing", "RobertaProcessing", "TemplateProcessing",
      "ByteLevel", "Sequence");
  private static final Set<String> DECODERS = Set.of("WordPiece", "ByteLevel", "Metaspace", "BPEDecoder", "CTC",
      "Sequence", "Replace", "Fuse", "Strip", "ByteFallback");

  /**
   * What a checked {@code tokenizer.json} says.
   *
   * @param bytes          the file's bytes as checked (hand these, not the path, to the native library)
   * @param kind           the tokenization model
   * @param vocabSize      largest id + 1 over the model's vocabulary and the added tokens
   * @param template       the special-token template of the post-processor (empty when there is none)
   * @param clsId          the template's first special id, else {@code <s>}/{@code [CLS]}, else -1
   * @param sepId          the template's last special id, else {@code </s>}/{@code [SEP]}, else -1
   * @param padId          {@code padding.pad_id}, else {@code <pad>}/{@code [PAD]}, else 0
   * @param unkId          the model's unknown token, else -1
   * @param maskId         {@code <mask>}/{@code [MASK]}, else -1
   * @param wordPieceVocab for WordPiece with ids exactly 0..n-1 and BERT's special tokens: the vocabulary
   * @param lowercase      a {@code BertNormalizer}'s {@code lowercase}, when the normaliser is one
   * @param bertPipeline   whether the pure-Java {@code WordPieceTokenizer} reproduces the file exactly: WordPiece with
   *                       {@code ##} and {@code [UNK]}, {@code BertNormalizer} (clean text, CJK split, accents
   *                       stripped exactly when lower-casing), {@code BertPreTokenizer}, BERT's template
   * @param maxInputCharsPerWord WordPiece's longest word (the library's default is 100)
   */
  public record Checked(byte[] bytes, TokenizerKind kind, int vocabSize, SpecialTokens template, int clsId,
      int sepId, int padId, int unkId, int maskId, Optional<Vocab> wordPieceVocab, Optional<Boolean> lowercase,
      boolean bertPipeline, int maxInputCharsPerWord) {}

  private TokenizerJsonReader() {}

  /** Reads and checks {@code file}; see the class comment. */
  public static Checked read(Path file) throws IOException {
    long size = Files.size(file);
    if (size > MAX_BYTES) {
      throw refuse(file, "is " + size + " bytes, more than the " + MAX_BYTES + " accepted");
    }
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes((int) MAX_BYTES + 1);
    }
    if (bytes.length > MAX_BYTES) {
      throw refuse(file, "grew beyond " + MAX_BYTES + " bytes while being read");
    }
    return check(bytes, file.toString());
  }

  /** Checks the bytes of a {@code tokenizer.json}; {@code source} names it in messages. */
  public static Checked check(byte[] bytes, String source) {
    JsonNode root;
    try {
      root = JSON.readTree(bytes);
    } catch (IOException e) {
      throw new InvalidTokenizerException(source + " is not valid JSON: " + firstLine(e.getMessage()));
    }
    if (root == null || !root.isObject()) {
      throw new InvalidTokenizerException(source + " is not a JSON object");
    }
    JsonNode model = root.get("model");
    if (model == null || !model.isObject()) {
      throw new InvalidTokenizerException(source + " has no model object");
    }
    TokenizerKind kind = kind(model, source);
    Map<String, Integer> ids = new HashMap<>();
    int vocabSize = switch (kind) {
      case BPE -> bpe(model, source, ids);
      case UNIGRAM -> unigram(model, source, ids);
      case WORD_PIECE -> vocabObject(model, source, ids);
    };
    vocabSize = Math.max(vocabSize, addedTokens(root, source, ids));

    int[] count = {0};
    component(root.get("normalizer"), "normalizer", NORMALIZERS, "normalizers", source, count);
    component(root.get("pre_tokenizer"), "pre_tokenizer", PRE_TOKENIZERS, "pretokenizers", source, count);
    component(root.get("post_processor"), "post_processor", PROCESSORS, "processors", source, count);
    component(root.get("decoder"), "decoder", DECODERS, "decoders", source, count);

    SpecialTokens template = template(root.get("post_processor"), source, ids, vocabSize);
    int[] prefix = template.prefix();
    int[] suffix = template.suffix();
    int[] middle = template.middle();
    int cls = prefix.length > 0 ? prefix[0] : first(ids, "<s>", "[CLS]", "<cls>");
    int sep = suffix.length > 0 ? suffix[suffix.length - 1]
        : middle.length > 0 ? middle[0] : first(ids, "</s>", "[SEP]", "<sep>");
    int pad = padId(root, ids);
    int unk = unkId(model, kind, ids, vocabSize);
    int mask = first(ids, "<mask>", "[MASK]");

    Optional<Vocab> wpVocab = Optional.empty();
    Optional<Boolean> lowercase = Optional.empty();
    boolean bertPipeline = false;
    int maxChars = 100; // tokenizers' WordPiece default
    JsonNode normalizer = root.get("normalizer");
    if (normalizer != null && normalizer.isObject() && text(normalizer, "type").equals("BertNormalizer")) {
      JsonNode lc = normalizer.get("lowercase");
      lowercase = Optional.of(lc == null || !lc.isBoolean() || lc.booleanValue()); // BertNormalizer default: true
    }
    if (kind == TokenizerKind.WORD_PIECE) {
      JsonNode mc = model.get("max_input_chars_per_word");
      if (mc != null && !mc.isNull()) {
        if (!mc.isIntegralNumber() || !mc.canConvertToInt() || mc.intValue() < 1) {
          throw new InvalidTokenizerException(source + ": model.max_input_chars_per_word is not a positive integer");
        }
        maxChars = mc.intValue();
      }
      wpVocab = contiguousVocab(ids, vocabSize);
      bertPipeline = wpVocab.isPresent() && isBertPipeline(root, model, wpVocab.get(), template);
    }
    return new Checked(bytes, kind, vocabSize, template, cls, sep, pad, unk, mask, wpVocab, lowercase, bertPipeline,
        maxChars);
  }

  /**
   * The model type of a {@code tokenizer.json}'s {@code model} object: {@code model.type}, or when it is absent (the
   * Hub's older files) inferred from the fields as the library's untagged deserialisation does: {@code merges} makes
   * it BPE, a vocabulary array Unigram, {@code continuing_subword_prefix} or {@code max_input_chars_per_word}
   * WordPiece, a vocabulary object alone WordLevel; "" when nothing fits.
   */
  public static String modelType(JsonNode model) {
    String type = text(model, "type");
    if (type.isEmpty()) {
      JsonNode vocab = model.get("vocab");
      if (model.has("merges")) {
        type = "BPE";
      } else if (vocab != null && vocab.isArray()) {
        type = "Unigram";
      } else if (model.has("continuing_subword_prefix") || model.has("max_input_chars_per_word")) {
        type = "WordPiece";
      } else if (vocab != null && vocab.isObject()) {
        type = "WordLevel";
      }
    }
    return type;
  }

  static TokenizerKind kind(JsonNode model, String source) {
    String type = modelType(model);
    return switch (type) {
      case "BPE" -> TokenizerKind.BPE;
      case "Unigram" -> TokenizerKind.UNIGRAM;
      case "WordPiece" -> TokenizerKind.WORD_PIECE;
      default -> throw new InvalidTokenizerException(source + ": tokenizer model \"" + printable(type)
          + "\" is not supported (accepted: WordPiece, BPE, Unigram; the type is inferred from the fields when"
          + " model.type is absent)");
    };
  }

  private static int bpe(JsonNode model, String source, Map<String, Integer> ids) {
    int size = vocabObject(model, source, ids);
    JsonNode dropout = model.get("dropout");
    if (dropout != null && !dropout.isNull() && (!dropout.isNumber() || dropout.doubleValue() != 0)) {
      throw new InvalidTokenizerException(source + ": model.dropout is set; BPE dropout makes tokenization random,"
          + " which serving cannot have");
    }
    JsonNode merges = model.get("merges");
    if (merges == null || !merges.isArray()) {
      throw new InvalidTokenizerException(source + ": model.merges is not an array");
    }
    if (merges.size() > MAX_MERGES) {
      throw new InvalidTokenizerException(source + ": model.merges has " + merges.size() + " entries, more than "
          + MAX_MERGES);
    }
    for (JsonNode m : merges) {
      if (m.isTextual()) {
        if (m.textValue().length() > 2 * MAX_TOKEN_CHARS + 1) {
          throw new InvalidTokenizerException(source + ": a merge is longer than " + (2 * MAX_TOKEN_CHARS + 1)
              + " chars");
        }
      } else if (m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual()) {
        if (m.get(0).textValue().length() > MAX_TOKEN_CHARS || m.get(1).textValue().length() > MAX_TOKEN_CHARS) {
          throw new InvalidTokenizerException(source + ": a merge side is longer than " + MAX_TOKEN_CHARS + " chars");
        }
      } else {
        throw new InvalidTokenizerException(source + ": a merge is neither \"a b\" nor [\"a\", \"b\"]");
      }
    }
    return size;
  }

  private static int unigram(JsonNode model, String source, Map<String, Integer> ids) {
    JsonNode vocab = model.get("vocab");
    if (vocab == null || !vocab.isArray() || vocab.isEmpty()) {
      throw new InvalidTokenizerException(source + ": model.vocab is not a non-empty array of [piece, score]");
    }
    checkVocabCount(vocab, source);
    int id = 0;
    for (JsonNode e : vocab) {
      if (!e.isArray() || e.size() != 2 || !e.get(0).isTextual() || !e.get(1).isNumber()
          || !Double.isFinite(e.get(1).doubleValue())) {
        throw new InvalidTokenizerException(source + ": model.vocab entry " + id
            + " is not [piece, finite score]");
      }
      token(e.get(0).textValue(), id, source);
      ids.putIfAbsent(e.get(0).textValue(), id);
      id++;
    }
    JsonNode unk = model.get("unk_id");
    if (unk != null && !unk.isNull() && (!unk.isIntegralNumber() || unk.longValue() < 0
        || unk.longValue() >= vocab.size())) {
      throw new InvalidTokenizerException(source + ": model.unk_id is not an id of model.vocab");
    }
    return vocab.size();
  }

  private static int vocabObject(JsonNode model, String source, Map<String, Integer> ids) {
    JsonNode vocab = model.get("vocab");
    if (vocab == null || !vocab.isObject() || vocab.isEmpty()) {
      throw new InvalidTokenizerException(source + ": model.vocab is not a non-empty object of token to id");
    }
    checkVocabCount(vocab, source);
    int max = -1;
    for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode id = e.getValue();
      if (!id.isIntegralNumber() || !id.canConvertToInt() || id.intValue() < 0
          || id.intValue() >= MAX_VOCAB_ENTRIES) {
        throw new InvalidTokenizerException(source + ": id of token \"" + printable(e.getKey())
            + "\" is not in [0, " + MAX_VOCAB_ENTRIES + ")");
      }
      token(e.getKey(), id.intValue(), source);
      ids.put(e.getKey(), id.intValue());
      max = Math.max(max, id.intValue());
    }
    return max + 1;
  }

  private static void checkVocabCount(JsonNode vocab, String source) {
    if (vocab.size() > MAX_VOCAB_ENTRIES) {
      throw new InvalidTokenizerException(source + ": model.vocab has " + vocab.size() + " entries, more than "
          + MAX_VOCAB_ENTRIES);
    }
  }

  private static int addedTokens(JsonNode root, String source, Map<String, Integer> ids) {
    JsonNode added = root.get("added_tokens");
    if (added == null || added.isNull()) {
      return 0;
    }
    if (!added.isArray() || added.size() > MAX_ADDED_TOKENS) {
      throw new InvalidTokenizerException(source + ": added_tokens is not an array of at most " + MAX_ADDED_TOKENS
          + " entries");
    }
    int max = -1;
    for (JsonNode t : added) {
      JsonNode id = t.get("id");
      JsonNode content = t.get("content");
      if (id == null || !id.isIntegralNumber() || !id.canConvertToInt() || id.intValue() < 0
          || id.intValue() >= MAX_VOCAB_ENTRIES || content == null || !content.isTextual()) {
        throw new InvalidTokenizerException(source + ": an added token has no id in [0, " + MAX_VOCAB_ENTRIES
            + ") or no content");
      }
      token(content.textValue(), id.intValue(), source);
      ids.putIfAbsent(content.textValue(), id.intValue());
      max = Math.max(max, id.intValue());
    }
    return max + 1;
  }

  private static void token(String token, int id, String source) {
    if (token.isEmpty() || token.length() > MAX_TOKEN_CHARS) {
      throw new InvalidTokenizerException(source + ": token with id " + id + " is empty or longer than "
          + MAX_TOKEN_CHARS + " chars");
    }
  }

  /** Checks a pipeline component (and the members of a Sequence) against the allow-list and the bounds. */
  private static void component(JsonNode node, String field, Set<String> allowed, String sequenceField,
      String source, int[] count) {
    if (node == null || node.isNull()) {
      return;
    }
    if (++count[0] > MAX_COMPONENTS) {
      throw new InvalidTokenizerException(source + ": more than " + MAX_COMPONENTS + " pipeline components");
    }
    String type = node.isObject() ? text(node, "type") : "";
    if (!allowed.contains(type)) {
      throw new InvalidTokenizerException(source + ": " + field + " type \"" + printable(type)
          + "\" is not supported (accepted: " + String.join(", ", allowed.stream().sorted().toList()) + ")");
    }
    for (String patternField : List.of("pattern", "content", "prepend", "replacement")) {
      JsonNode p = node.get(patternField);
      if (p != null && p.toString().length() > MAX_PATTERN_CHARS + 32) {
        throw new InvalidTokenizerException(source + ": " + field + " " + type + "." + patternField
            + " is longer than " + MAX_PATTERN_CHARS + " chars");
      }
    }
    JsonNode regex = node.path("pattern").get("Regex");
    if (regex != null && regex.isTextual() && hasNestedQuantifier(regex.textValue())) {
      throw new InvalidTokenizerException(source + ": " + field + " " + type + ".pattern has a repeated group that"
          + " itself repeats (such as (a+)+), which can take exponential time on a crafted text");
    }
    if (type.equals("Sequence")) {
      JsonNode members = node.get(sequenceField);
      if (members == null || !members.isArray()) {
        throw new InvalidTokenizerException(source + ": " + field + " Sequence has no " + sequenceField + " array");
      }
      for (JsonNode m : members) {
        component(m, field, allowed, sequenceField, source, count);
      }
    }
  }

  /**
   * Whether a regular expression repeats a group that holds a repetition ({@code (a+)+}, {@code (?:\\w*x)*},
   * {@code (a|b+){2,}}): the shape of catastrophic backtracking in a backtracking engine such as the library's
   * Oniguruma. A heuristic over the pattern's text; escaped characters and character classes are skipped. The
   * tokenizers of the BERT family use no such pattern (GPT-2's split pattern has none either).
   */
  static boolean hasNestedQuantifier(String pattern) {
    int n = pattern.length();
    boolean[] quantified = new boolean[n + 1]; // per open group: whether a quantifier occurs inside it
    int depth = 0;
    boolean inClass = false;
    for (int i = 0; i < n; i++) {
      char c = pattern.charAt(i);
      if (c == '\\') {
        i++;
        continue;
      }
      if (inClass) {
        inClass = c != ']';
        continue;
      }
      if (c == '[') {
        inClass = true;
      } else if (c == '(') {
        quantified[++depth] = false;
      } else if (c == ')' && depth > 0) {
        boolean inner = quantified[depth];
        depth--;
        char next = i + 1 < n ? pattern.charAt(i + 1) : 0;
        if (inner && (next == '+' || next == '*' || next == '{')) {
          return true;
        }
        if (depth > 0 && inner) {
          quantified[depth] = true;
        }
      } else if ((c == '+' || c == '*' || c == '{') && depth > 0) {
        quantified[depth] = true;
      }
    }
    return false;
  }

  /** The special-token template of the post-processor; see {@link SpecialTokens}. */
  private static SpecialTokens template(JsonNode processor, String source, Map<String, Integer> ids, int vocabSize) {
    if (processor == null || processor.isNull()) {
      return new SpecialTokens(new int[0], new int[0], new int[0], 0);
    }
    String type = text(processor, "type");
    switch (type) {
      case "BertProcessing":
        return SpecialTokens.bert(pairId(processor, "cls", source, vocabSize),
            pairId(processor, "sep", source, vocabSize));
      case "RobertaProcessing":
        return SpecialTokens.roberta(pairId(processor, "cls", source, vocabSize),
            pairId(processor, "sep", source, vocabSize));
      case "TemplateProcessing":
        return templateProcessing(processor, source, vocabSize);
      case "Sequence":
        SpecialTokens found = null;
        for (JsonNode p : processor.get("processors")) {
          if (!text(p, "type").equals("ByteLevel")) {
            if (found != null) {
              throw new InvalidTokenizerException(source + ": post_processor Sequence has more than one template");
            }
            found = template(p, source, ids, vocabSize);
          }
        }
        return found != null ? found : new SpecialTokens(new int[0], new int[0], new int[0], 0);
      default: // ByteLevel alone: offsets only
        return new SpecialTokens(new int[0], new int[0], new int[0], 0);
    }
  }

  /** BertProcessing/RobertaProcessing {@code "cls": ["<s>", 0]}. */
  private static int pairId(JsonNode processor, String field, String source, int vocabSize) {
    JsonNode v = processor.get(field);
    if (v == null || !v.isArray() || v.size() != 2 || !v.get(1).isIntegralNumber() || v.get(1).longValue() < 0
        || v.get(1).longValue() >= vocabSize) {
      throw new InvalidTokenizerException(source + ": post_processor." + field + " is not [token, id] with an id"
          + " of the vocabulary");
    }
    return v.get(1).intValue();
  }

  private static SpecialTokens templateProcessing(JsonNode processor, String source, int vocabSize) {
    Map<String, int[]> special = new HashMap<>();
    JsonNode st = processor.get("special_tokens");
    if (st != null && st.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = st.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        JsonNode list = e.getValue().get("ids");
        if (list == null || !list.isArray() || list.size() > 16) {
          throw new InvalidTokenizerException(source + ": post_processor special token \"" + printable(e.getKey())
              + "\" has no ids array of at most 16 ids");
        }
        int[] v = new int[list.size()];
        for (int i = 0; i < v.length; i++) {
          JsonNode id = list.get(i);
          if (!id.isIntegralNumber() || id.longValue() < 0 || id.longValue() >= vocabSize) {
            throw new InvalidTokenizerException(source + ": post_processor special token \""
                + printable(e.getKey()) + "\" has an id outside the vocabulary");
          }
          v[i] = id.intValue();
        }
        special.put(e.getKey(), v);
      }
    }
    Parts single = parts(processor.get("single"), "single", special, source);
    Parts pair = parts(processor.get("pair"), "pair", special, source);
    if (single.sequences != 1 || pair.sequences != 2) {
      throw new InvalidTokenizerException(source + ": post_processor TemplateProcessing needs $A once in single and"
          + " $A, $B in pair");
    }
    if (!Arrays.equals(single.before, pair.before) || !Arrays.equals(single.after, pair.after)
        || single.typeA != 0 || pair.typeA != 0 || !single.allZeroBeforeSecond || !pair.allZeroBeforeSecond
        || !pair.suffixTypeMatchesB) {
      throw new InvalidTokenizerException(source + ": post_processor TemplateProcessing is not of the shape"
          + " 'prefix $A suffix' / 'prefix $A middle $B suffix' with $A and the middle in segment 0 and $B and the"
          + " suffix in one segment");
    }
    return new SpecialTokens(single.before, pair.between, pair.after, pair.typeB);
  }

  private static final class Parts {
    int sequences;
    int[] before = new int[0];
    int[] between = new int[0];
    int[] after = new int[0];
    int typeA;
    int typeB;
    boolean allZeroBeforeSecond = true;
    boolean suffixTypeMatchesB = true;
  }

  private static Parts parts(JsonNode items, String field, Map<String, int[]> special, String source) {
    if (items == null || !items.isArray() || items.size() > 16) {
      throw new InvalidTokenizerException(source + ": post_processor." + field + " is not an array of at most 16"
          + " pieces");
    }
    Parts p = new Parts();
    List<Integer> current = new ArrayList<>();
    for (JsonNode item : items) {
      JsonNode seq = item.get("Sequence");
      JsonNode sp = item.get("SpecialToken");
      if (seq != null) {
        String id = text(seq, "id");
        int type = seq.path("type_id").asInt(0);
        if (!id.equals(p.sequences == 0 ? "A" : "B")) {
          throw new InvalidTokenizerException(source + ": post_processor." + field + " has $" + printable(id)
              + " out of order");
        }
        int[] ids = current.stream().mapToInt(Integer::intValue).toArray();
        if (p.sequences == 0) {
          p.before = ids;
          p.typeA = type;
        } else {
          p.between = ids;
          p.typeB = type;
          if (type != 0 && type != 1) {
            throw new InvalidTokenizerException(source + ": post_processor." + field + " $B type_id must be 0 or 1");
          }
        }
        p.sequences++;
        current.clear();
      } else if (sp != null) {
        int[] ids = special.get(text(sp, "id"));
        if (ids == null) {
          throw new InvalidTokenizerException(source + ": post_processor." + field + " uses special token \""
              + printable(text(sp, "id")) + "\" missing from special_tokens");
        }
        int type = sp.path("type_id").asInt(0);
        if (p.sequences < 2 && type != 0) {
          p.allZeroBeforeSecond = false;
        }
        if (p.sequences == 2 && type != p.typeB) {
          p.suffixTypeMatchesB = false;
        }
        for (int id : ids) {
          current.add(id);
        }
      } else {
        throw new InvalidTokenizerException(source + ": post_processor." + field + " has a piece that is neither"
            + " Sequence nor SpecialToken");
      }
    }
    int[] rest = current.stream().mapToInt(Integer::intValue).toArray();
    if (p.sequences == 1 && field.equals("single")) {
      p.after = rest;
    } else if (p.sequences == 2) {
      p.after = rest;
    }
    return p;
  }

  private static int padId(JsonNode root, Map<String, Integer> ids) {
    JsonNode padding = root.get("padding");
    if (padding != null && padding.isObject() && padding.path("pad_id").isIntegralNumber()) {
      long id = padding.path("pad_id").longValue();
      if (id >= 0 && id < MAX_VOCAB_ENTRIES) {
        return (int) id;
      }
    }
    int id = first(ids, "<pad>", "[PAD]");
    return id >= 0 ? id : 0;
  }

  private static int unkId(JsonNode model, TokenizerKind kind, Map<String, Integer> ids, int vocabSize) {
    if (kind == TokenizerKind.UNIGRAM) {
      JsonNode unk = model.get("unk_id");
      return unk != null && unk.isIntegralNumber() ? unk.intValue() : first(ids, "<unk>");
    }
    String unk = text(model, "unk_token");
    Integer id = unk.isEmpty() ? null : ids.get(unk);
    return id != null && id < vocabSize ? id : first(ids, "<unk>", "[UNK]");
  }

  private static int first(Map<String, Integer> ids, String... names) {
    for (String n : names) {
      Integer id = ids.get(n);
      if (id != null) {
        return id;
      }
    }
    return -1;
  }

  /** The WordPiece vocabulary when the ids are exactly 0..n-1 and BERT's special tokens are in it. */
  private static Optional<Vocab> contiguousVocab(Map<String, Integer> ids, int vocabSize) {
    String[] tokens = new String[vocabSize];
    for (Map.Entry<String, Integer> e : ids.entrySet()) {
      if (tokens[e.getValue()] != null) {
        return Optional.empty(); // two tokens share an id
      }
      tokens[e.getValue()] = e.getKey();
    }
    for (String t : tokens) {
      if (t == null) {
        return Optional.empty();
      }
    }
    try {
      return Optional.of(Vocab.of(Arrays.asList(tokens)));
    } catch (IllegalArgumentException e) { // no [PAD]/[UNK]/[CLS]/[SEP]/[MASK], or a token with a line break
      return Optional.empty();
    }
  }

  private static boolean isBertPipeline(JsonNode root, JsonNode model, Vocab vocab, SpecialTokens template) {
    if (!text(model, "continuing_subword_prefix").equals("##") && model.has("continuing_subword_prefix")) {
      return false;
    }
    if (!text(model, "unk_token").equals(Vocab.UNK) && model.has("unk_token")) {
      return false;
    }
    JsonNode n = root.get("normalizer");
    if (n == null || !text(n, "type").equals("BertNormalizer")
        || !n.path("clean_text").asBoolean(true) || !n.path("handle_chinese_chars").asBoolean(true)) {
      return false;
    }
    boolean lower = n.path("lowercase").asBoolean(true);
    JsonNode strip = n.get("strip_accents");
    if (strip != null && !strip.isNull() && strip.asBoolean() != lower) {
      return false;
    }
    JsonNode p = root.get("pre_tokenizer");
    if (p == null || !text(p, "type").equals("BertPreTokenizer")) {
      return false;
    }
    for (String token : vocab.tokens()) {
      if (token.indexOf('\n') >= 0 || token.indexOf('\r') >= 0) {
        return false;
      }
    }
    return template.equals(SpecialTokens.bert(vocab.clsId(), vocab.sepId()));
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node == null ? null : node.get(field);
    return v != null && v.isTextual() ? v.textValue() : "";
  }

  private static InvalidTokenizerException refuse(Path file, String what) {
    return new InvalidTokenizerException(file + " " + what);
  }

  /** A value safe to put in a message: control characters escaped, at most 100 characters. */
  public static String printable(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length() && b.length() < 100; i++) {
      char c = s.charAt(i);
      b.append(Character.isISOControl(c) ? String.format(Locale.ROOT, "\\u%04x", (int) c) : String.valueOf(c));
    }
    return s.length() > 100 ? b + "..." : b.toString();
  }

  /** The first line of an exception message ("" for none). */
  public static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
