package org.streambert.bert.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Behaviour of {@link WordPieceTokenizer} on a tiny hand-written vocabulary. */
class WordPieceTokenizerTest {

  private static final List<String> TOKENS = List.of(
      "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
      "un", "##aff", "##able", "aff", "a", "##a", "b", "##b", "i", "##stan", "##bul", "istanbul",
      "hello", "world", ",", "!", "'", "$", "中", "文", "cafe", "café", "e", "##e", "x", "##x", "strasse", "straße",
      "ı", "##ß", "ß", "d", "##d", "ab", "##c", "c", "ab", "σ", "##ς", "##σ", "ο", "##δ", "##ο");
  private static final Vocab VOCAB = Vocab.of(dedupe(TOKENS));
  private static final WordPieceTokenizer UNCASED = new WordPieceTokenizer(VOCAB, true);
  private static final WordPieceTokenizer CASED = new WordPieceTokenizer(VOCAB, false);

  private static List<String> dedupe(List<String> tokens) {
    List<String> out = new ArrayList<>();
    for (String t : tokens) {
      if (!out.contains(t)) {
        out.add(t);
      }
    }
    return out;
  }

  private static List<String> tokens(WordPieceTokenizer t, String text) {
    WordPieces w = t.tokenize(text);
    List<String> out = new ArrayList<>();
    for (int id : w.ids()) {
      out.add(VOCAB.token(id));
    }
    return out;
  }

  private static int[][] spans(WordPieceTokenizer t, String text) {
    WordPieces w = t.tokenize(text);
    int[][] out = new int[w.size()][];
    for (int i = 0; i < w.size(); i++) {
      out[i] = new int[] {w.starts()[i], w.ends()[i]};
    }
    return out;
  }

  // --- WordPiece -----------------------------------------------------------------------------------------------

  @Test
  void shouldSplitWordsGreedilyLongestMatchFirstWithContinuationPrefix() {
    assertEquals(List.of("un", "##aff", "##able"), tokens(UNCASED, "unaffable"));
    assertArrayEquals(new int[][] {{0, 2}, {2, 5}, {5, 9}}, spans(UNCASED, "unaffable"));
  }

  @Test
  void shouldPreferLongestVocabularyEntryOverShorterPrefixes() {
    assertEquals(List.of("istanbul"), tokens(UNCASED, "istanbul"));
    assertEquals(List.of("ab", "##c"), tokens(UNCASED, "abc"));
  }

  @Test
  void shouldMakeWordWithoutCompleteMatchOneUnkSpanningTheWord() {
    assertEquals(List.of("hello", "[UNK]", "world"), tokens(UNCASED, "hello unaffablez world"));
    assertArrayEquals(new int[][] {{0, 5}, {6, 16}, {17, 22}}, spans(UNCASED, "hello unaffablez world"));
  }

  @Test
  void shouldMakeWordLongerThanMaxInputCharsOneUnk() {
    String limit = "a".repeat(WordPieceTokenizer.DEFAULT_MAX_INPUT_CHARS_PER_WORD);
    assertEquals(200, UNCASED.tokenize(limit).size()); // 200 chars: "a" then 199 "##a"
    String over = limit + "a";
    WordPieces w = UNCASED.tokenize("x " + over + " x");
    assertEquals(List.of("x", "[UNK]", "x"), tokens(UNCASED, "x " + over + " x"));
    assertArrayEquals(new int[] {2, 203}, new int[] {w.starts()[1], w.ends()[1]});
  }

  @Test
  void shouldCountMaxInputCharsInNormalisedCodePoints() {
    WordPieceTokenizer short3 = new WordPieceTokenizer(VOCAB, true, 3);
    assertEquals(List.of("[UNK]"), tokens(short3, "abcd"));
    // "é" + "e" + "e" is three chars after accent stripping, so it stays under the limit of 3 ...
    assertEquals(List.of("e", "##e", "##e"), tokens(short3, "e\u0301ee"));
    // ... and an astral letter counts once
    assertEquals(List.of("[UNK]"), tokens(short3, "\uD835\uDC00\uD835\uDC00"));
  }

  @Test
  void shouldNumberWholeWordsFromZero() {
    WordPieces w = UNCASED.tokenize("unaffable, hello!");
    assertArrayEquals(new int[] {0, 0, 0, 1, 2, 3}, w.wordIndex());
  }

  @Test
  void shouldReturnNoPiecesForEmptyOrBlankText() {
    assertEquals(0, UNCASED.tokenize("").size());
    assertEquals(0, UNCASED.tokenize(" \t\n\u00A0\u3000 ").size());
    assertEquals(0, UNCASED.tokenize("\u0000\u200B").size());
  }

  // --- Normalisation rules -------------------------------------------------------------------------------------

  @Test
  void shouldDropControlFormatAndReplacementCharacters() {
    // U+0000, BEL, U+0085, soft hyphen, zero-width space/joiner, BOM, U+FFFD and private use vanish inside a word
    String text = "un\u0000a\u0007f\u0085f\u00ADa\u200Bb\u200Dl\uFEFFe\uFFFD\uE000";
    assertEquals(List.of("un", "##aff", "##able"), tokens(CASED, text));
    assertArrayEquals(new int[][] {{0, 2}, {3, 8}, {9, 16}}, spans(CASED, text));
  }

  @Test
  void shouldTreatEveryUnicodeWhitespaceAsSeparator() {
    for (String space : new String[] {" ", "\t", "\n", "\r", "\u00A0", "\u2003", "\u3000", "\u2028", "\u202F"}) {
      assertEquals(List.of("a", "b"), tokens(CASED, "a" + space + "b"), "separator U+" + Integer.toHexString(space.charAt(0)));
    }
  }

  @Test
  void shouldSurroundCjkIdeographsWithSpaces() {
    assertEquals(List.of("a", "中", "文", "b"), tokens(CASED, "a中文b"));
    assertArrayEquals(new int[][] {{0, 1}, {1, 2}, {2, 3}, {3, 4}}, spans(CASED, "a中文b"));
  }

  @Test
  void shouldIsolateAsciiSymbolsAndUnicodePunctuation() {
    assertEquals(List.of("a", "$", "b", "[UNK]", "c"), tokens(CASED, "a$b\u00BFc"));
    assertEquals(List.of("hello", ",", "world", "!", "!"), tokens(CASED, "hello,world!!"));
  }

  @Test
  void shouldLowerCaseAndStripAccentsWhenUncased() {
    assertEquals(List.of("cafe"), tokens(UNCASED, "CAFÉ"));
    assertEquals(List.of("cafe"), tokens(UNCASED, "Cafe\u0301")); // combining acute
  }

  @Test
  void shouldKeepCaseAndAccentsWhenCased() {
    assertEquals(List.of("café"), tokens(CASED, "café"));
    assertEquals(List.of("[UNK]"), tokens(CASED, "CAFÉ"));
    assertEquals(List.of("[UNK]"), tokens(CASED, "cafe\u0301")); // decomposed é is not the vocabulary's café
  }

  @Test
  void shouldLowerCaseEachCharOnItsOwnWithoutFinalSigma() {
    // Hugging Face lower-cases char by char: a word-final capital sigma becomes σ, not ς (tokenization.py: ς)
    assertEquals(List.of("ο", "##δ", "##ο", "##σ"), tokens(UNCASED, "ΟΔΟΣ"));
  }

  // --- Offsets ---------------------------------------------------------------------------------------------------

  @Test
  void shouldMapOffsetsToOriginalCodePointsWhenLowerCasingExpands() {
    // İ -> NFD I + U+0307 -> strip -> I -> i: one original char, one normalised char; "istanbul" spans all 8
    assertEquals(List.of("istanbul"), tokens(UNCASED, "İSTANBUL"));
    assertArrayEquals(new int[][] {{0, 8}}, spans(UNCASED, "İSTANBUL"));
    // İ followed by a decomposed accent: two original chars make the one normalised "i"
    assertEquals(List.of("istanbul", "##x"), tokens(UNCASED, "İ\u0301stanbulX"));
    assertArrayEquals(new int[][] {{0, 9}, {9, 10}}, spans(UNCASED, "İ\u0301stanbulX"));
    // a piece ends at "i": the stripped U+0301 after it belongs to no piece
    assertEquals(List.of("i", "##stan"), tokens(UNCASED, "İ\u0301STAN"));
    assertArrayEquals(new int[][] {{0, 1}, {2, 6}}, spans(UNCASED, "İ\u0301STAN"));
  }

  @Test
  void shouldMapOffsetsOfCaseExpandingCharsInCasedMode() {
    // ß has no single-char upper case; with a cased vocabulary it is simply a char of the word
    assertEquals(List.of("straße"), tokens(CASED, "straße"));
    assertEquals(List.of("d", "##ß", "##d"), tokens(CASED, "dßd"));
    assertArrayEquals(new int[][] {{0, 1}, {1, 2}, {2, 3}}, spans(CASED, "dßd"));
  }

  @Test
  void shouldCountOffsetsInCodePointsNotUtf16Units() {
    // the emoji is one code point (two UTF-16 units) and becomes [UNK]; "hello" starts at code point 2
    assertEquals(List.of("[UNK]", "hello"), tokens(CASED, "\uD83D\uDE00 hello"));
    assertArrayEquals(new int[][] {{0, 1}, {2, 7}}, spans(CASED, "\uD83D\uDE00 hello"));
  }

  @Test
  void shouldSpanAllOriginalCharsOfAPieceAcrossRemovedChars() {
    // x, ZWSP, x: the removed char lies between the two pieces, so each piece keeps its own char
    assertArrayEquals(new int[][] {{0, 1}, {2, 3}}, spans(CASED, "x\u200Bx"));
    assertEquals(List.of("x", "##x"), tokens(CASED, "x\u200Bx"));
  }

  // --- Encoding --------------------------------------------------------------------------------------------------

  @Test
  void shouldWrapSingleTextInClsAndSep() {
    Encoding e = UNCASED.encode("Hello, world", 16);
    assertArrayEquals(new int[] {VOCAB.clsId(), VOCAB.id("hello"), VOCAB.id(","), VOCAB.id("world"), VOCAB.sepId()},
        e.inputIds());
    assertArrayEquals(new int[] {0, 0, 0, 0, 0}, e.segmentIds());
    assertArrayEquals(new int[] {1, 1, 1, 1, 1}, e.attentionMask());
    assertArrayEquals(new int[] {0, 0, 5, 7, 0}, e.starts());
    assertArrayEquals(new int[] {0, 5, 6, 12, 0}, e.ends());
    assertArrayEquals(new int[] {-1, 0, 1, 2, -1}, e.wordIndex());
    assertEquals(0, e.truncated());
  }

  @Test
  void shouldKeepFirstPiecesWhenSingleTextIsTooLong() {
    Encoding e = UNCASED.encode("unaffable hello world", 4);
    assertArrayEquals(new int[] {VOCAB.clsId(), VOCAB.id("un"), VOCAB.id("##aff"), VOCAB.sepId()}, e.inputIds());
    assertEquals(3, e.truncated());
  }

  @Test
  void shouldSegmentPairAsZeroThenOne() {
    Encoding e = UNCASED.encodePair("hello", "world !", 16);
    assertArrayEquals(new int[] {VOCAB.clsId(), VOCAB.id("hello"), VOCAB.sepId(), VOCAB.id("world"), VOCAB.id("!"),
        VOCAB.sepId()}, e.inputIds());
    assertArrayEquals(new int[] {0, 0, 0, 1, 1, 1}, e.segmentIds());
    assertArrayEquals(new int[] {0, 0, 0, 0, 6, 0}, e.starts()); // offsets into each text
    assertArrayEquals(new int[] {-1, 0, -1, 0, 1, -1}, e.wordIndex());
  }

  @Test
  void shouldTruncatePairFromTheLongerTextFirst() {
    // a has 6 pieces, b has 2; budget 10 - 3 = 7: one piece dropped from a's end
    Encoding e = CASED.encodePair("a b a b a b", "x x", 10);
    assertArrayEquals(new int[] {VOCAB.clsId(), 9, 11, 9, 11, 9, VOCAB.sepId(), 29, 29, VOCAB.sepId()}, e.inputIds());
    assertEquals(1, e.truncated());
  }

  @Test
  void shouldTruncatePairAlternatelyOnceBothAreEqualDroppingFromSecondOnTies() {
    // a: 4 pieces, b: 4 pieces, budget 8 - 3 = 5: tie pops b (3), then a (3), then tie pops b (2)
    Encoding e = CASED.encodePair("a b a b", "x c x c", 8);
    int a = VOCAB.id("a");
    int b = VOCAB.id("b");
    int x = VOCAB.id("x");
    int c = VOCAB.id("c");
    assertArrayEquals(new int[] {VOCAB.clsId(), a, b, a, VOCAB.sepId(), x, c, VOCAB.sepId()}, e.inputIds());
    assertEquals(3, e.truncated());
  }

  @Test
  void shouldTruncateLongSecondTextOnlyWhileItIsLonger() {
    // a: 1 piece, b: 6 pieces, budget 4: b loses 3 and a keeps its piece
    Encoding e = CASED.encodePair("a", "x x x x x x", 7);
    int x = VOCAB.id("x");
    assertArrayEquals(new int[] {VOCAB.clsId(), VOCAB.id("a"), VOCAB.sepId(), x, x, x, VOCAB.sepId()}, e.inputIds());
  }

  @Test
  void shouldPadWithPadIdAndZeroMask() {
    Encoding e = UNCASED.encode("hello", 8).padTo(5, VOCAB.padId());
    assertArrayEquals(new int[] {VOCAB.clsId(), VOCAB.id("hello"), VOCAB.sepId(), VOCAB.padId(), VOCAB.padId()},
        e.inputIds());
    assertArrayEquals(new int[] {1, 1, 1, 0, 0}, e.attentionMask());
    assertArrayEquals(new int[] {-1, 0, -1, -1, -1}, e.wordIndex());
    assertEquals(3, e.tokenCount());
  }

  @Test
  void shouldRejectBadArgumentsWithClearMessages() {
    assertThrows(IllegalArgumentException.class, () -> UNCASED.encode("a", 1));
    assertThrows(IllegalArgumentException.class, () -> UNCASED.encodePair("a", "b", 2));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> UNCASED.tokenize(null));
    assertEquals("text is null", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> UNCASED.encode("hello", 8).padTo(2, 0));
  }

  @Test
  void shouldGiveSameResultsWhenUsedFromManyThreads() throws Exception {
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      texts.add("unaffable " + "hello, ".repeat(i % 7) + "İSTANBUL 中文 " + "x".repeat(i % 300));
    }
    List<Encoding> expected = new ArrayList<>();
    for (String t : texts) {
      expected.add(UNCASED.encodePair(t, t, 64));
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int k = 0; k < 8; k++) {
        results.add(pool.submit(() -> {
          for (int i = 0; i < texts.size(); i++) {
            if (!UNCASED.encodePair(texts.get(i), texts.get(i), 64).equals(expected.get(i))) {
              return false;
            }
          }
          return true;
        }));
      }
      for (Future<Boolean> r : results) {
        assertEquals(true, r.get());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void shouldExposeSpecialIdsOfTheVocabulary() {
    assertEquals(Arrays.asList(0, 1, 2, 3, 4),
        Arrays.asList(UNCASED.padId(), UNCASED.unkId(), UNCASED.clsId(), UNCASED.sepId(), UNCASED.maskId()));
    assertEquals(VOCAB.size(), UNCASED.vocabSize());
  }
}
