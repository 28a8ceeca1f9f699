package org.streambert.trainer.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.streambert.trainer.internals.Json;

/**
 * Classification evaluation: accuracy, per-class precision/recall/F1, macro-F1 and the confusion matrix.
 *
 * <p>Macro-F1 is the unweighted mean of the per-class F1 over the classes that occur in the gold labels
 * or in the predictions (scikit-learn's {@code f1_score(average="macro")} without a {@code labels}
 * argument); a class of the label list that occurs in neither is not counted, so it does not drag the
 * mean down on a small evaluation set.
 *
 * @param labels the class labels; indices into this list are class ids
 * @param examples number of examples evaluated
 * @param accuracy fraction of examples whose prediction equals the gold label
 * @param macroF1 see above
 * @param perClass one score per label, in label order
 * @param confusion {@code confusion[gold][predicted]} counts, indexed like {@code labels}
 */
public record ClassificationMetrics(
    List<String> labels, long examples, double accuracy, double macroF1, List<ClassScore> perClass,
    long[][] confusion) {

  /**
   * Evaluates predicted class ids against gold ones.
   *
   * @param labels the class labels (ids index this list)
   * @param gold gold class id per example
   * @param predicted predicted class id per example, same length as gold
   */
  public static ClassificationMetrics evaluate(List<String> labels, int[] gold, int[] predicted) {
    if (gold.length != predicted.length) {
      throw new IllegalArgumentException(
          gold.length + " gold labels but " + predicted.length + " predictions");
    }
    if (gold.length == 0) {
      throw new IllegalArgumentException("nothing to evaluate: no examples");
    }
    int c = labels.size();
    long[][] confusion = new long[c][c];
    long correct = 0;
    for (int i = 0; i < gold.length; i++) {
      checkId(gold[i], c, "gold", i);
      checkId(predicted[i], c, "predicted", i);
      confusion[gold[i]][predicted[i]]++;
      if (gold[i] == predicted[i]) {
        correct++;
      }
    }
    List<ClassScore> perClass = new ArrayList<>(c);
    double f1Sum = 0;
    int counted = 0;
    for (int k = 0; k < c; k++) {
      long support = 0;
      long predictedAsK = 0;
      for (int j = 0; j < c; j++) {
        support += confusion[k][j];
        predictedAsK += confusion[j][k];
      }
      long tp = confusion[k][k];
      double precision = predictedAsK == 0 ? 0 : (double) tp / predictedAsK;
      double recall = support == 0 ? 0 : (double) tp / support;
      double f1 = Scores.f1(precision, recall);
      perClass.add(new ClassScore(labels.get(k), support, predictedAsK, precision, recall, f1));
      if (support > 0 || predictedAsK > 0) {
        f1Sum += f1;
        counted++;
      }
    }
    return new ClassificationMetrics(
        List.copyOf(labels), gold.length, (double) correct / gold.length, f1Sum / counted, perClass, confusion);
  }

  /** Evaluates predicted labels against gold labels given as strings of {@code labels}. */
  public static ClassificationMetrics evaluate(List<String> labels, List<String> gold, List<String> predicted) {
    Map<String, Integer> index = new LinkedHashMap<>();
    for (int i = 0; i < labels.size(); i++) {
      index.put(labels.get(i), i);
    }
    return evaluate(labels, ids(index, gold, "gold"), ids(index, predicted, "predicted"));
  }

  private static int[] ids(Map<String, Integer> index, List<String> values, String which) {
    int[] ids = new int[values.size()];
    for (int i = 0; i < ids.length; i++) {
      Integer id = index.get(values.get(i));
      if (id == null) {
        throw new IllegalArgumentException(
            which + " label '" + values.get(i) + "' of example " + i + " is not one of " + index.keySet());
      }
      ids[i] = id;
    }
    return ids;
  }

  private static void checkId(int id, int classes, String which, int example) {
    if (id < 0 || id >= classes) {
      throw new IllegalArgumentException(
          which + " class id " + id + " of example " + example + " is outside [0, " + classes + ")");
    }
  }

  /** The metrics as pretty-printed JSON (fractions in [0, 1]). */
  public String toJson() {
    return Json.pretty(this);
  }

  /** A printable report: per-class table in percent, accuracy, macro-F1 and the confusion matrix. */
  public String toTable() {
    int width = "label".length();
    for (int k = 0; k < labels.size(); k++) {
      width = Math.max(width, (k + ":" + labels.get(k)).length()); // confusion rows are "id:label"
    }
    String format = "%-" + width + "s  %9s  %6s  %6s  %7s  %9s";
    List<String> rows = new ArrayList<>();
    rows.add(String.format(Locale.ROOT, format, "label", "precision", "recall", "f1", "support", "predicted"));
    for (ClassScore s : perClass) {
      rows.add(String.format(Locale.ROOT, format, s.label(), Scores.percent(s.precision()),
          Scores.percent(s.recall()), Scores.percent(s.f1()), s.support(), s.predicted()));
    }
    rows.add(String.format(Locale.ROOT, "accuracy: %s%%  macro-F1: %s%%  (%d examples)",
        Scores.percent(accuracy).strip(), Scores.percent(macroF1).strip(), examples));
    rows.add("confusion matrix (rows: gold, columns: predicted)");
    int cell = 1;
    for (long[] row : confusion) {
      for (long v : row) {
        cell = Math.max(cell, Long.toString(v).length());
      }
    }
    StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%-" + width + "s", ""));
    for (int k = 0; k < labels.size(); k++) {
      header.append("  ").append(String.format(Locale.ROOT, "%" + cell + "d", k));
    }
    rows.add(header.toString());
    for (int g = 0; g < labels.size(); g++) {
      StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-" + width + "s", g + ":" + labels.get(g)));
      for (long v : confusion[g]) {
        line.append("  ").append(String.format(Locale.ROOT, "%" + cell + "d", v));
      }
      rows.add(line.toString());
    }
    return String.join(System.lineSeparator(), rows) + System.lineSeparator();
  }
}
