package org.streambert.bert.inference.internals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Splitting a long token sequence into overlapping windows, and choosing each token's best window. */
public final class Windows {

  /** Tokens [start, start + length) of the text; [CLS]/[SEP] are added around it. */
  public record Span(int start, int length) {
  }

  private Windows() {
  }

  /**
   * Windows of at most {@code maxTokens} tokens covering all {@code numTokens}, each starting
   * {@code min(length, stride)} after the previous one; the last ends at the last token (run_squad.py: the
   * {@code doc_spans} loop in convert_examples_to_features).
   */
  public static List<Span> spans(int numTokens, int maxTokens, int stride) {
    if (maxTokens < 1 || stride < 1) {
      throw new IllegalArgumentException("maxTokens and stride must be positive");
    }
    List<Span> spans = new ArrayList<>();
    int start = 0;
    while (start < numTokens) {
      int length = Math.min(numTokens - start, maxTokens);
      spans.add(new Span(start, length));
      if (start + length == numTokens) {
        break;
      }
      start += Math.min(length, stride);
    }
    return spans;
  }

  /**
   * For each token, the index of the span where it has the most context: score {@code min(left, right) + 0.01 *
   * length}, the first span winning ties (run_squad.py: _check_is_max_context).
   */
  public static int[] maxContextSpan(List<Span> spans, int numTokens) {
    int[] best = new int[numTokens];
    double[] bestScore = new double[numTokens];
    Arrays.fill(best, -1);
    for (int s = 0; s < spans.size(); s++) {
      Span span = spans.get(s);
      int last = span.start() + span.length() - 1;
      for (int i = span.start(); i <= last; i++) {
        double score = Math.min(i - span.start(), last - i) + 0.01 * span.length();
        if (best[i] < 0 || score > bestScore[i]) {
          best[i] = s;
          bestScore[i] = score;
        }
      }
    }
    for (int i = 0; i < numTokens; i++) {
      if (best[i] < 0) {
        throw new IllegalArgumentException("token " + i + " is in no span");
      }
    }
    return best;
  }
}
