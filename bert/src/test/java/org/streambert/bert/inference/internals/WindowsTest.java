package org.streambert.bert.inference.internals;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.streambert.bert.inference.internals.Windows.Span;

class WindowsTest {

  @Test
  void shouldStepByStrideAndEndLastWindowAtLastToken() {
    // 10 tokens, 4 per window, stride 3: starts 0, 3, 6; 6 + 4 = 10 ends it.
    assertEquals(List.of(new Span(0, 4), new Span(3, 4), new Span(6, 4)), Windows.spans(10, 4, 3));
  }

  @Test
  void shouldNotStepFurtherThanWindowLength() {
    // stride 128 > 4 tokens per window: step is 4, windows touch without overlap (run_squad.py min(length, stride)).
    assertEquals(List.of(new Span(0, 4), new Span(4, 4), new Span(8, 1)), Windows.spans(9, 4, 128));
  }

  @Test
  void shouldPickWindowWithMostContextPerToken() {
    // Windows [0,4) [2,6) [4,8): score min(left, right) + 0.04, first wins ties (worked out in BertPredictorTest).
    int[] best = Windows.maxContextSpan(Windows.spans(8, 4, 2), 8);
    assertArrayEquals(new int[] {0, 0, 0, 1, 1, 2, 2, 2}, best);
  }

  @Test
  void shouldGiveTiedTokenToEarlierWindow() {
    // Windows [0,4) [1,5) [2,6): token 2 scores 1.04 in windows 0 and 1, token 3 scores 1.04 in windows 1 and 2.
    assertArrayEquals(new int[] {0, 0, 0, 1, 2, 2}, Windows.maxContextSpan(Windows.spans(6, 4, 1), 6));
  }
}
