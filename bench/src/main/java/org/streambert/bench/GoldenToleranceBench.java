package org.streambert.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.streambert.bert.bundle.BertBundles;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.inference.BertPredictor;
import org.streambert.bert.inference.Prediction;
import org.streambert.trainer.cli.GoldenTolerances;
import org.streambert.trainer.cli.ServedArithmetic;
import org.streambert.trainer.data.ConllReader;
import org.streambert.trainer.publish.GoldenExamples;
import org.streambert.trainer.publish.RunReport;
import org.streambert.trainer.train.Feature;

/**
 * Issue 32 §4: the golden tolerances the trainer would store for a bundle (its own {@link GoldenTolerances} code on the
 * first {@code golden} texts, golden scores from {@link GoldenExamples}), beside the move distribution over the first
 * {@code n} texts on each engine, in calls of 32 as an instance batches.
 *
 * <p>{@code GoldenToleranceBench BUNDLE DATA N GOLDEN}; DATA is a TSV (text in the first column) or a CoNLL file
 * ({@code .conll}).
 */
public final class GoldenToleranceBench {

  private GoldenToleranceBench() {}

  public static void main(String[] args) throws Exception {
    ModelBundle bundle = ModelBundle.open(Path.of(args[0]));
    List<String> texts = new ArrayList<>();
    if (args[1].endsWith(".conll")) {
      ConllReader.read(Path.of(args[1]), null).sentences().forEach(s -> texts.add(Feature.text(s)));
    } else {
      Files.readAllLines(Path.of(args[1])).forEach(line -> texts.add(line.split("\t")[0]));
    }
    int n = Math.min(Integer.parseInt(args[2]), texts.size());
    int goldenCount = Math.min(Integer.parseInt(args[3]), n);
    List<String> used = texts.subList(0, n);
    List<RunReport.Golden> golden = GoldenExamples.compute(bundle, used);
    List<ServedArithmetic> engines = GoldenTolerances.servable(bundle);
    Map<String, Double> stored = new LinkedHashMap<>();
    for (GoldenTolerances.Measured m : GoldenTolerances.measure(bundle, golden.subList(0, goldenCount), engines)) {
      System.out.printf(Locale.ROOT, "stored %-28s largest move %.3g -> %s%n", m.engine(), m.largestMove(),
          m.tolerance() == null ? "none: " + m.refusal() : String.format(Locale.ROOT, "%.3g", m.tolerance()));
      stored.put(m.engine().toString(), m.tolerance());
    }
    for (ServedArithmetic e : engines) {
      List<Prediction> predictions = new ArrayList<>();
      try (BertPredictor p = BertBundles.openPredictor(bundle, BertBundles.openTokenizer(bundle), e::open,
          BertBundles.defaultPredictorConfig(bundle))) {
        for (int i = 0; i < n; i += 32) {
          predictions.addAll(p.predict(used.subList(i, Math.min(n, i + 32))));
        }
      } catch (Exception | LinkageError x) {
        System.out.println(e + " does not run here: " + x);
        continue;
      }
      List<Double> moves = new ArrayList<>();
      int changed = 0;
      for (int i = 0; i < n; i++) {
        GoldenTolerances.Measured m = GoldenTolerances.compare(e, List.of(golden.get(i)), List.of(predictions.get(i)));
        if (m.tolerance() == null) {
          changed++;
        } else {
          moves.add(m.largestMove());
        }
      }
      Collections.sort(moves);
      Double t = stored.get(e.toString());
      long beyond = t == null ? -1 : moves.stream().filter(m -> m > t).count();
      System.out.printf(Locale.ROOT, "distribution %-28s n=%d label/entities changed=%d p50=%.5f p90=%.5f p99=%.5f "
          + "max=%.5f beyond the stored tolerance=%d%n", e, n, changed, q(moves, .5), q(moves, .9), q(moves, .99),
          moves.isEmpty() ? 0 : moves.get(moves.size() - 1), beyond);
    }
  }

  private static double q(List<Double> sorted, double p) {
    return sorted.isEmpty() ? 0 : sorted.get(Math.min(sorted.size() - 1, (int) Math.floor(p * sorted.size())));
  }
}
