package org.streambert.trainer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Fine-tuning's dev evaluation also scores what BertPredictor serves from the same weights. */
class ServedEvaluationTest {

  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

  @Test
  void shouldServeTheEvaluatedLabelOfEveryDevTextAndScoreServedEntitySpans() {
    TaskData data = new TaskData(TinyModels.topics(300, 21), TinyModels.topics(80, 22), TinyModels.sentences(300, 23),
        TinyModels.sentences(80, 24));
    TrainingResult result;
    try (StartingPoint start = TinyModels.start(5)) {
      result = FineTuning.run(start, data, TinyModels.training().withEpochs(3), QUIET);
    }
    EvalReport best = result.best();
    ServedMetrics served = best.served();
    assertNotNull(served, best.toTable());
    assertEquals(80, served.labelsCompared());
    assertEquals(served.labelsCompared(), served.labelsAgreeing(), "served label = evaluated label for every text");
    assertEquals(best.classification().accuracy(), served.classification().accuracy(), 1e-12);
    // Same word unit on both sides: the served entity F1 is the conlleval one, up to rounding between batch shapes.
    assertEquals(best.ner().overall().f1(), served.ner().overall().f1(), 0.02, best.toTable());
    assertEquals(best.ner().overall().gold(), served.ner().overall().gold(), "one gold span per gold chunk");
    assertTrue(best.metrics().containsKey(EvalReport.SERVED_ENTITY_F1));
    assertEquals(1.0, best.metrics().get(EvalReport.SERVED_LABEL_AGREEMENT), 1e-12);
    assertTrue(best.toTable().contains("served by BertPredictor"), best.toTable());
    assertEquals(List.copyOf(best.metrics().keySet()), List.copyOf(result.history().get(result.bestEpoch() - 1).dev()
        .keySet()));
  }
}
