package org.streambert.bert.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TextWordsTest {

  private static List<String> spans(String text) {
    TextWords words = TextWords.of(text);
    List<String> out = new ArrayList<>();
    for (int w = 0; w < words.size(); w++) {
      out.add(words.start(w) + "-" + words.end(w));
    }
    return out;
  }

  @Test
  void shouldSplitOnlyOnWhitespaceKeepingPunctuationInsideWords() {
    assertEquals(List.of("0-6", "7-11", "12-18", "19-29"), spans("AL-AIN U.S. O'Neil 1996-12-06"));
  }

  @Test
  void shouldTreatRunsOfSpacesTabsNewlinesAndNoBreakSpaceAsOneSeparator() {
    assertEquals(List.of("2-3", "4-5", "8-9", "10-11"), spans("  a\tb\r\n\nc\u00A0d  "));
    assertEquals(List.of(), spans(" \t\n"));
    assertEquals(List.of(), spans(""));
  }

  @Test
  void shouldKeepControlCharactersTheTokenizerDeletesInsideTheWord() {
    // U+000B is White_Space but a control the tokenizer removes, so "a\u000Bb" is one word there and here.
    assertEquals(List.of("0-3"), spans("a\u000Bb"));
  }

  @Test
  void shouldCountCodePointsNotChars() {
    assertEquals(List.of("0-1", "2-4"), spans("😀 𝒜x"));
  }

  @Test
  void shouldMapTokenStartsToTheirWordAndWhitespaceToMinusOne() {
    TextWords words = TextWords.of("ab  cd");
    assertArrayEquals(new int[] {0, 0, -1, -1, 1, 1, -1, -1}, words.wordsOf(new int[] {0, 1, 2, 3, 4, 5, 6, -1}));
  }

  @Test
  void shouldGiveEveryPieceOfTheTokenizerAWord() {
    WordPieceTokenizer tokenizer = new WordPieceTokenizer(Vocab.of(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]",
        "[MASK]", "AL", "-", "AIN", "St", ".")), false);
    String text = "AL-AIN\t\tSt.";
    WordPieces pieces = tokenizer.tokenize(text);
    assertArrayEquals(new int[] {0, 0, 0, 1, 1}, TextWords.of(text).wordsOf(pieces.starts()));
  }

  @Test
  void shouldRefuseNullText() {
    assertThrows(IllegalArgumentException.class, () -> TextWords.of(null));
  }
}
