package org.streambert.trainer.pretrain;

import java.util.Arrays;

/**
 * One pre-training example ({@code TrainingInstance} of create_pretraining_data.py), unpadded.
 *
 * @param inputIds        {@code [CLS] A [SEP] B [SEP]} after masking
 * @param segmentIds      0 up to and including the first [SEP], 1 after
 * @param isRandomNext    whether B was drawn from another document (NotNext) instead of following A (IsNext)
 * @param maskedPositions positions chosen for prediction, ascending
 * @param maskedLabels    the original token ids at those positions
 */
public record PretrainingInstance(int[] inputIds, int[] segmentIds, boolean isRandomNext, int[] maskedPositions,
    int[] maskedLabels) {

  public PretrainingInstance {
    if (segmentIds.length != inputIds.length) {
      throw new IllegalArgumentException("inputIds and segmentIds differ in length");
    }
    if (maskedPositions.length != maskedLabels.length) {
      throw new IllegalArgumentException("maskedPositions and maskedLabels differ in length");
    }
  }

  /** Number of tokens. */
  public int length() {
    return inputIds.length;
  }

  /** {@code next_sentence_labels}: 1 for NotNext, 0 for IsNext. */
  public int nextSentenceLabel() {
    return isRandomNext ? 1 : 0;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PretrainingInstance p && isRandomNext == p.isRandomNext
        && Arrays.equals(inputIds, p.inputIds) && Arrays.equals(segmentIds, p.segmentIds)
        && Arrays.equals(maskedPositions, p.maskedPositions) && Arrays.equals(maskedLabels, p.maskedLabels);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(inputIds) * 31 + Arrays.hashCode(maskedPositions);
  }

  @Override
  public String toString() {
    return "PretrainingInstance[ids=" + Arrays.toString(inputIds) + ", segments=" + Arrays.toString(segmentIds)
        + ", isRandomNext=" + isRandomNext + ", maskedPositions=" + Arrays.toString(maskedPositions)
        + ", maskedLabels=" + Arrays.toString(maskedLabels) + "]";
  }
}
