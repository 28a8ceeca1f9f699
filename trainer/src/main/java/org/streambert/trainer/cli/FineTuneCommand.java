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
import java.util.concurrent.Callable;
import org.streambert.trainer.ExitCodes;
import org.streambert.trainer.publish.GoldenExamples;
import org.streambert.trainer.publish.RunExporter;
import org.streambert.trainer.publish.RunReport;
import org.streambert.trainer.train.Feature;
import org.streambert.trainer.train.FineTuning;
import org.streambert.trainer.train.StartingPoint;
import org.streambert.trainer.train.TaskData;
import org.streambert.trainer.train.TrainingConfig;
import org.streambert.trainer.train.TrainingResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code trainer fine-tune}: train, keep the best epoch, export a bundle and run report, optionally publish. */
@Command(name = "fine-tune", mixinStandardHelpOptions = true,
    description = {"Fine-tunes BERT for classification and/or NER (multi-task when both are given), keeps the epoch "
        + "with the best dev score, and writes <out>/bundle and <out>/run.json (and dev-metrics.json).",
        "With --publish it then publishes like the publish command (exit code 3 when the gate refuses)."})
public final class FineTuneCommand implements Callable<Integer> {

  @Mixin ModelOptions model = new ModelOptions();
  @Mixin DataOptions data = new DataOptions();
  @Mixin KafkaOptions kafka = new KafkaOptions();
  @Mixin PublishOptions publishing = new PublishOptions();
  @Mixin TrainingOptions training = new TrainingOptions();

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Run directory to create.")
  Path out;

  @Option(names = "--model-name", paramLabel = "NAME",
      description = "Model name (checkpoint key); default: the bundle's name with --from-bundle, else 'model'.")
  String modelName;

  @Option(names = "--version", paramLabel = "V", description = "Version of the new model; default: UTC time "
      + "yyyyMMdd-HHmmss.")
  String version;

  @Option(names = "--class-head", defaultValue = RunExporter.DEFAULT_CLASS_HEAD,
      description = "Name of the classification head. Default: ${DEFAULT-VALUE}.")
  String classHead;

  @Option(names = "--ner-head", defaultValue = RunExporter.DEFAULT_TOKEN_HEAD,
      description = "Name of the NER head. Default: ${DEFAULT-VALUE}.")
  String nerHead;

  @Option(names = "--golden", defaultValue = "" + GoldenExamples.DEFAULT_COUNT,
      description = "Golden examples per task, taken from the dev data. Default: ${DEFAULT-VALUE}.")
  int golden;

  @Option(names = "--publish", description = "Publish the result (needs --store, --bootstrap-servers, "
      + "--schema-registry-url).")
  boolean publish;

  /**
   * Fine-tunes on {@code taskData} from this command's starting point (--pretrained, --from-bundle or --bert-config)
   * and exports the best epoch to --out; {@code trainer serve} runs its rounds through this too.
   */
  RunReport train(TaskData taskData, PrintStream log) throws IOException {
    List<String> texts = new ArrayList<>();
    taskData.classTrain().forEach(e -> texts.add(e.text()));
    taskData.classDev().forEach(e -> texts.add(e.text()));
    taskData.nerTrain().forEach(s -> texts.add(Feature.text(s)));
    taskData.nerDev().forEach(s -> texts.add(Feature.text(s)));
    try (StartingPoint start = model.open(texts, training.seed)) {
      int length = training.maxLength != null ? training.maxLength
          : start.parent().map(p -> p.tokenizer().maxLength()).orElse(TrainingConfig.DEFAULT_MAX_LENGTH);
      length = Math.min(length, start.config().maxPositionEmbeddings());
      TrainingConfig config = training.config(length);
      TrainingResult result = FineTuning.run(start, taskData, config, log);
      log.printf("best epoch %d of %d%n", result.bestEpoch(), result.history().size());
      log.print(result.best().toTable());
      String name = modelName != null ? modelName : start.parent().map(p -> p.name()).orElse("model");
      RunReport report = export(out, name, version, start.parent().map(p -> p.version()).orElse(null), taskData,
          result, start, length, classHead, nerHead, golden, log);
      return report;
    }
  }

  /**
   * Writes the run directory of a training result: bundle (with golden examples: the first {@code golden} dev texts
   * of each task), run.json and dev-metrics.json. A null {@code version} means UTC {@code yyyyMMdd-HHmmss}.
   */
  static RunReport export(Path out, String name, String version, String parentVersion, TaskData taskData,
      TrainingResult result, StartingPoint start, int length, String classHead, String nerHead, int golden,
      PrintStream log) throws IOException {
    String v = version != null ? version
        : ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    List<String> goldenTexts = new ArrayList<>();
    taskData.classDev().stream().limit(golden).forEach(e -> goldenTexts.add(e.text()));
    taskData.nerDev().stream().limit(golden).forEach(s -> goldenTexts.add(Feature.text(s)));
    RunReport report = RunExporter.export(out, new RunExporter.Identity(name, v, parentVersion,
            taskData.fingerprint()), result.config(), result.weights(), start.vocab(), start.lowerCase(), length,
        classHead, result.classLabels(), nerHead, result.nerLabels(), result.best().metrics(), result.bestEpoch(),
        goldenTexts);
    Files.writeString(out.resolve("dev-metrics.json"), result.best().toJson());
    log.println("wrote " + out.resolve("bundle") + " (" + name + " " + v + ")");
    return report;
  }

  @Override
  public Integer call() throws Exception {
    PrintStream log = System.out;
    if (Files.exists(out.resolve("bundle"))) {
      throw new IllegalArgumentException(out + " already holds a bundle; choose a new --out directory");
    }
    org.streambert.trainer.publish.CheckpointTopic topic = publish ? publishing.prepareToPublish(kafka) : null;
    train(data.load(kafka, training.seed, log), log);
    return publish ? publishing.publish(out, topic, log) : ExitCodes.OK;
  }
}
