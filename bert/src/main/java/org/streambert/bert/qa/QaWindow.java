package org.streambert.bert.qa;

import java.util.Arrays;

/**
 * One model input of span QA: {@code [CLS] question [SEP] context-window [SEP]} (run_squad.py's
 * {@code InputFeatures}), unpadded.
 *
 * @param windowIndex   index of this window among the windows of its question
 * @param inputIds      vocabulary ids
 * @param segmentIds    0 for [CLS], the question and the first [SEP]; 1 for the context and the last [SEP]
 * @param contextStarts per position, the start of the token in the context in code points, -1 outside the context
 * @param contextEnds   per position, the end (exclusive) in code points, -1 outside the context
 * @param maxContext    per position, whether this window is the one where that context token has the most context
 *                      (run_squad.py's {@code token_is_max_context}); false outside the context
 * @param startPosition training label: position of the answer's first token, 0 ([CLS]) when the answer is not
 *                      entirely inside this window, -1 when unlabelled
 * @param endPosition   training label: position of the answer's last token, like {@code startPosition}
 */
public record QaWindow(int windowIndex, int[] inputIds, int[] segmentIds, int[] contextStarts, int[] contextEnds,
    boolean[] maxContext, int startPosition, int endPosition) {

  public QaWindow {
    int n = inputIds.length;
    if (segmentIds.length != n || contextStarts.length != n || contextEnds.length != n || maxContext.length != n) {
      throw new IllegalArgumentException("parallel arrays differ in length");
    }
    if (startPosition >= n || endPosition >= n || (startPosition < 0) != (endPosition < 0)
        || endPosition < startPosition) {
      throw new IllegalArgumentException("labels (" + startPosition + ", " + endPosition + ") do not fit a window of "
          + n + " positions");
    }
  }

  /** Number of positions. */
  public int length() {
    return inputIds.length;
  }

  /** Whether position {@code i} holds a context token. */
  public boolean inContext(int i) {
    return i >= 0 && i < contextStarts.length && contextStarts[i] >= 0;
  }

  /** Whether this window carries training labels. */
  public boolean labelled() {
    return startPosition >= 0;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof QaWindow w && windowIndex == w.windowIndex && startPosition == w.startPosition
        && endPosition == w.endPosition && Arrays.equals(inputIds, w.inputIds)
        && Arrays.equals(segmentIds, w.segmentIds) && Arrays.equals(contextStarts, w.contextStarts)
        && Arrays.equals(contextEnds, w.contextEnds) && Arrays.equals(maxContext, w.maxContext);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(inputIds) + windowIndex;
  }

  @Override
  public String toString() {
    return "QaWindow[" + windowIndex + ", ids=" + Arrays.toString(inputIds) + ", labels=(" + startPosition + ", "
        + endPosition + ")]";
  }
}
