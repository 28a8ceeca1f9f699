package org.streambert.trainer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A tiny BERT (L=2, H=32, random init) really learns synthetic tasks, alone and together. */
class FineTuningTest {

  private static final PrintStream LOG = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

  private static TrainingResult train(TaskData data, TrainingConfig config) {
    try (StartingPoint start = TinyModels.start(config.seed())) {
      return FineTuning.run(start, data, config, System.out);
    }
  }

  @Test
  void shouldLearnSyntheticClassification() {
    TaskData data = new TaskData(TinyModels.topics(600, 1), TinyModels.topics(200, 2), List.of(), List.of());
    TrainingResult result = train(data, TinyModels.training());
    assertNull(result.best().ner());
    assertTrue(result.best().classification().accuracy() >= 0.95, result.best().toTable());
  }

  @Test
  void shouldLearnSyntheticNer() {
    TaskData data = new TaskData(List.of(), List.of(), TinyModels.sentences(600, 3), TinyModels.sentences(200, 4));
    TrainingResult result = train(data, TinyModels.training());
    assertNull(result.best().classification());
    assertTrue(result.best().ner().overall().f1() >= 0.95, result.best().toTable());
  }
}
