package org.streambert.trainer.publish;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.streambert.bert.bundle.BertBundles;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.inference.BertPredictor;
import org.streambert.bert.inference.Prediction;

/**
 * Golden examples: a few texts with what the exported bundle itself predicts for them, computed through the same
 * path the streams app uses ({@link BertBundles#openPredictor} with the bundle's own settings), so the app can check
 * a downloaded bundle reproduces them before serving it.
 */
public final class GoldenExamples {

  /** Default number of golden examples. */
  public static final int DEFAULT_COUNT = 5;

  private GoldenExamples() {}

  public static List<RunReport.Golden> compute(ModelBundle bundle, List<String> texts) throws IOException {
    List<String> usable = texts.stream().filter(t -> t != null && !t.isBlank()).toList();
    if (usable.isEmpty()) {
      return List.of();
    }
    try (BertPredictor predictor = BertBundles.openPredictor(bundle, BertBundles.defaultPredictorConfig(bundle))) {
      List<Prediction> predictions = predictor.predict(usable);
      List<RunReport.Golden> golden = new ArrayList<>();
      for (int i = 0; i < usable.size(); i++) {
        Prediction p = predictions.get(i);
        golden.add(new RunReport.Golden(usable.get(i), p.label() == null ? null : p.label().label(),
            p.labelScores().stream().map(s -> new RunReport.Score(s.label(), s.score())).toList(),
            p.entities().stream()
                .map(e -> new RunReport.Span(e.type(), e.text(), e.start(), e.end(), e.score())).toList()));
      }
      return golden;
    }
  }
}
