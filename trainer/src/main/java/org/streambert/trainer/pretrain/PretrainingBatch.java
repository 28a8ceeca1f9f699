package org.streambert.trainer.pretrain;

import java.util.Arrays;
import java.util.List;
import org.streambert.trainer.engine.EncoderBatch;

/**
 * Instances padded into the arrays run_pretraining.py feeds: the encoder's [B, T] ids, mask, segments
 * ({@link EncoderBatch}, T the longest instance), [B, M] masked positions, original ids and weights (M the most
 * predictions of any instance; padding predictions have position 0, id 0 and weight 0), and [B] next-sentence labels.
 */
record PretrainingBatch(EncoderBatch inputs, int predictions, int[] maskedPositions, int[] maskedIds,
    float[] maskedWeights, int[] nextSentenceLabels) {

  static PretrainingBatch of(List<PretrainingInstance> instances, int padId) {
    EncoderBatch inputs = EncoderBatch.of(instances, PretrainingInstance::inputIds, PretrainingInstance::segmentIds,
        padId);
    int b = instances.size();
    int m = Math.max(1, instances.stream().mapToInt(i -> i.maskedPositions().length).max().orElse(1));
    int[] positions = new int[b * m];
    int[] labels = new int[b * m];
    float[] weights = new float[b * m];
    int[] nsp = new int[b];
    for (int r = 0; r < b; r++) {
      PretrainingInstance in = instances.get(r);
      int k = in.maskedPositions().length;
      System.arraycopy(in.maskedPositions(), 0, positions, r * m, k);
      System.arraycopy(in.maskedLabels(), 0, labels, r * m, k);
      Arrays.fill(weights, r * m, r * m + k, 1f);
      nsp[r] = in.nextSentenceLabel();
    }
    return new PretrainingBatch(inputs, m, positions, labels, weights, nsp);
  }

  int batch() {
    return inputs.size();
  }
}
