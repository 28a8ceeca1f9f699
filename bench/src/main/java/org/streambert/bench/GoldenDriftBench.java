package org.streambert.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.inference.BertPredictor;
import org.streambert.bert.inference.Prediction;
import org.streambert.trainer.data.ClassificationExample;
import org.streambert.trainer.data.ClassificationReader;
import org.streambert.trainer.data.ConllReader;
import org.streambert.trainer.data.TagScheme;

/**
 * Issue 24 phase 2: what a golden check sees when a model fine-tuned (and golden-scored) in TensorFlow fp32 is served
 * by another engine or precision. For every text of a labelled dev set: the largest class-probability move from
 * TensorFlow fp32, and whether the label (classifier) or the entity list (NER) changed. Then the share of golden sets
 * of {@code G} consecutive texts (the trainer takes the first {@code --golden} dev texts, so any window of the dev set
 * is a plausible golden set) that would pass the rollout's golden check at each score tolerance: every label and
 * entity list equal, every score within the tolerance. This is the evidence for {@code nlp.golden.score.tolerance.int8}.
 *
 * <p>Arguments ({@code - -} for CLS_BUNDLE CLS_DEV.tsv: NER only): {@code CLS_BUNDLE CLS_DEV.tsv NER_BUNDLE NER_TEST.conll NER_SCHEME WORK_DIR [golden=5]
 * [engines=tf-bf16,ort-fp32:nospin,ort-int8:nospin]} (engine names as in {@link OnnxPeerBench}; the bundles are
 * exported to ONNX into WORK_DIR once).
 */
public final class GoldenDriftBench {

  private static final double[] TOLERANCES = {0.001, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 1.0};

  private GoldenDriftBench() {
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 6) {
      System.err.println("usage: GoldenDriftBench CLS_BUNDLE CLS_DEV.tsv NER_BUNDLE NER_TEST.conll NER_SCHEME WORK_DIR "
          + "[golden=5] [engines=tf-bf16,ort-fp32:nospin,ort-int8:nospin]");
      System.exit(2);
    }
    Path work = Path.of(args[5]);
    boolean hasCls = !args[0].equals("-"); // "-": no classifier, NER only
    ModelBundle cls = hasCls ? OnnxPeerBench.withOnnx(ModelBundle.open(Path.of(args[0])), work) : null;
    List<String> clsTexts = hasCls ? ClassificationReader.read(Path.of(args[1])).examples().stream()
        .map(ClassificationExample::text).toList() : List.of();
    ModelBundle ner = OnnxPeerBench.withOnnx(ModelBundle.open(Path.of(args[2])), work);
    List<String> nerTexts = ConllReader.read(Path.of(args[3]), TagScheme.valueOf(args[4])).sentences().stream()
        .map(s -> String.join(" ", s.tokens())).toList();
    int golden = args.length > 6 ? Integer.parseInt(args[6]) : 5;
    List<OnnxPeerBench.Engine> engines = Arrays.stream((args.length > 7 ? args[7]
        : "tf-bf16,ort-fp32:nospin,ort-int8:nospin").split(",")).map(OnnxPeerBench.Engine::new).toList();
    System.out.printf(Locale.ROOT, "CPU: %s; load average at start: %s; %d classifier texts, %d NER texts, golden "
        + "sets of %d%n", BenchSupport.cpu(), BenchSupport.loadAverage(), clsTexts.size(), nerTexts.size(), golden);

    OnnxPeerBench.Engine reference = new OnnxPeerBench.Engine("tf-fp32");
    List<Prediction> clsRef = hasCls ? predict(reference, cls, clsTexts) : null;
    List<Prediction> nerRef = predict(reference, ner, nerTexts);
    for (OnnxPeerBench.Engine engine : engines) {
      if (hasCls) {
        report("classifier", engine, clsRef, predict(engine, cls, clsTexts), golden);
      }
      report("NER", engine, nerRef, predict(engine, ner, nerTexts), golden);
    }
    System.out.printf(Locale.ROOT, "load average at end: %s%n", BenchSupport.loadAverage());
  }

  private static List<Prediction> predict(OnnxPeerBench.Engine engine, ModelBundle bundle, List<String> texts)
      throws Exception {
    try (BertPredictor p = engine.open(bundle, 2)) {
      return BenchSupport.predictInCalls(p, texts, 32);
    }
  }

  /** Per-text drift and the golden-set pass rates of one engine against the reference. */
  private static void report(String model, OnnxPeerBench.Engine engine, List<Prediction> ref, List<Prediction> got,
      int golden) {
    int n = ref.size();
    double[] drift = new double[n];
    boolean[] same = new boolean[n];
    int changed = 0;
    for (int t = 0; t < n; t++) {
      Prediction a = ref.get(t);
      Prediction b = got.get(t);
      for (int c = 0; c < a.labelScores().size(); c++) {
        drift[t] = Math.max(drift[t], Math.abs(a.labelScores().get(c).score() - b.labelScores().get(c).score()));
      }
      same[t] = String.valueOf(a.label() == null ? null : a.label().label())
          .equals(String.valueOf(b.label() == null ? null : b.label().label()))
          && spans(a).equals(spans(b));
      changed += same[t] ? 0 : 1;
    }
    double[] sorted = drift.clone();
    Arrays.sort(sorted);
    System.out.printf(Locale.ROOT, "RESULT %s %s: %d/%d texts with another label or entity list; class-probability "
            + "move p50 %.4f p90 %.4f p99 %.4f max %.4f%n", model, engine.name(), changed, n,
        quantile(sorted, 0.5), quantile(sorted, 0.9), quantile(sorted, 0.99), sorted[n - 1]);
    List<String> rates = new ArrayList<>();
    int sets = n - golden + 1;
    for (double tol : TOLERANCES) {
      int pass = 0;
      for (int s = 0; s < sets; s++) {
        boolean ok = true;
        for (int t = s; t < s + golden && ok; t++) {
          ok = same[t] && drift[t] <= tol;
        }
        pass += ok ? 1 : 0;
      }
      rates.add(String.format(Locale.ROOT, "%.3f: %.1f%%", tol, 100.0 * pass / sets));
    }
    System.out.printf(Locale.ROOT, "RESULT %s %s: golden sets of %d passing at tolerance %s%n", model, engine.name(),
        golden, String.join(", ", rates));
  }

  private static double quantile(double[] sorted, double q) {
    return sorted[Math.min(sorted.length - 1, (int) Math.floor(q * sorted.length))];
  }

  private static String spans(Prediction p) {
    StringBuilder b = new StringBuilder();
    p.entities().forEach(e -> b.append(e.type()).append('@').append(e.start()).append('-').append(e.end()).append(' '));
    return b.toString();
  }
}
