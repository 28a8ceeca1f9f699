package org.streambert.bert.qa;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.streambert.bert.tokenizer.WordPieceTokenizer;

class QaFeaturizerTest {
  private static final WordPieceTokenizer TOK = QaTestTokenizers.letters();
  /** Question "q" (1 token): 10 - 1 - 3 = 6 context tokens per window, next window 3 tokens later. */
  private static final QaOptions SMALL = new QaOptions(10, 3, 4, 20, 30);
  private static final String CONTEXT = "a b c d e f g h i"; // token k starts at code point 2k

  @Test
  void shouldLayOutQuestionThenContextWindowWithSegments() {
    QaWindow w = new QaFeaturizer(TOK, SMALL).windows("q", CONTEXT).get(0);
    int[] expected = {TOK.clsId(), id("q"), TOK.sepId(), id("a"), id("b"), id("c"), id("d"), id("e"), id("f"),
        TOK.sepId()};
    assertArrayEquals(expected, w.inputIds());
    assertArrayEquals(new int[] {0, 0, 0, 1, 1, 1, 1, 1, 1, 1}, w.segmentIds());
    assertArrayEquals(new int[] {-1, -1, -1, 0, 2, 4, 6, 8, 10, -1}, w.contextStarts());
    assertArrayEquals(new int[] {-1, -1, -1, 1, 3, 5, 7, 9, 11, -1}, w.contextEnds());
  }

  @Test
  void shouldSlideWindowsByTheDocStrideUntilTheLastToken() {
    List<QaWindow> ws = new QaFeaturizer(TOK, SMALL).windows("q", CONTEXT);
    assertEquals(2, ws.size());
    assertEquals(6, ws.get(1).contextStarts()[3], "second window starts at token d (code point 6)");
    assertEquals(16, ws.get(1).contextStarts()[8], "and ends with token i");
  }

  @Test
  void shouldMarkEachTokenMaxContextInTheWindowWhereItIsMostCentral() {
    List<QaWindow> ws = new QaFeaturizer(TOK, SMALL).windows("q", CONTEXT);
    // Windows a..f and d..i. d: min(3,2)=2 vs min(0,5)=0 -> first; e: min(4,1)=1 vs min(1,4)=1 tie -> first;
    // f: min(5,0)=0 vs min(2,3)=2 -> second.
    boolean[] first = ws.get(0).maxContext();
    boolean[] second = ws.get(1).maxContext();
    assertArrayEquals(new boolean[] {false, false, false, true, true, true, true, true, false, false}, first);
    assertArrayEquals(new boolean[] {false, false, false, false, false, true, true, true, true, false}, second);
  }

  @Test
  void shouldKeepOnlyTheFirstMaxQueryLengthQuestionTokens() {
    QaWindow w = new QaFeaturizer(TOK, SMALL).windows("a b c d e f", "x y").get(0);
    assertArrayEquals(new int[] {TOK.clsId(), id("a"), id("b"), id("c"), id("d"), TOK.sepId(), id("x"), id("y"),
        TOK.sepId()}, w.inputIds());
  }

  @Test
  void shouldLabelTheAnswerOnlyInWindowsThatHoldAllOfIt() {
    // Answer "e f g" = code points [8, 13): tokens 4..6, which only the second window (d..i) holds entirely.
    List<QaWindow> ws = new QaFeaturizer(TOK, SMALL).trainingWindows("q", CONTEXT, 8, 13);
    assertEquals(0, ws.get(0).startPosition());
    assertEquals(0, ws.get(0).endPosition());
    assertEquals(3 + 1, ws.get(1).startPosition());
    assertEquals(3 + 3, ws.get(1).endPosition());
  }

  @Test
  void shouldMapAnAnswerInsideAWordToEveryPieceItTouches() {
    // "playing" = play ##ing; an answer "ing" (code points [5, 8) of "x y playing") is mapped to the piece ##ing.
    QaWindow w = new QaFeaturizer(TOK, QaOptions.DEFAULTS).trainingWindows("q", "x y playing", 8, 11).get(0);
    assertEquals(id("##ing"), w.inputIds()[w.startPosition()]);
    assertEquals(w.startPosition(), w.endPosition());
    QaWindow whole = new QaFeaturizer(TOK, QaOptions.DEFAULTS).trainingWindows("q", "x y playing", 4, 11).get(0);
    assertEquals(id("play"), whole.inputIds()[whole.startPosition()]);
    assertEquals(whole.startPosition() + 1, whole.endPosition());
  }

  @Test
  void shouldSkipAnAnswerThatCoversNoToken() {
    assertTrue(new QaFeaturizer(TOK, SMALL).trainingWindows("q", "a  b", 1, 3).isEmpty());
  }

  @Test
  void shouldGiveAnEmptyContextNoWindow() {
    assertTrue(new QaFeaturizer(TOK, SMALL).windows("q", "   ").isEmpty());
    assertFalse(new QaFeaturizer(TOK, SMALL).windows("q", "a").isEmpty());
  }

  private static int id(String token) {
    return TOK.vocab().id(token);
  }
}
