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

  @Test
  void shouldScoreARefusedDevTextAsMissedInsteadOfFailingTheEvaluation() {
    // A sentence whose only token is a zero-width space: the tokenizer deletes it, the predictor refuses the text
    // (the app dead-letters such records), and its gold entity counts as missed.
    org.streambert.bert.tokenizer.Vocab vocab = TinyModels.demoVocab();
    org.streambert.bert.model.BertConfig cfg = TinyModels.config(vocab.size());
    List<String> labels = org.streambert.trainer.data.LabelSets.nerLabels(List.of("PER"));
    List<org.streambert.trainer.data.NerSentence> dev = List.of(
        new org.streambert.trainer.data.NerSentence(List.of("\u200B"), List.of("B-PER")),
        TinyModels.sentences(1, 31).get(0));
    org.streambert.bert.model.WeightSource weights;
    try (StartingPoint start = StartingPoint.random(cfg, vocab, false, 3)) {
      weights = org.streambert.bert.model.WeightSource.ofArrays(readAll(start, cfg, labels.size()));
    }
    try (org.streambert.bert.inference.BertPredictor predictor = org.streambert.bert.inference.BertPredictor.create(
        new org.streambert.bert.tokenizer.WordPieceTokenizer(vocab, false),
        org.streambert.bert.model.BertModel.create(cfg, new org.streambert.bert.model.HeadsSpec(0, false,
            labels.size()), weights),
        null, new org.streambert.bert.heads.TokenClassificationHead("ner", labels),
        org.streambert.bert.inference.PredictorConfig.builder().maxLength(TinyModels.MAX_LENGTH).build())) {
      ServedMetrics served = ServedEvaluation.evaluate(predictor, List.of(), List.of(), null, dev);
      assertEquals(1, served.unservable());
      long gold = 1 + org.streambert.trainer.eval.Entities.fromIob2(dev.get(1).tags()).size();
      assertEquals(gold, served.ner().overall().gold(), "the refused text's gold entity still counts");
    }
  }

  private static java.util.Map<String, float[]> readAll(StartingPoint start, org.streambert.bert.model.BertConfig cfg,
      int tokenLabels) {
    try (FineTuner tuner = FineTuner.create(cfg, new org.streambert.bert.model.HeadsSpec(0, false, tokenLabels),
        start.weights(true, true, 3), 1e-3, 1, 0.1, 3)) {
      return tuner.weights();
    }
  }
}
