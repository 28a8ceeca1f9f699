package org.streambert.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.streambert.bert.bundle.BertBundles;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.inference.BertPredictor;
import org.streambert.bert.inference.Prediction;
import org.streambert.bert.model.Precision;

/**
 * Issue 14 §2: {@link BertPredictor#predict} texts/s of a teacher bundle and its students (distilled, truncated and
 * fine-tuned) in one process, on the same texts, with the share of texts where a student serves the same label and
 * entity list (types and spans) as the first bundle (the teacher). Rounds rotate the order of the bundles so all see
 * the same drifting load; the load average is printed.
 *
 * <p>Arguments: {@code TEXTS_FILE ROUNDS CALL_SIZE BUNDLE_DIR[@fp32|@bf16]...} (a bundle is served at fp32 unless
 * its argument ends in {@code @bf16}; the same bundle may be given twice); texts are lines, a trailing {@code <TAB>label} is
 * dropped (the TSV the trainer reads).
 */
public final class DistilledStudentBench {

  private DistilledStudentBench() {
  }

  /** What a prediction serves, without scores: its label and its entities' types and spans. */
  private static String servedOf(Prediction p) {
    StringBuilder b = new StringBuilder(p.label() == null ? "-" : p.label().label());
    p.entities().forEach(e -> b.append(' ').append(e.type()).append('@').append(e.start()).append('-').append(e.end()));
    return b.toString();
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 4) {
      System.err.println("usage: DistilledStudentBench TEXTS_FILE ROUNDS CALL_SIZE BUNDLE_DIR...");
      System.exit(2);
    }
    List<String> texts = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of(args[0]))) {
      int tab = line.lastIndexOf('\t');
      String text = (tab >= 0 ? line.substring(0, tab) : line).strip();
      if (!text.isEmpty()) {
        texts.add(text);
      }
    }
    int rounds = Integer.parseInt(args[1]);
    int callSize = Integer.parseInt(args[2]);
    int n = args.length - 3;
    System.out.printf(Locale.ROOT, "load average at start: %s; %d texts, %d rounds, calls of %d%n",
        BenchSupport.loadAverage(), texts.size(), rounds, callSize);
    List<BertPredictor> predictors = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        String arg = args[3 + i];
        int at = arg.lastIndexOf('@');
        Precision precision = at > 0 ? Precision.parse(arg.substring(at + 1)) : Precision.FP32;
        ModelBundle bundle = ModelBundle.open(Path.of(at > 0 ? arg.substring(0, at) : arg));
        predictors.add(BertBundles.openPredictor(bundle, BertBundles.defaultPredictorConfig(bundle), precision));
      }
      List<List<Prediction>> outputs = new ArrayList<>();
      for (BertPredictor p : predictors) {
        outputs.add(BenchSupport.predictInCalls(p, texts, callSize)); // warm-up, and the labels compared below
      }
      long[] nanos = new long[n];
      for (int round = 0; round < rounds; round++) {
        for (int j = 0; j < n; j++) {
          int i = (round + j) % n;
          long t0 = System.nanoTime();
          BenchSupport.predictInCalls(predictors.get(i), texts, callSize);
          nanos[i] += System.nanoTime() - t0;
        }
      }
      for (int i = 0; i < n; i++) {
        int same = 0;
        double maxScoreDiff = 0;
        for (int t = 0; t < texts.size(); t++) {
          Prediction first = outputs.get(0).get(t);
          Prediction p = outputs.get(i).get(t);
          if (servedOf(first).equals(servedOf(p))) {
            same++;
          }
          for (int j = 0; j < Math.min(first.labelScores().size(), p.labelScores().size()); j++) {
            maxScoreDiff = Math.max(maxScoreDiff,
                Math.abs(first.labelScores().get(j).score() - p.labelScores().get(j).score()));
          }
        }
        double perSecond = (double) rounds * texts.size() / (nanos[i] / 1e9);
        System.out.printf(Locale.ROOT, "%s: %.2f texts/s (%.2fx the first), same label and entity list as the first: "
                + "%d/%d, max |class score diff| %.4f%n", args[3 + i], perSecond,
            perSecond / ((double) rounds * texts.size() / (nanos[0] / 1e9)), same, texts.size(), maxScoreDiff);
      }
      System.out.printf(Locale.ROOT, "load average at end: %s%n", BenchSupport.loadAverage());
    } finally {
      for (BertPredictor p : predictors) {
        p.close();
      }
    }
  }
}
