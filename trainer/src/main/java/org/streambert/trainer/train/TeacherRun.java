package org.streambert.trainer.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.streambert.bert.model.ForwardPass;
import org.streambert.bert.model.ForwardResult;
import org.streambert.trainer.optim.SoftTargetLoss;

/** Runs a teacher's forward pass over encoded examples once and keeps its distributions at temperature T. */
final class TeacherRun {

  private TeacherRun() {}

  /**
   * Puts each feature's {@link TeacherTargets} into {@code out}: the class distribution [C] and the distribution
   * of every word piece [L, K] (L the feature's length), both softened to {@code temperature}
   * ({@link SoftTargetLoss#soften}). Batches are of similar length so padding stays small.
   */
  static void softTargets(ForwardPass teacher, List<Feature> features, int padId, int batchSize, double temperature,
      Map<Feature, TeacherTargets> out) {
    List<Feature> order = new ArrayList<>(features);
    order.sort(Comparator.comparingInt(Feature::length));
    for (int from = 0; from < order.size(); from += batchSize) {
      List<Feature> chunk = order.subList(from, Math.min(from + batchSize, order.size()));
      Batch b = Batch.of(chunk.stream().map(TeacherRun::asUnlabelled).toList(), padId);
      ForwardResult r = teacher.run(b.size(), b.seqLen(), b.ids(), b.mask(), b.segments());
      int c = r.numClasses();
      int k = r.numTokenLabels();
      for (int row = 0; row < chunk.size(); row++) {
        Feature f = chunk.get(row);
        float[] cls = r.classProbs() == null ? null
            : SoftTargetLoss.soften(Arrays.copyOfRange(r.classProbs(), row * c, (row + 1) * c), c, temperature);
        float[] tok = null;
        if (r.tokenProbs() != null) {
          int start = row * b.seqLen() * k; // [B, T, K]: this row's first L positions
          tok = SoftTargetLoss.soften(Arrays.copyOfRange(r.tokenProbs(), start, start + f.length() * k), k,
              temperature);
        }
        out.put(f, new TeacherTargets(cls, tok));
      }
    }
  }

  /** The same ids as one task, so examples of every task share a teacher batch. */
  private static Feature asUnlabelled(Feature f) {
    return new Feature(Task.UNLABELLED, f.ids(), Feature.IGNORED, null, null);
  }
}
