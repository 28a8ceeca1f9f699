package org.streambert.trainer.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.onnx.OnnxBundles;
import org.streambert.trainer.data.ClassificationExample;
import org.streambert.trainer.data.NerSentence;
import org.streambert.trainer.publish.OnnxRuns;
import org.streambert.trainer.publish.PromotionGate;
import org.streambert.trainer.publish.Publisher;
import org.streambert.trainer.publish.RunReport;
import org.streambert.trainer.serve.ServeLoop;
import org.streambert.trainer.train.EvalReport;
import org.streambert.trainer.train.ServedText;
import org.streambert.trainer.train.TaskData;
import org.streambert.trainer.train.TrainingConfig;

/**
 * The dev figures a training command publishes, measured on the engine and precision the run's bundle is to be served
 * on ({@code --engine}, {@code --precision}; issue 32 §4): after export (and {@code --with-onnx}), the bundle is scored
 * on its dev data through the same served path as {@code trainer evaluate}, and {@code run.json} (hence the checkpoint
 * event's metrics and devEngine) and {@code dev-metrics.json} carry those figures and name the engine. The training
 * loop's own in-process TensorFlow fp32 figures still pick the best epoch.
 */
final class DevFigures {

  /** {@code --engine}'s default: what an instance serves by default for the bundle (see {@link #resolve}). */
  static final String AUTO = ServedArithmetic.AUTO;
  /** The dev figures file of a run directory. */
  static final String FILE = "dev-metrics.json";

  private DevFigures() {}

  /**
   * The engine and precision {@code engine}/{@code precision} name for a bundle that does ({@code hasOnnx}) or does
   * not carry an ONNX file: {@code auto} is the streams app's default choice, ONNX Runtime where the bundle carries an
   * ONNX file, else TensorFlow; a null precision is that engine's default served precision (ONNX Runtime int8,
   * per-row; TensorFlow fp32, the reference: an instance serving bf16 checks the golden examples with bf16's
   * tolerance, and the figures stay comparable across trainer machines with and without bf16 hardware).
   */
  static ServedArithmetic resolve(String engine, String precision, boolean hasOnnx) {
    boolean auto = engine == null || engine.isBlank() || engine.strip().equalsIgnoreCase(AUTO);
    if (auto && precision != null) {
      throw new IllegalArgumentException("--precision " + precision + " needs --engine tensorflow or onnxruntime "
          + "(auto measures what the bundle serves by default: onnxruntime int8 with an ONNX file, else tensorflow "
          + "fp32)");
    }
    String e = auto ? (hasOnnx ? ServedArithmetic.ONNXRUNTIME : ServedArithmetic.TENSORFLOW) : engine;
    String p = precision != null ? precision
        : e.strip().equalsIgnoreCase(ServedArithmetic.ONNXRUNTIME) ? "int8" : "fp32";
    return ServedArithmetic.parse(e, p);
  }

  /**
   * The evaluator {@code trainer serve} scores the champion with, on any engine and precision a candidate's figures
   * name, with the NER settings of {@code training}.
   */
  static ServeLoop.BundleEvaluator evaluator(TrainingOptions training) {
    return new ServeLoop.BundleEvaluator() {
      @Override
      public Map<String, Double> evaluate(Path bundle, List<ClassificationExample> cls, List<NerSentence> ner)
          throws IOException {
        return evaluate(bundle, cls, ner, ServedArithmetic.TENSORFLOW_FP32.toString());
      }

      @Override
      public Map<String, Double> evaluate(Path bundle, List<ClassificationExample> cls, List<NerSentence> ner,
          String engine) throws IOException {
        return EvaluateCommand.evaluate(bundle, cls, ner, TrainingConfig.DEFAULT_EVAL_BATCH_SIZE,
            ServedArithmetic.fromName(PromotionGate.engineOf(engine)), training.documentContext, training.servedText,
            EnumSet.of(ServedText.TOKENIZED, training.servedText)).metrics();
      }
    };
  }

  /**
   * What {@code --publish} re-scores the published version with when its figures were measured on another engine
   * than the candidate's: its bundle from the store on the candidate's dev data (restricted to its labels).
   */
  static Publisher.ChampionScorer rescorer(TaskData data, TrainingOptions training) {
    ServeLoop.BundleEvaluator evaluator = evaluator(training);
    return (bundle, engine) -> ServeLoop.championMetrics(evaluator, bundle, data, engine);
  }

  /** Refuses a bad {@code --engine}/{@code --precision} before any training. */
  static void validate(TrainingOptions training) {
    resolve(training.engine, training.precision, true);
    resolve(training.engine, training.precision, false);
  }

  /**
   * Scores the run's bundle in {@code runDir} on its dev data at the engine {@code training} names, rewrites
   * {@code run.json} and {@code dev-metrics.json} with those figures, and returns the new report. An explicit
   * {@code --engine onnxruntime} gives the bundle its ONNX file first (as {@code --with-onnx}). On TensorFlow fp32 the
   * training loop's figures are kept: they were measured on that arithmetic through the same served path.
   */
  static RunReport measure(Path runDir, TaskData data, TrainingOptions training, PrintStream log) throws IOException {
    RunReport report = RunReport.read(runDir);
    Path bundleDir = runDir.resolve(RunReport.BUNDLE_DIR);
    boolean hasOnnx = OnnxBundles.hasOnnx(ModelBundle.open(bundleDir));
    ServedArithmetic arithmetic = resolve(training.engine, training.precision, hasOnnx);
    if (arithmetic.engine().equals(ServedArithmetic.ONNXRUNTIME) && !hasOnnx) {
      log.println("--engine onnxruntime: adding the bundle's ONNX file (as --with-onnx)");
      OnnxRuns.addOnnx(runDir, log);
    }
    RunReport measured;
    String json;
    if (arithmetic.equals(ServedArithmetic.TENSORFLOW_FP32) || report.metrics().isEmpty()) {
      measured = report.metrics().isEmpty() ? report : report.withMetrics(report.metrics(), arithmetic.toString());
      json = null;
    } else {
      ServedText primary = training.servedText;
      EvalReport eval = EvaluateCommand.evaluate(bundleDir, data.hasClassification() ? data.classDev() : null,
          data.hasNer() ? data.nerDev() : null, TrainingConfig.DEFAULT_EVAL_BATCH_SIZE, arithmetic,
          training.documentContext, primary, EnumSet.of(ServedText.TOKENIZED, primary));
      Map<String, Double> metrics = eval.metrics();
      measured = report.withMetrics(metrics, arithmetic.toString());
      json = eval.toJson();
      log.printf("dev figures on %s (published with the checkpoint):%n", arithmetic);
      log.print(eval.toTable());
    }
    measured.write(runDir);
    if (json != null) {
      Files.writeString(runDir.resolve(FILE), EvaluateCommand.withEngine(json, arithmetic));
    }
    return GoldenTolerances.apply(runDir, log); // for every engine the bundle (now with its ONNX file) serves on
  }
}
