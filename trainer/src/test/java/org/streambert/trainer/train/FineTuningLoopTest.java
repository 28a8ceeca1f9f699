package org.streambert.trainer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** A tiny BERT (L=2, H=32, random init) really learns synthetic tasks, alone and together. */
class FineTuningLoopTest {

  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

  private static TrainingResult train(TaskData data, TrainingConfig config) {
    try (StartingPoint start = TinyModels.start(config.seed())) {
      return FineTuningLoop.run(start, data, config, QUIET);
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

  @Test
  void shouldLearnBothTasksWithOneSharedEncoder() {
    TaskData data = new TaskData(TinyModels.topics(500, 5), TinyModels.topics(150, 6), TinyModels.sentences(500, 7),
        TinyModels.sentences(150, 8));
    TrainingResult result = train(data, TinyModels.training().withEpochs(5));
    assertEquals(3, result.heads().numClasses());
    assertEquals(7, result.heads().numTokenLabels());
    assertTrue(result.best().classification().accuracy() >= 0.95, result.best().toTable());
    assertTrue(result.best().ner().overall().f1() >= 0.95, result.best().toTable());
    // Early stopping selects on what BertPredictor serves.
    assertEquals((result.best().served().classification().macroF1() + result.best().served().ner().overall().f1())
        / 2, result.best().score(), 1e-12);
  }

  @Test
  void shouldGiveTheSameMetricsForTheSameSeedAndDifferentOnesForAnother() {
    TaskData data = new TaskData(TinyModels.topics(160, 9), TinyModels.topics(60, 10), TinyModels.sentences(160, 11),
        TinyModels.sentences(60, 12));
    TrainingConfig config = TinyModels.training().withEpochs(2);
    String first = history(train(data, config));
    String second = history(train(data, config));
    String otherSeed = history(train(data, config.withSeed(config.seed() + 1)));
    assertEquals(first, second);
    assertNotEquals(first, otherSeed);
  }

  /** Every epoch's loss and dev metrics, exactly. */
  private static String history(TrainingResult r) {
    return r.history().stream().map(e -> e.meanLoss() + " " + e.dev()).collect(Collectors.joining("\n"));
  }
}
