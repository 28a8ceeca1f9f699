package org.streambert.trainer.train;

import java.util.List;
import org.streambert.trainer.engine.EncoderBatch;

/**
 * Examples of one task padded to the longest one, as flat row-major arrays ready to feed: the encoder's inputs
 * ({@link EncoderBatch}: ids, mask and segments [B, T]); class labels [B] ({@link Feature#IGNORED} for NER batches);
 * token labels and weights [B, T] (weight 1 at the first piece of each word of NER examples, 0 elsewhere and in
 * classification batches).
 */
record Batch(Task task, EncoderBatch inputs, int[] classLabels, int[] tokenLabels, float[] tokenWeights) {

  static Batch of(List<Feature> features, int padId) {
    if (features.isEmpty()) {
      throw new IllegalArgumentException("empty batch");
    }
    Task task = features.get(0).task();
    EncoderBatch inputs = EncoderBatch.of(features, Feature::ids, null, padId);
    int b = inputs.size();
    int t = inputs.seqLen();
    int[] classLabels = new int[b];
    int[] tokenLabels = new int[b * t];
    float[] weights = new float[b * t];
    for (int i = 0; i < b; i++) {
      Feature f = features.get(i);
      if (f.task() != task) {
        throw new IllegalArgumentException("a batch mixes " + task + " and " + f.task() + " examples");
      }
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
    return new Batch(task, inputs, classLabels, tokenLabels, weights);
  }

  int size() {
    return inputs.size();
  }

  int seqLen() {
    return inputs.seqLen();
  }

  int[] ids() {
    return inputs.ids();
  }

  int[] mask() {
    return inputs.mask();
  }

  int[] segments() {
    return inputs.segments();
  }
}
