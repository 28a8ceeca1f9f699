package org.streambert.trainer.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.streambert.bert.bundle.BertBundles;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.inference.BertPredictor;
import org.streambert.bert.inference.Entity;
import org.streambert.bert.inference.LabelScore;
import org.streambert.bert.inference.Prediction;
import org.streambert.bert.model.ForwardPass;
import org.streambert.bert.model.Precision;
import org.streambert.bert.onnx.OnnxBundles;
import org.streambert.bert.onnx.OnnxPrecision;
import org.streambert.trainer.publish.RunReport;

/**
 * Golden score tolerances justified by a measured distribution (issue 32 §4): for each engine and precision the
 * bundle can be served on (TensorFlow at each precision, ONNX Runtime at each precision when the bundle carries an
 * ONNX file), the golden texts are predicted in one call, as an instance's golden check sends them, and the largest
 * move of a label score against the golden (TensorFlow fp32) scores, times {@value #MARGIN}, at least
 * {@value #FLOOR}, becomes that engine's tolerance in {@code run.json} and the checkpoint event
 * ({@code goldenTolerances}). An engine on which a golden label or entity list differs, or a score is not finite, gets
 * no tolerance: an instance's golden check refuses the bundle on it whatever the tolerance, and says why.
 * {@code GoldenToleranceBench} (bench) measures the same on a bundle and a data set.
 */
public final class GoldenTolerances {

  /** The measured largest move is multiplied by this: room for another CPU's kernels and summation order. */
  public static final double MARGIN = 1.5;
  /**
   * The smallest tolerance stored: TensorFlow fp32 reproduces its own golden scores exactly on the trainer's machine,
   * and another CPU's fp32 kernels (AVX2 against AVX-512, another thread count) move a softmax score by about 1e-6.
   */
  public static final double FLOOR = 1e-4;

  /** One engine's measurement: the largest move, and the tolerance, or why it has none. */
  public record Measured(ServedArithmetic engine, double largestMove, Double tolerance, String refusal) {}

  private GoldenTolerances() {}

  /** The engines and precisions an instance can serve {@code bundle} on. */
  public static List<ServedArithmetic> servable(ModelBundle bundle) {
    List<ServedArithmetic> engines = new ArrayList<>();
    for (Precision p : Precision.values()) {
      if (p != Precision.AUTO) {
        engines.add(ServedArithmetic.tensorflow(p));
      }
    }
    if (OnnxBundles.hasOnnx(bundle)) {
      for (OnnxPrecision p : OnnxPrecision.values()) {
        engines.add(new ServedArithmetic(ServedArithmetic.ONNXRUNTIME, p.toString()));
      }
    }
    return engines;
  }

  /**
   * Measures {@code golden} on every engine the run's bundle can be served on and stores the tolerances in
   * {@code run.json}, unless it holds one for each already (calling it again after nothing changed costs nothing,
   * unless an engine had none). A report without golden examples is left as it is.
   */
  static RunReport apply(Path runDir, PrintStream log) throws IOException {
    RunReport report = RunReport.read(runDir);
    if (report.goldenExamples().isEmpty()) {
      return report;
    }
    ModelBundle bundle = ModelBundle.open(runDir.resolve(RunReport.BUNDLE_DIR));
    List<ServedArithmetic> engines = servable(bundle);
    List<String> names = engines.stream().map(ServedArithmetic::toString).toList();
    if (report.goldenTolerances().keySet().containsAll(names)) {
      return report;
    }
    Map<String, Double> tolerances = new LinkedHashMap<>();
    for (Measured m : measure(bundle, report.goldenExamples(), engines)) {
      if (m.tolerance() != null) {
        tolerances.put(m.engine().toString(), m.tolerance());
        log.printf(Locale.ROOT, "golden tolerance on %s: %.6f (largest score move %.6f x %.1f, floor %.0e)%n",
            m.engine(), m.tolerance(), m.largestMove(), MARGIN, FLOOR);
      } else {
        log.printf("golden tolerance on %s: none, %s%n", m.engine(), m.refusal());
      }
    }
    RunReport updated = report.withGoldenTolerances(tolerances);
    updated.write(runDir);
    return updated;
  }

  /** The largest golden label-score move on each of {@code engines}, and the tolerance it justifies. */
  public static List<Measured> measure(ModelBundle bundle, List<RunReport.Golden> golden, List<ServedArithmetic> engines)
      throws IOException {
    List<String> texts = golden.stream().map(RunReport.Golden::text).toList();
    List<Measured> out = new ArrayList<>();
    for (ServedArithmetic engine : engines) {
      List<Prediction> predictions;
      try {
        ForwardPass pass = engine.open(bundle);
        BertPredictor predictor;
        try {
          predictor = BertBundles.openPredictor(bundle, BertBundles.openTokenizer(bundle), b -> pass,
              BertBundles.defaultPredictorConfig(bundle));
        } catch (IOException | RuntimeException e) {
          pass.close();
          throw e;
        }
        try (predictor) {
          predictions = predictor.predict(texts);
        }
      } catch (IOException | RuntimeException | LinkageError e) {
        out.add(new Measured(engine, Double.NaN, null, "it does not run here: " + e));
        continue;
      }
      out.add(compare(engine, golden, predictions));
    }
    return out;
  }

  /** One engine's predictions against the golden examples. */
  public static Measured compare(ServedArithmetic engine, List<RunReport.Golden> golden, List<Prediction> predictions) {
    double largest = 0;
    for (int i = 0; i < golden.size(); i++) {
      RunReport.Golden g = golden.get(i);
      Prediction p = predictions.get(i);
      if (p.nonFinite().isPresent()) {
        return new Measured(engine, Double.NaN, null, "golden example " + i + ": " + p.nonFinite().get());
      }
      String label = p.label() == null ? null : p.label().label();
      if (g.expectedLabel() != null && !g.expectedLabel().equals(label)) {
        return new Measured(engine, Double.NaN, null, "golden example " + i + " is labelled " + label + ", not "
            + g.expectedLabel());
      }
      List<String> want = g.expectedEntities().stream().map(e -> e.type() + "[" + e.start() + "," + e.end() + ")")
          .toList();
      List<String> have = p.entities().stream().map(GoldenTolerances::span).toList();
      if (!want.equals(have)) {
        return new Measured(engine, Double.NaN, null, "golden example " + i + " has entities " + have + ", not "
            + want);
      }
      Map<String, Float> scores = new LinkedHashMap<>();
      for (LabelScore s : p.labelScores()) {
        scores.put(s.label(), s.score());
      }
      for (RunReport.Score expected : g.expectedScores()) {
        Float actual = scores.get(expected.label());
        if (actual == null) {
          return new Measured(engine, Double.NaN, null, "golden example " + i + " has no score for "
              + expected.label());
        }
        largest = Math.max(largest, Math.abs(actual - expected.score()));
      }
    }
    double tolerance = Math.max(largest * MARGIN, FLOOR);
    if (!(tolerance <= 1)) {
      return new Measured(engine, largest, null, "its largest score move " + largest + " leaves no useful tolerance");
    }
    return new Measured(engine, largest, tolerance, null);
  }

  private static String span(Entity e) {
    return e.type() + "[" + e.start() + "," + e.end() + ")";
  }
}
