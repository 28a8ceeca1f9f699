package org.streambert.bert.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Opt-in: the real tokenizer files of the Hub in the team's {@code shared/fixtures/tokenizers} (roberta-base byte-level
 * BPE without {@code model.type}, t5-small SentencePiece Unigram with the {@code Precompiled} normaliser and
 * {@code Metaspace}, as XLM-R; bert-base-uncased WordPiece without {@code model.type}), against ids published by
 * transformers.js and transformers (test resource {@code tokenizers/transformers-js-expected-ids.json}), and offsets
 * on emoji, combining marks, control characters, CJK and whitespace runs. Skipped, saying so, when the folder is
 * absent (found above the working directory, or {@code -Dstreambert.shared.fixtures=DIR}).
 */
class HubTokenizerFixturesTest {

  private static final List<String> HARD_TEXTS = List.of(
      "Hello world! cécé herlolip",
      "a\uD83D\uDE00b \uD83D\uDC69\u200D\uD83D\uDC69\u200D\uD83D\uDC67 \u2764\uFE0F x",
      "x\u0301y\u0308 e\u0301 \u1100\u1161\u11A8",
      "1\u00002\u0007 3\uFFFD4\u200B5",
      "生活的真谛是 東京タワー ที่กรุงเทพ",
      "   leading   runs\t\tof\n\n\nwhitespace   ",
      "\u00A0nbsp\u2003em\u3000ideographic",
      "القاهرة، دبي؟ मैं दिल्ली में रहता हूँ।");

  private static Path fixtures() {
    String configured = System.getProperty("streambert.shared.fixtures");
    if (configured != null) {
      return Path.of(configured);
    }
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      Path c = d.resolve("shared").resolve("fixtures").resolve("tokenizers");
      if (Files.isDirectory(c)) {
        return c;
      }
    }
    return null;
  }

  private static Path model(String name) {
    Path root = fixtures();
    assumeTrue(root != null, "skipped: no shared/fixtures/tokenizers above " + Path.of("").toAbsolutePath()
        + " (set -Dstreambert.shared.fixtures=DIR to run this test)");
    Path dir = root.resolve(name);
    assumeTrue(Files.isRegularFile(dir.resolve("tokenizer.json")), "skipped: " + dir + "/tokenizer.json is absent");
    return dir;
  }

  private static JsonNode published(String model) throws IOException {
    try (InputStream in = HubTokenizerFixturesTest.class.getResourceAsStream(
        "/tokenizers/transformers-js-expected-ids.json")) {
      return new ObjectMapper().readTree(in).get("models").get(model);
    }
  }

  private static int checkPublished(TextTokenizer t, String model) throws IOException {
    int n = 0;
    for (Iterator<Map.Entry<String, JsonNode>> it = published(model).fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode ids = e.getValue().get("ids");
      int[] expected = new int[ids.size()];
      for (int i = 0; i < expected.length; i++) {
        expected[i] = ids.get(i).intValue();
      }
      assertArrayEquals(expected, t.encode(e.getValue().get("text").textValue(), 4096).inputIds(),
          model + " " + e.getKey());
      n++;
    }
    return n;
  }

  /** Spans inside the text, never starting or ending on whitespace, in text order; non-empty ones inside a word. */
  private static void checkSpans(TextTokenizer t, String text) {
    WordPieces w = t.tokenize(text);
    int[] cps = text.codePoints().toArray();
    int[] words = TextWords.of(text).wordsOf(w.starts());
    int previous = 0;
    for (int i = 0; i < w.size(); i++) {
      int s = w.starts()[i];
      int e = w.ends()[i];
      String where = "piece " + i + " [" + s + "," + e + ") of '" + text + "'";
      assertTrue(0 <= s && s <= e && e <= cps.length, where);
      assertTrue(s >= previous || e > previous - 1, where + " goes back");
      if (s < e) {
        assertFalse(Character.isWhitespace(cps[s]) || Character.isSpaceChar(cps[s]), where + " starts on space");
        assertFalse(Character.isWhitespace(cps[e - 1]) || Character.isSpaceChar(cps[e - 1]), where + " ends on space");
        assertTrue(words[i] >= 0, where + " is in no word");
      }
      previous = Math.max(previous, s);
    }
  }

  @Test
  void shouldMatchPublishedRobertaIdsOnTheOlderFileWithoutModelType() throws IOException {
    Path dir = model("roberta-base");
    try (TextTokenizer t = TextTokenizers.load(dir, false)) {
      assertEquals(TokenizerKind.BPE, t.kind());
      assertEquals(50265, t.vocabSize());
      assertEquals(SpecialTokens.roberta(0, 2), t.specialTokens());
      assertEquals(1, t.padId());
      assertEquals(50264, t.maskId());
      // transformers' test_modeling_roberta / tokenization tests.
      assertArrayEquals(new int[] {0, 31414, 232, 328, 740, 1140, 12695, 69, 46078, 1588, 2},
          t.encode("Hello world! cécé herlolip", 512).inputIds());
      assertEquals(11, checkPublished(t, "Xenova/all-distilroberta-v1"));
      assertArrayEquals(new int[][] {{0, 5}, {6, 11}, {11, 12}},
          new int[][] {span(t, "Hello world!", 0), span(t, "Hello world!", 1), span(t, "Hello world!", 2)});
      HARD_TEXTS.forEach(text -> checkSpans(t, text));
    }
  }

  @Test
  void shouldMatchPublishedT5IdsThroughThePrecompiledNormaliserAndMetaspace() throws IOException {
    Path dir = model("t5-small");
    try (TextTokenizer t = TextTokenizers.load(dir, false)) {
      assertEquals(TokenizerKind.UNIGRAM, t.kind());
      assertEquals(32100, t.vocabSize());
      assertEquals(0, t.specialTokens().prefixLength()); // "A </s>"
      assertEquals(29, checkPublished(t, "Xenova/t5-small"));
      // "▁world" spans "world", not the space before it.
      assertArrayEquals(new int[] {6, 11}, span(t, "Hello world", 1));
      assertArrayEquals(new int[] {8, 13}, span(t, "Hello   world", 1));
      HARD_TEXTS.forEach(text -> checkSpans(t, text));
    }
  }

  @Test
  void shouldMatchPublishedBertIdsOnThePureJavaWordPieceOfTheOlderFile() throws IOException {
    Path dir = model("bert-base-uncased");
    TextTokenizers.TokenizerInfo info = TextTokenizers.describe(dir);
    assertEquals(TokenizerKind.WORD_PIECE, info.kind());
    assertTrue(info.pureJava());
    try (TextTokenizer t = TextTokenizers.load(dir)) {
      assertInstanceOf(WordPieceTokenizer.class, t);
      assertEquals(30522, t.vocabSize());
      assertEquals(12, checkPublished(t, "Xenova/distilbert-base-uncased-finetuned-sst-2-english"));
      HARD_TEXTS.forEach(text -> checkSpans(t, text));
    }
  }

  @Test
  void shouldGiveTheSameIdsAndOffsetsFromPureJavaWordPieceAndTheNativeLibrary() throws IOException {
    Path dir = model("bert-base-uncased");
    List<String> texts = new ArrayList<>(HARD_TEXTS);
    for (Iterator<JsonNode> it = published("Xenova/distilbert-base-uncased-finetuned-sst-2-english").elements();
        it.hasNext(); ) {
      texts.add(it.next().get("text").textValue());
    }
    try (TextTokenizer java = TextTokenizers.load(dir);
        TextTokenizer rust = TextTokenizers.loadNative(dir)) {
      for (String text : texts) {
        WordPieces a = java.tokenize(text);
        WordPieces b = rust.tokenize(text);
        assertArrayEquals(b.ids(), a.ids(), text);
        assertArrayEquals(b.starts(), a.starts(), text);
        assertArrayEquals(b.ends(), a.ends(), text);
        assertEquals(rust.encodePair(text, "a pair", 64), java.encodePair(text, "a pair", 64), text);
      }
    }
  }

  private static int[] span(TextTokenizer t, String text, int piece) {
    WordPieces w = t.tokenize(text);
    return new int[] {w.starts()[piece], w.ends()[piece]};
  }
}
