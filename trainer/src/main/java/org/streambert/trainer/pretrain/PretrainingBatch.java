package org.streambert.trainer.pretrain;

import java.util.Arrays;
import java.util.List;

/**
 * Instances padded into the arrays run_pretraining.py feeds: [B, T] ids, mask, segments (T the longest instance),
 * [B, M] masked positions, original ids and weights (M the most predictions of any instance; padding predictions
 * have position 0, id 0 and weight 0), and [B] next-sentence labels.
 */
record PretrainingBatch(int batch, int seqLen, int predictions, int[] inputIds, int[] inputMask, int[] segmentIds,
    int[] maskedPositions, int[] maskedIds, float[] maskedWeights, int[] nextSentenceLabels) {

  static PretrainingBatch of(List<PretrainingInstance> instances, int padId) {
    int b = instances.size();
    int t = instances.stream().mapToInt(PretrainingInstance::length).max().orElse(1);
    int m = Math.max(1, instances.stream().mapToInt(i -> i.maskedPositions().length).max().orElse(1));
    int[] ids = new int[b * t];
    int[] mask = new int[b * t];
    int[] seg = new int[b * t];
    int[] positions = new int[b * m];
    int[] labels = new int[b * m];
    float[] weights = new float[b * m];
    int[] nsp = new int[b];
    Arrays.fill(ids, padId);
    for (int r = 0; r < b; r++) {
      PretrainingInstance in = instances.get(r);
      System.arraycopy(in.inputIds(), 0, ids, r * t, in.length());
      System.arraycopy(in.segmentIds(), 0, seg, r * t, in.length());
      Arrays.fill(mask, r * t, r * t + in.length(), 1);
      int k = in.maskedPositions().length;
      System.arraycopy(in.maskedPositions(), 0, positions, r * m, k);
      System.arraycopy(in.maskedLabels(), 0, labels, r * m, k);
      Arrays.fill(weights, r * m, r * m + k, 1f);
      nsp[r] = in.nextSentenceLabel();
    }
    return new PretrainingBatch(b, t, m, ids, mask, seg, positions, labels, weights, nsp);
  }
}
