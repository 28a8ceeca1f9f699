package org.streambert.bert.qa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.streambert.bert.tokenizer.WordPieceTokenizer;

/** Decoding on hand-made logits over real windows (see {@link QaFeaturizerTest} for their layout). */
class SpanDecoderTest {
  private static final WordPieceTokenizer TOK = QaTestTokenizers.letters();
  private static final QaOptions SMALL = new QaOptions(10, 3, 4, 20, 30);
  private static final String CONTEXT = "a b c d e f g h i";
  private static final float LOW = -10f;

  @Test
  void shouldPickTheSpanWithTheHighestStartPlusEndLogit() {
    List<QaWindow> ws = windows(CONTEXT, SMALL.withMaxSeqLength(20)); // one window, context at positions 3..11
    float[] s = low(ws.get(0));
    float[] e = low(ws.get(0));
    s[4] = 5; // b
    e[6] = 4; // d
    s[7] = 3; // e
    e[7] = 3;
    List<QaAnswer> answers = decode(CONTEXT, ws, List.of(s), List.of(e));
    assertEquals(new QaAnswer("b c d", 2, 7, answers.get(0).probability(), 9.0), answers.get(0));
  }

  /**
   * The answer "f g h" (tokens 5..7) crosses the end of the first window (a..f). That window would offer only the cut
   * span "f" — given the highest logits here — but token f has more context in the second window (d..i), so the
   * first window's candidates starting at f are dropped and the full answer comes from the second window.
   */
  @Test
  void shouldFindAnAnswerCrossingAWindowBoundaryInTheWindowThatHoldsIt() {
    List<QaWindow> ws = windows(CONTEXT, SMALL);
    float[] s0 = low(ws.get(0));
    float[] e0 = low(ws.get(0));
    s0[8] = 9; // f, the first window's last context position
    e0[8] = 9;
    float[] s1 = low(ws.get(1));
    float[] e1 = low(ws.get(1));
    s1[5] = 4; // f in the second window (d e f g h i at 3..8)
    e1[7] = 4; // h
    QaAnswer best = decode(CONTEXT, ws, List.of(s0, s1), List.of(e0, e1)).get(0);
    assertEquals("f g h", best.text());
    assertEquals(10, best.start());
    assertEquals(15, best.end());
  }

  @Test
  void shouldRejectSpansThatEndBeforeTheyStart() {
    List<QaWindow> ws = windows(CONTEXT, SMALL.withMaxSeqLength(20)); // a..i at positions 3..11
    float[] s = low(ws.get(0));
    float[] e = low(ws.get(0));
    s[9] = 9; // g
    e[4] = 9; // b, before g
    s[5] = 1; // c
    e[6] = 1; // d
    assertEquals("c d", decode(CONTEXT, ws, List.of(s), List.of(e)).get(0).text());
  }

  @Test
  void shouldRejectSpansLongerThanTheMaximumAnswerLength() {
    List<QaWindow> ws = windows(CONTEXT, SMALL.withMaxSeqLength(20));
    float[] s = low(ws.get(0));
    float[] e = low(ws.get(0));
    s[3] = 9; // a
    e[11] = 9; // i, 9 tokens from a
    s[5] = 1; // c
    e[6] = 1; // d
    List<QaAnswer> answers = new SpanDecoder(20, 3).decode(CONTEXT, ws, List.of(s), List.of(e));
    assertEquals("c d", answers.get(0).text());
    assertTrue(answers.stream().allMatch(a -> a.text().split(" ").length <= 3), answers.toString());
  }

  @Test
  void shouldNeverAnswerWithTheQuestionOrSpecialTokens() {
    List<QaWindow> ws = windows(CONTEXT, SMALL.withMaxSeqLength(20));
    float[] s = low(ws.get(0));
    float[] e = low(ws.get(0));
    s[0] = 50; // [CLS]
    e[0] = 50;
    s[1] = 40; // the question
    e[1] = 40;
    s[12] = 30; // final [SEP]
    e[12] = 30;
    List<QaAnswer> answers = decode(CONTEXT, ws, List.of(s), List.of(e));
    assertTrue(answers.stream().allMatch(a -> a.start() >= 0 && a.end() <= 17), answers.toString());
  }

  @Test
  void shouldGiveProbabilitiesThatSumToOneOverDistinctTexts() {
    List<QaWindow> ws = windows(CONTEXT, SMALL);
    float[][] s = {random(ws.get(0), 1), random(ws.get(1), 2)};
    float[][] e = {random(ws.get(0), 3), random(ws.get(1), 4)};
    List<QaAnswer> answers = decode(CONTEXT, ws, Arrays.asList(s), Arrays.asList(e));
    assertEquals(1.0, answers.stream().mapToDouble(QaAnswer::probability).sum(), 1e-9);
    assertEquals(answers.size(), answers.stream().map(QaAnswer::text).distinct().count(), "repeated texts");
    assertTrue(answers.size() <= 20);
    for (int i = 1; i < answers.size(); i++) {
      assertTrue(answers.get(i - 1).logit() >= answers.get(i).logit(), "not ranked by logit");
    }
  }

  @Test
  void shouldReturnCodePointOffsetsAfterAstralCharacters() {
    String context = "😀 😀 x y";
    List<QaWindow> ws = windows(context, QaOptions.DEFAULTS);
    float[] s = low(ws.get(0));
    float[] e = low(ws.get(0));
    s[5] = 5; // x ([CLS] q [SEP] 😀 😀 x y [SEP])
    e[6] = 5; // y
    QaAnswer best = decode(context, ws, List.of(s), List.of(e)).get(0);
    assertEquals("x y", best.text());
    assertEquals(4, best.start());
    assertEquals(7, best.end());
  }

  private static List<QaWindow> windows(String context, QaOptions o) {
    return new QaFeaturizer(TOK, o).windows("q", context);
  }

  private static List<QaAnswer> decode(String context, List<QaWindow> ws, List<float[]> s, List<float[]> e) {
    return new SpanDecoder(SMALL).decode(context, ws, s, e);
  }

  private static float[] low(QaWindow w) {
    float[] v = new float[w.length()];
    Arrays.fill(v, LOW);
    return v;
  }

  private static float[] random(QaWindow w, long seed) {
    java.util.Random r = new java.util.Random(seed);
    float[] v = new float[w.length()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }
}
