package org.streambert.trainer.train;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import org.streambert.bert.inference.BertPredictor;
import org.streambert.bert.model.ForwardPass;
import org.streambert.bert.model.ForwardResult;
import org.streambert.trainer.data.ClassificationExample;
import org.streambert.trainer.data.LabelSets;
import org.streambert.trainer.data.NerSentence;
import org.streambert.trainer.eval.ClassificationMetrics;
import org.streambert.trainer.eval.NerMetrics;

/**
 * Evaluates a forward pass (dropout off) on encoded dev examples. NER is scored per dataset word with conlleval
 * semantics: a word's predicted tag is the arg-max label of its first piece, {@code O} for a word without one.
 */
public final class Evaluator {

  private Evaluator() {}

  /**
   * @param classification encoded classification examples (may be empty)
   * @param classLabels the class labels (ids index this list)
   * @param ner encoded NER examples (may be empty), parallel to {@code nerSentences}
   * @param nerSentences the gold sentences
   * @param nerLabels the tag labels
   */
  public static EvalReport evaluate(ForwardPass model, int padId, int batchSize, List<Feature> classification,
      List<String> classLabels, List<Feature> ner, List<NerSentence> nerSentences, List<String> nerLabels) {
    return evaluate(model, padId, batchSize, classification, classLabels, ner, nerSentences, nerLabels,
        new int[classification.size()]);
  }

  /**
   * Evaluates the model as {@link #evaluate} does, then the predictor that serves it on the same dev data
   * ({@link ServedEvaluation}), comparing each text's served label with the one read here.
   *
   * @param predictor       serves {@code model} (its forward pass), with the settings the app uses
   * @param classExamples   the classification dev examples, parallel to {@code classification}
   */
  public static EvalReport evaluateServed(BertPredictor predictor, ForwardPass model, int padId, int batchSize,
      List<ClassificationExample> classExamples, List<Feature> classification, List<String> classLabels,
      List<Feature> ner, List<NerSentence> nerSentences, List<String> nerLabels) {
    return evaluateServed(predictor, model, padId, batchSize, classExamples, classification, classLabels, ner,
        nerSentences, nerLabels, ServedText.TOKENIZED, Set.of(ServedText.TOKENIZED));
  }

  /**
   * {@link #evaluateServed(BertPredictor, ForwardPass, int, int, List, List, List, List, List, List)} with NER served as
   * each of {@code texts}; {@code primary}'s figures are the served dev score's.
   */
  public static EvalReport evaluateServed(BertPredictor predictor, ForwardPass model, int padId, int batchSize,
      List<ClassificationExample> classExamples, List<Feature> classification, List<String> classLabels,
      List<Feature> ner, List<NerSentence> nerSentences, List<String> nerLabels, ServedText primary,
      Set<ServedText> texts) {
    int[] predictedClasses = new int[classification.size()];
    EvalReport report = evaluate(model, padId, batchSize, classification, classLabels, ner, nerSentences, nerLabels,
        predictedClasses);
    ServedMetrics served = ServedEvaluation.evaluate(predictor, classExamples, classLabels, predictedClasses,
        nerSentences, primary, texts);
    return new EvalReport(report.classification(), report.ner(), served);
  }

  private static EvalReport evaluate(ForwardPass model, int padId, int batchSize, List<Feature> classification,
      List<String> classLabels, List<Feature> ner, List<NerSentence> nerSentences, List<String> nerLabels,
      int[] predictedClasses) {
    ClassificationMetrics cls = null;
    if (!classification.isEmpty()) {
      int[] gold = new int[classification.size()];
      run(model, padId, batchSize, classification, (i, result, row) -> {
        gold[i] = classification.get(i).classLabel();
        predictedClasses[i] = argMax(result.classProbs(), row * result.numClasses(), result.numClasses());
      });
      cls = ClassificationMetrics.evaluate(classLabels, gold, predictedClasses);
    }
    NerMetrics nerMetrics = null;
    if (!ner.isEmpty()) {
      List<List<String>> gold = new ArrayList<>();
      List<List<String>> predicted = new ArrayList<>();
      for (int i = 0; i < ner.size(); i++) {
        gold.add(nerSentences.get(i).tags());
        predicted.add(null);
      }
      run(model, padId, batchSize, ner, (i, result, row) -> {
        Feature f = ner.get(i);
        int k = result.numTokenLabels();
        List<String> tags = new ArrayList<>(f.firstPiece().length);
        for (int position : f.firstPiece()) {
          tags.add(position < 0 ? LabelSets.OUTSIDE
              : nerLabels.get(argMax(result.tokenProbs(), (row * result.seqLen() + position) * k, k)));
        }
        predicted.set(i, tags);
      });
      nerMetrics = NerMetrics.evaluate(gold, predicted);
    }
    return new EvalReport(cls, nerMetrics);
  }

  private interface RowConsumer {
    void accept(int example, ForwardResult result, int row);
  }

  /** Runs the examples in batches of similar length; calls back once per example with its row in the result. */
  private static void run(ForwardPass model, int padId, int batchSize, List<Feature> features, RowConsumer consumer) {
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < features.size(); i++) {
      order.add(i);
    }
    order.sort(Comparator.comparingInt(i -> features.get(i).length()));
    for (int from = 0; from < order.size(); from += batchSize) {
      List<Integer> idx = order.subList(from, Math.min(from + batchSize, order.size()));
      Batch b = Batch.of(idx.stream().map(features::get).toList(), padId);
      ForwardResult result = model.run(b.size(), b.seqLen(), b.ids(), b.mask(), b.segments());
      for (int row = 0; row < idx.size(); row++) {
        consumer.accept(idx.get(row), result, row);
      }
    }
  }

  static int argMax(float[] values, int offset, int count) {
    int best = 0;
    for (int j = 1; j < count; j++) {
      if (values[offset + j] > values[offset + best]) {
        best = j;
      }
    }
    return best;
  }
}
