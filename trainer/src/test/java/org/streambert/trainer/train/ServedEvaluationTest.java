package org.streambert.trainer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.streambert.bert.heads.TokenClassificationHead;
import org.streambert.bert.inference.BertPredictor;
import org.streambert.bert.inference.PredictorConfig;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.BertModel;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.model.WeightSource;
import org.streambert.bert.tokenizer.Vocab;
import org.streambert.bert.tokenizer.WordPieceTokenizer;
import org.streambert.trainer.data.LabelSets;
import org.streambert.trainer.data.NerSentence;
import org.streambert.trainer.eval.Entities;

/** Fine-tuning's dev evaluation also scores what BertPredictor serves from the same weights. */
class ServedEvaluationTest {

  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

  @Test
  void shouldServeTheEvaluatedLabelOfEveryDevTextAndScoreServedEntitySpans() {
    TaskData data = new TaskData(TinyModels.topics(300, 21), TinyModels.topics(80, 22), TinyModels.sentences(300, 23),
        TinyModels.sentences(80, 24));
    TrainingResult result;
    try (StartingPoint start = TinyModels.start(5)) {
      result = FineTuningLoop.run(start, data, TinyModels.training().withEpochs(3), QUIET);
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
    Vocab vocab = TinyModels.demoVocab();
    BertConfig cfg = TinyModels.config(vocab.size());
    List<String> labels = LabelSets.nerLabels(List.of("PER"));
    List<NerSentence> dev = List.of(
        new NerSentence(List.of("\u200B"), List.of("B-PER")),
        TinyModels.sentences(1, 31).get(0));
    WeightSource weights;
    try (StartingPoint start = StartingPoint.random(cfg, vocab, false, 3)) {
      weights = WeightSource.ofArrays(readAll(start, cfg, labels.size()));
    }
    try (BertPredictor predictor = BertPredictor.create(new WordPieceTokenizer(vocab, false),
        BertModel.create(cfg, new HeadsSpec(0, false, labels.size()), weights), null,
        new TokenClassificationHead("ner", labels),
        PredictorConfig.builder().maxLength(TinyModels.MAX_LENGTH).build())) {
      ServedMetrics served = ServedEvaluation.evaluate(predictor, List.of(), List.of(), null, dev);
      assertEquals(1, served.unservable());
      long gold = 1 + Entities.fromIob2(dev.get(1).tags()).size();
      assertEquals(gold, served.ner().overall().gold(), "the refused text's gold entity still counts");
    }
  }

  /** The starting point's weights with a fresh token head, as fine-tuning would begin. */
  private static Map<String, float[]> readAll(StartingPoint start, BertConfig cfg, int tokenLabels) {
    try (FineTuningGraph tuner = FineTuningGraph.create(cfg, new HeadsSpec(0, false, tokenLabels),
        start.weights(true, true, 3), 1e-3, 1, 0.1, 3)) {
      return tuner.weights();
    }
  }
}
