package org.streambert.trainer.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import org.streambert.bert.embeddings.EmbeddingSpec;
import org.streambert.trainer.publish.GoldenExamples;
import org.streambert.trainer.publish.RunExporter;
import org.streambert.trainer.publish.RunReport;
import org.streambert.trainer.train.Feature;
import org.streambert.trainer.train.StartingPoint;
import org.streambert.trainer.train.TaskData;
import org.streambert.trainer.train.TrainingResult;
import picocli.CommandLine.Option;

/** The run directory a training command writes, the model's identity in it, and whether to publish it. */
public final class RunOutputOptions {

  /** Format of the default version: the UTC time the run is exported. */
  public static final String VERSION_PATTERN = "yyyyMMdd-HHmmss";

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Run directory to create.")
  Path out;

  @Option(names = "--model-name", paramLabel = "NAME", description = "Model name (checkpoint key); default: "
      + "fine-tune: the bundle's name with --from-bundle, else 'model'; distill: the teacher's.")
  String modelName;

  @Option(names = "--version", paramLabel = "V", description = "Version of the new model; default: UTC time "
      + VERSION_PATTERN + ".")
  String version;

  @Option(names = "--golden", defaultValue = "" + GoldenExamples.DEFAULT_COUNT,
      description = "Golden examples per task, taken from the dev data. Default: ${DEFAULT-VALUE}.")
  int golden = GoldenExamples.DEFAULT_COUNT;

  @Option(names = "--publish", description = "Publish the result (needs --store, --bootstrap-servers, "
      + "--schema-registry-url).")
  boolean publish;

  /** Refuses an --out that already holds a bundle (before any training). */
  void requireNew() {
    if (Files.exists(out.resolve("bundle"))) {
      throw new IllegalArgumentException(out + " already holds a bundle; choose a new --out directory");
    }
  }

  /**
   * Writes the run directory of a training result: bundle (with golden examples: the first --golden dev texts of each
   * task), run.json and dev-metrics.json.
   *
   * @param defaultName the model name without --model-name
   * @param parentVersion the version trained from (lineage), or null
   */
  RunReport export(String defaultName, String parentVersion, TaskData taskData, TrainingResult result,
      StartingPoint start, int length, String classHead, String nerHead, PrintStream log) throws IOException {
    String name = modelName != null ? modelName : defaultName;
    String v = version != null ? version
        : ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern(VERSION_PATTERN));
    List<String> goldenTexts = new ArrayList<>();
    taskData.classDev().stream().limit(golden).forEach(e -> goldenTexts.add(e.text()));
    taskData.nerDev().stream().limit(golden).forEach(s -> goldenTexts.add(Feature.text(s)));
    RunReport report = RunExporter.export(out, new RunExporter.Identity(name, v, parentVersion,
            taskData.fingerprint()), result.config(), result.weights(), start.tokens(), start.tokenizerJson(),
        start.lowerCase(), length, classHead, result.classLabels(), false, nerHead, result.nerLabels(),
        EmbeddingSpec.DEFAULT, result.best().metrics(), result.bestEpoch(), goldenTexts);
    // The training loop scores its dev set in-process on TensorFlow fp32: say so beside the figures (issue 32 §4;
    // trainer evaluate --engine/--precision scores the bundle on what an instance serves).
    Files.writeString(out.resolve("dev-metrics.json"),
        EvaluateCommand.withEngine(result.best().toJson(), ServedArithmetic.TENSORFLOW_FP32));
    log.println("wrote " + out.resolve("bundle") + " (" + name + " " + v + ")");
    return report;
  }
}
