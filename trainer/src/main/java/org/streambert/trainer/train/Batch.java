package org.streambert.trainer.train;

import java.util.Arrays;
import java.util.List;

/**
 * Examples of one task padded to the longest one, as flat row-major arrays ready to feed: ids, mask and segments
 * [B, T]; class labels [B] ({@link Feature#IGNORED} for NER batches); token labels and weights [B, T] (weight 1 at
 * the first piece of each word of NER examples, 0 elsewhere and in classification batches).
 */
record Batch(Task task, int size, int seqLen, int[] ids, int[] mask, int[] segments, int[] classLabels,
    int[] tokenLabels, float[] tokenWeights) {

  static Batch of(List<Feature> features, int padId) {
    if (features.isEmpty()) {
      throw new IllegalArgumentException("empty batch");
    }
    Task task = features.get(0).task();
    int b = features.size();
    int t = features.stream().mapToInt(Feature::length).max().orElseThrow();
    int[] ids = new int[b * t];
    int[] mask = new int[b * t];
    int[] segments = new int[b * t];
    int[] classLabels = new int[b];
    int[] tokenLabels = new int[b * t];
    float[] weights = new float[b * t];
    Arrays.fill(ids, padId);
    for (int i = 0; i < b; i++) {
      Feature f = features.get(i);
      if (f.task() != task) {
        throw new IllegalArgumentException("a batch mixes " + task + " and " + f.task() + " examples");
      }
      System.arraycopy(f.ids(), 0, ids, i * t, f.length());
      Arrays.fill(mask, i * t, i * t + f.length(), 1);
      classLabels[i] = f.classLabel();
      if (f.tokenLabels() != null) {
        for (int p = 0; p < f.length(); p++) {
          int label = f.tokenLabels()[p];
          if (label != Feature.IGNORED) {
            tokenLabels[i * t + p] = label;
            weights[i * t + p] = 1f;
          }
        }
      }
    }
    return new Batch(task, b, t, ids, mask, segments, classLabels, tokenLabels, weights);
  }
}
