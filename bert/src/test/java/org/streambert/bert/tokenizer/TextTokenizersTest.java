package org.streambert.bert.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TextTokenizers} over small {@code tokenizer.json} files built here (byte-level BPE, Unigram with Metaspace,
 * WordPiece): ids, code point offsets without whitespace, the special-token templates, model type inference, bounds
 * and ownership. Real files of the Hub: {@link HubTokenizerFixturesTest}.
 */
class TextTokenizersTest {

  private static final List<String> MERGES = List.of("h e", "l l", "he ll", "hell o", "\u0120 w", "o r", "\u0120w or",
      "\u0120wor l", "\u0120worl d");

  @TempDir
  Path dir;

  private static int byteId(int b) {
    return 4 + b;
  }

  /** Ids of the merged tokens: after the 4 specials and 256 bytes, in merge order (duplicates skipped). */
  private static int mergedId(String token) {
    List<String> seen = new ArrayList<>();
    for (String m : MERGES) {
      String t = m.replace(" ", "");
      if (!seen.contains(t)) {
        seen.add(t);
      }
    }
    return 260 + seen.indexOf(token);
  }

  private static int[][] spans(WordPieces w) {
    int[][] out = new int[w.size()][];
    for (int i = 0; i < w.size(); i++) {
      out[i] = new int[] {w.starts()[i], w.ends()[i]};
    }
    return out;
  }

  private TextTokenizer bpe(boolean withType) throws IOException {
    return TextTokenizers.load(TinyTokenizerFiles.write(dir.resolve("bpe"), TinyTokenizerFiles.bpe(MERGES,
        withType)).getParent(), false);
  }

  private static Map<String, Double> unigramPieces() {
    Map<String, Double> p = new LinkedHashMap<>();
    p.put("\u2581hello", -1.0);
    p.put("\u2581world", -1.0);
    p.put("\u2581", -2.0);
    for (String c : List.of("h", "e", "l", "o", "w", "r", "d", "a", "b", "x", "y")) {
      p.put(c, -5.0);
    }
    p.put("\u6771", -3.0); // 東
    p.put("\u4eac", -3.0); // 京
    p.put("\u6771\u4eac", -4.0);
    p.put("!", -3.0);
    return p;
  }

  private TextTokenizer unigram(boolean withType) throws IOException {
    return TextTokenizers.load(TinyTokenizerFiles.write(dir.resolve("unigram"),
        TinyTokenizerFiles.unigram(unigramPieces(), withType)).getParent(), false);
  }

  private static int unigramId(String piece) {
    return 4 + new ArrayList<>(unigramPieces().keySet()).indexOf(piece);
  }

  // --- byte-level BPE (RoBERTa) ----------------------------------------------------------------------------------

  @Test
  void shouldTokenizeByteLevelBpeWithMergesAndSpansWithoutTheSpace() throws IOException {
    try (TextTokenizer t = bpe(true)) {
      WordPieces w = t.tokenize("hello world");
      assertArrayEquals(new int[] {mergedId("hello"), mergedId("\u0120world")}, w.ids());
      assertArrayEquals(new int[][] {{0, 5}, {6, 11}}, spans(w));
      assertArrayEquals(new int[] {0, 1}, w.wordIndex());
      assertEquals(TokenizerKind.BPE, t.kind());
      assertEquals(mergedId("\u0120world") + 2, t.vocabSize()); // + <mask>
    }
  }

  @Test
  void shouldInferBpeWhenModelTypeIsAbsent() throws IOException {
    try (TextTokenizer t = bpe(false)) {
      assertEquals(TokenizerKind.BPE, t.kind());
      assertArrayEquals(new int[] {mergedId("hello")}, t.tokenize("hello").ids());
    }
  }

  @Test
  void shouldSplitEmojiCombiningMarksAndControlsIntoBytesWithCodePointSpans() throws IOException {
    try (TextTokenizer t = bpe(true)) {
      // U+1F600 is 4 UTF-8 bytes, one code point: 4 byte tokens sharing its span.
      WordPieces w = t.tokenize("a\uD83D\uDE00b");
      assertArrayEquals(new int[] {byteId('a'), byteId(0xF0), byteId(0x9F), byteId(0x98), byteId(0x80), byteId('b')},
          w.ids());
      assertArrayEquals(new int[][] {{0, 1}, {1, 2}, {1, 2}, {1, 2}, {1, 2}, {2, 3}}, spans(w));
      // x + combining acute (U+0301, 2 bytes) and BEL (a control, 1 byte): byte-level keeps every byte.
      WordPieces m = t.tokenize("x\u0301\u0007");
      assertArrayEquals(new int[] {byteId('x'), byteId(0xCC), byteId(0x81), byteId(7)}, m.ids());
      assertArrayEquals(new int[][] {{0, 1}, {1, 2}, {1, 2}, {2, 3}}, spans(m));
      // CJK: 3 bytes each.
      WordPieces c = t.tokenize("\u6771");
      assertArrayEquals(new int[] {byteId(0xE6), byteId(0x9D), byteId(0xB1)}, c.ids());
    }
  }

  @Test
  void shouldGiveWhitespaceOnlyPiecesAnEmptySpanBeforeTheNextCharacter() throws IOException {
    try (TextTokenizer t = bpe(true)) {
      WordPieces w = t.tokenize("a  \tb");
      // ByteLevel's regex: "a", " " (run minus the last space), ... each whitespace piece has an empty span.
      for (int i = 0; i < w.size(); i++) {
        int s = w.starts()[i];
        int e = w.ends()[i];
        assertTrue(s == e || !Character.isWhitespace("a  \tb".codePointAt(s)), "piece " + i + " starts on space");
        assertTrue(s == e || !Character.isWhitespace("a  \tb".codePointAt(e - 1)), "piece " + i + " ends on space");
      }
      assertArrayEquals(new int[] {0, 1}, spans(w)[0]);
      assertArrayEquals(new int[] {4, 5}, spans(w)[w.size() - 1]);
    }
  }

  @Test
  void shouldBuildRobertaInputsFromTheRobertaTemplate() throws IOException {
    try (TextTokenizer t = bpe(true)) {
      assertEquals(SpecialTokens.roberta(TinyTokenizerFiles.BOS, TinyTokenizerFiles.EOS), t.specialTokens());
      assertEquals(TinyTokenizerFiles.BOS, t.clsId());
      assertEquals(TinyTokenizerFiles.EOS, t.sepId());
      assertEquals(TinyTokenizerFiles.PAD, t.padId());
      Encoding single = t.encode("hello world", 16);
      assertArrayEquals(new int[] {0, mergedId("hello"), mergedId("\u0120world"), 2}, single.inputIds());
      assertArrayEquals(new int[] {0, 0, 6, 0}, single.starts());
      Encoding pair = t.encodePair("hello", "world", 16);
      assertArrayEquals(new int[] {0, mergedId("hello"), 2, 2, byteId('w'), mergedId("or"), byteId('l'),
          byteId('d'), 2}, pair.inputIds());
      assertArrayEquals(new int[9], pair.segmentIds());
      assertArrayEquals(new int[] {-1, 0, -1, -1, 0, 0, 0, 0, -1}, pair.wordIndex());
    }
  }

  // --- SentencePiece Unigram (XLM-R) -----------------------------------------------------------------------------

  @Test
  void shouldTokenizeUnigramWithMetaspaceAndTrimTheSpaceFromPieceSpans() throws IOException {
    try (TextTokenizer t = unigram(true)) {
      assertEquals(TokenizerKind.UNIGRAM, t.kind());
      WordPieces w = t.tokenize("hello world!");
      assertArrayEquals(new int[] {unigramId("\u2581hello"), unigramId("\u2581world"), unigramId("!")}, w.ids());
      assertArrayEquals(new int[][] {{0, 5}, {6, 11}, {11, 12}}, spans(w));
      assertArrayEquals(new int[] {0, 1, 1}, w.wordIndex()); // Metaspace words: text between spaces
    }
  }

  @Test
  void shouldInferUnigramWhenModelTypeIsAbsent() throws IOException {
    try (TextTokenizer t = unigram(false)) {
      assertEquals(TokenizerKind.UNIGRAM, t.kind());
      assertArrayEquals(new int[] {unigramId("\u2581hello")}, t.tokenize("hello").ids());
    }
  }

  @Test
  void shouldKeepUnigramSpansOffWhitespaceRunsEmojiAndCjk() throws IOException {
    try (TextTokenizer t = unigram(true)) {
      String text = "  hello \u3000 \u6771\u4eac\uD83D\uDE00  x\u0301y ";
      WordPieces w = t.tokenize(text);
      int[] cps = text.codePoints().toArray();
      for (int i = 0; i < w.size(); i++) {
        int s = w.starts()[i];
        int e = w.ends()[i];
        assertTrue(s <= e && e <= cps.length);
        assertTrue(s == e || !Character.isWhitespace(cps[s]) && !Character.isSpaceChar(cps[s]), "piece " + i);
        assertTrue(s == e || !Character.isWhitespace(cps[e - 1]) && !Character.isSpaceChar(cps[e - 1]),
            "piece " + i);
      }
      List<Integer> ids = new ArrayList<>();
      for (int id : w.ids()) {
        ids.add(id);
      }
      int tokyo = ids.indexOf(unigramId("\u6771\u4eac"));
      assertTrue(tokyo >= 0, "東京 is one piece: " + ids);
      assertArrayEquals(new int[] {10, 12}, spans(w)[tokyo]);
      assertEquals(TinyTokenizerFiles.UNK, w.ids()[tokyo + 1]); // the emoji is unknown
      assertArrayEquals(new int[] {12, 13}, spans(w)[tokyo + 1]);
    }
  }

  @Test
  void shouldBuildXlmRobertaPairsFromTheTemplateProcessor() throws IOException {
    try (TextTokenizer t = unigram(true)) {
      assertEquals(SpecialTokens.roberta(TinyTokenizerFiles.BOS, TinyTokenizerFiles.EOS), t.specialTokens());
      Encoding pair = t.encodePair("hello", "world", 8);
      assertArrayEquals(new int[] {0, unigramId("\u2581hello"), 2, 2, unigramId("\u2581world"), 2},
          pair.inputIds());
      assertArrayEquals(new int[6], pair.segmentIds());
      assertEquals(4 + unigramPieces().size(), t.maskId());
    }
  }

  // --- WordPiece -------------------------------------------------------------------------------------------------

  private static ObjectNode wordPieceJson(boolean withType, String normalizer) {
    ObjectNode root = TinyTokenizerFiles.JSON.createObjectNode();
    root.put("version", "1.0");
    ObjectNode norm = root.putObject("normalizer");
    norm.put("type", normalizer);
    norm.put("clean_text", true);
    norm.put("handle_chinese_chars", true);
    norm.putNull("strip_accents");
    norm.put("lowercase", true);
    root.putObject("pre_tokenizer").put("type", "BertPreTokenizer");
    ObjectNode post = root.putObject("post_processor");
    post.put("type", "BertProcessing");
    post.putArray("sep").add("[SEP]").add(3);
    post.putArray("cls").add("[CLS]").add(2);
    ObjectNode model = root.putObject("model");
    if (withType) {
      model.put("type", "WordPiece");
    }
    model.put("unk_token", "[UNK]");
    model.put("continuing_subword_prefix", "##");
    model.put("max_input_chars_per_word", 100);
    ObjectNode v = model.putObject("vocab");
    List<String> tokens = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", "##s", "!");
    for (int i = 0; i < tokens.size(); i++) {
      v.put(tokens.get(i), i);
    }
    return root;
  }

  @Test
  void shouldRunBertWordPieceJsonOnThePureJavaTokenizerEvenWithoutModelType() throws IOException {
    Path d = TinyTokenizerFiles.write(dir.resolve("wp"), wordPieceJson(false, "BertNormalizer")).getParent();
    TextTokenizers.TokenizerInfo info = TextTokenizers.describe(d);
    assertEquals(TokenizerKind.WORD_PIECE, info.kind());
    assertTrue(info.pureJava());
    try (TextTokenizer t = TextTokenizers.load(d)) {
      assertInstanceOf(WordPieceTokenizer.class, t);
      assertArrayEquals(new int[] {5, 6, 7, 8}, t.tokenize("Hello Worlds!").ids());
      assertArrayEquals(new int[] {2, 5, 3}, t.encode("hello", 8).inputIds());
    }
  }

  @Test
  void shouldRunOtherWordPiecePipelinesOnTheNativeLibraryWithTheSameIds() throws IOException {
    // NFD + Lowercase instead of BertNormalizer: not BERT's pipeline, so the native library runs it.
    ObjectNode json = wordPieceJson(true, "Lowercase");
    Path d = TinyTokenizerFiles.write(dir.resolve("wp2"), json).getParent();
    assertFalse(TextTokenizers.describe(d).pureJava());
    try (TextTokenizer t = TextTokenizers.load(d)) {
      assertFalse(t instanceof WordPieceTokenizer);
      assertEquals(TokenizerKind.WORD_PIECE, t.kind());
      assertArrayEquals(new int[] {5, 6, 7, 8}, t.tokenize("Hello Worlds!").ids());
      assertArrayEquals(new int[][] {{0, 5}, {6, 11}, {11, 12}, {12, 13}}, spans(t.tokenize("Hello Worlds!")));
      assertEquals(SpecialTokens.bert(2, 3), t.specialTokens());
      Encoding pair = t.encodePair("hello", "world", 8);
      assertArrayEquals(new int[] {2, 5, 3, 6, 3}, pair.inputIds());
      assertArrayEquals(new int[] {0, 0, 0, 1, 1}, pair.segmentIds());
    }
  }

  // --- bounds, refusals, ownership -------------------------------------------------------------------------------

  private void assertRefused(ObjectNode json, String fragment) throws IOException {
    Path d = TinyTokenizerFiles.write(dir.resolve("bad" + System.nanoTime()), json).getParent();
    InvalidTokenizerException e = assertThrows(InvalidTokenizerException.class, () -> TextTokenizers.load(d));
    assertTrue(e.getMessage().contains(fragment), e.getMessage());
    assertTrue(e.getMessage().contains("tokenizer.json"), e.getMessage());
  }

  @Test
  void shouldRefuseWordLevelAndUnknownComponents() throws IOException {
    ObjectNode wordLevel = TinyTokenizerFiles.bpe(MERGES, true);
    ((ObjectNode) wordLevel.get("model")).put("type", "WordLevel");
    assertRefused(wordLevel, "\"WordLevel\" is not supported");
    ObjectNode normalizer = TinyTokenizerFiles.bpe(MERGES, true);
    normalizer.putObject("normalizer").put("type", "SomethingNew");
    assertRefused(normalizer, "normalizer type \"SomethingNew\"");
  }

  @Test
  void shouldRefuseBpeDropoutBecauseServingMustBeDeterministic() throws IOException {
    ObjectNode json = TinyTokenizerFiles.bpe(MERGES, true);
    ((ObjectNode) json.get("model")).put("dropout", 0.1);
    assertRefused(json, "dropout");
  }

  @Test
  void shouldRefuseOverlongTokensMalformedMergesLongPatternsAndDeepNesting() throws IOException {
    ObjectNode longToken = TinyTokenizerFiles.bpe(MERGES, true);
    ((ObjectNode) longToken.get("model").get("vocab")).put("x".repeat(1001), 999);
    assertRefused(longToken, "longer than 1000");
    ObjectNode badMerge = TinyTokenizerFiles.bpe(MERGES, true);
    ((ArrayNode) badMerge.get("model").get("merges")).add(42);
    assertRefused(badMerge, "merge");
    ObjectNode pattern = TinyTokenizerFiles.bpe(MERGES, true);
    ObjectNode split = pattern.putObject("pre_tokenizer");
    split.put("type", "Split");
    split.putObject("pattern").put("Regex", "(a+)+".repeat(300));
    assertRefused(pattern, "longer than");
    ObjectNode deep = TinyTokenizerFiles.bpe(MERGES, true);
    ObjectNode n = deep.putObject("normalizer");
    n.put("type", "Sequence");
    for (int i = 0; i < 40; i++) {
      n = n.putArray("normalizers").addObject();
      n.put("type", "Sequence");
    }
    assertRefused(deep, "not valid JSON");
    ObjectNode many = TinyTokenizerFiles.bpe(MERGES, true);
    ArrayNode seq = many.putObject("normalizer").put("type", "Sequence").putArray("normalizers");
    for (int i = 0; i < 100; i++) {
      seq.addObject().put("type", "NFC");
    }
    assertRefused(many, "pipeline components");
  }

  @Test
  void shouldRefuseARegexThatRepeatsARepeatedGroupButAcceptGpt2sSplitPattern() throws IOException {
    for (String evil : List.of("(a+)+b", "(?:\\w*x)*", "((ab)*c)+", "(a|b+){2,}")) {
      ObjectNode json = TinyTokenizerFiles.bpe(MERGES, true);
      ObjectNode split = json.putObject("pre_tokenizer");
      split.put("type", "Split");
      split.putObject("pattern").put("Regex", evil);
      split.put("behavior", "Isolated");
      split.put("invert", false);
      assertRefused(json, "exponential time");
    }
    ObjectNode gpt2 = TinyTokenizerFiles.bpe(MERGES, true);
    ObjectNode seq = gpt2.putObject("pre_tokenizer").put("type", "Sequence");
    ObjectNode split = seq.putArray("pretokenizers").addObject();
    split.put("type", "Split");
    split.putObject("pattern").put("Regex",
        "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+");
    split.put("behavior", "Isolated");
    split.put("invert", false);
    ((ArrayNode) seq.get("pretokenizers")).addObject().put("type", "ByteLevel").put("add_prefix_space", false)
        .put("trim_offsets", true).put("use_regex", false);
    try (TextTokenizer t = TextTokenizers.load(TinyTokenizerFiles.write(dir.resolve("gpt2"), gpt2).getParent())) {
      assertArrayEquals(new int[] {mergedId("hello"), mergedId("\u0120world")}, t.tokenize("hello world").ids());
    }
  }

  @Test
  void shouldRefuseAFileOverTheSizeBoundBeforeParsingIt() throws IOException {
    Path d = dir.resolve("huge");
    Files.createDirectories(d);
    Path f = d.resolve("tokenizer.json");
    try (var ch = Files.newByteChannel(f, StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE, StandardOpenOption.SPARSE)) {
      ch.position((64L << 20) + 1);
      ch.write(ByteBuffer.wrap(new byte[] {'}'}));
    }
    InvalidTokenizerException e = assertThrows(InvalidTokenizerException.class, () -> TextTokenizers.load(d));
    assertTrue(e.getMessage().contains("more than the " + (64L << 20)), e.getMessage());
  }

  @Test
  void shouldRefuseATemplateOfAnotherShape() throws IOException {
    ObjectNode json = TinyTokenizerFiles.unigram(unigramPieces(), true);
    ArrayNode pair = (ArrayNode) json.get("post_processor").get("pair");
    ((ObjectNode) pair.get(1).get("Sequence")).put("type_id", 1); // $A in segment 1
    assertRefused(json, "TemplateProcessing is not of the shape");
  }

  @Test
  void shouldExplainWhatToDoWithVocabJsonAndMergesWithoutTokenizerJson() throws IOException {
    Path d = dir.resolve("slow");
    Files.createDirectories(d);
    Files.writeString(d.resolve("vocab.json"), "{}", StandardCharsets.UTF_8);
    Files.writeString(d.resolve("merges.txt"), "", StandardCharsets.UTF_8);
    InvalidTokenizerException e = assertThrows(InvalidTokenizerException.class, () -> TextTokenizers.load(d));
    assertTrue(e.getMessage().contains("save_pretrained"), e.getMessage());
  }

  @Test
  void shouldTokenizeFromManyThreadsAtOnceAsFromOne() throws Exception {
    try (TextTokenizer t = unigram(true)) {
      List<String> texts = List.of("hello world!", "東京 hello", "  world  ", "hello\u3000world");
      List<WordPieces> expected = new ArrayList<>();
      for (String text : texts) {
        expected.add(t.tokenize(text));
      }
      java.util.concurrent.ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<Boolean>> results = new ArrayList<>();
        for (int thread = 0; thread < 4; thread++) {
          results.add(pool.submit(() -> {
            for (int i = 0; i < 500; i++) {
              WordPieces w = t.tokenize(texts.get(i % texts.size()));
              WordPieces e = expected.get(i % texts.size());
              if (!Arrays.equals(w.ids(), e.ids()) || !Arrays.equals(w.starts(), e.starts())
                  || !Arrays.equals(w.ends(), e.ends())) {
                return false;
              }
            }
            return true;
          }));
        }
        for (Future<Boolean> r : results) {
          assertTrue(r.get());
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void shouldFailCallsAfterCloseAndCloseOnlyOnce() throws IOException {
    TextTokenizer t = bpe(true);
    assertEquals(1, t.tokenize("a").size());
    t.close();
    t.close();
    assertThrows(IllegalStateException.class, () -> t.tokenize("a"));
  }
}
