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
import org.streambert.trainer.publish.CheckpointStore;
import org.streambert.trainer.publish.GoldenExamples;
import org.streambert.trainer.publish.Publisher;
import org.streambert.trainer.publish.RunExporter;
import org.streambert.trainer.publish.RunReport;
import org.streambert.trainer.train.Feature;
import org.streambert.trainer.train.FineTuning;
import org.streambert.trainer.train.StartingPoint;
import org.streambert.trainer.train.TaskData;
import org.streambert.trainer.train.TrainingConfig;
import org.streambert.trainer.train.TrainingResult;
import org.streambert.trainer.optim.WarmupLinearDecay;
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

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Run directory to create.")
  Path out;

  @Option(names = "--model-name", paramLabel = "NAME",
      description = "Model name (checkpoint key); default: the bundle's name with --from-bundle, else 'model'.")
  String modelName;

  @Option(names = "--version", paramLabel = "V", description = "Version of the new model; default: UTC time "
      + "yyyyMMdd-HHmmss.")
  String version;

  @Option(names = "--lr", defaultValue = "5e-5", description = "Peak learning rate. Default: ${DEFAULT-VALUE}.")
  double learningRate;

  @Option(names = "--batch-size", defaultValue = "32", description = "Default: ${DEFAULT-VALUE}.")
  int batchSize;

  @Option(names = "--epochs", defaultValue = "3", description = "Default: ${DEFAULT-VALUE}.")
  int epochs;

  @Option(names = "--max-length", paramLabel = "N", description = "Word pieces per example incl. [CLS]/[SEP]; "
      + "default: 128, or the bundle's with --from-bundle.")
  Integer maxLength;

  @Option(names = "--seed", defaultValue = "42", description = "Default: ${DEFAULT-VALUE}.")
  long seed;

  @Option(names = "--warmup", defaultValue = "0.1", description = "Warm-up share of the steps. Default: "
      + "${DEFAULT-VALUE}.")
  double warmup = WarmupLinearDecay.DEFAULT_WARMUP_PROPORTION;

  @Option(names = "--patience", defaultValue = "0", description = "Stop after N epochs without a better dev score "
      + "(0: run all epochs). Default: ${DEFAULT-VALUE}.")
  int patience;

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
    try (StartingPoint start = model.open(texts, seed)) {
      int length = maxLength != null ? maxLength
          : start.parent().map(p -> p.tokenizer().maxLength()).orElse(TrainingConfig.DEFAULT_MAX_LENGTH);
      length = Math.min(length, start.config().maxPositionEmbeddings());
      TrainingConfig config = new TrainingConfig(learningRate, batchSize, epochs, length, seed, warmup, patience,
          TrainingConfig.DEFAULT_EVAL_BATCH_SIZE);
      TrainingResult result = FineTuning.run(start, taskData, config, log);
      log.printf("best epoch %d of %d%n", result.bestEpoch(), result.history().size());
      log.print(result.best().toTable());
      String name = modelName != null ? modelName : start.parent().map(p -> p.name()).orElse("model");
      String v = version != null ? version
          : ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
      List<String> goldenTexts = new ArrayList<>();
      taskData.classDev().stream().limit(golden).forEach(e -> goldenTexts.add(e.text()));
      taskData.nerDev().stream().limit(golden).forEach(s -> goldenTexts.add(Feature.text(s)));
      RunReport report = RunExporter.export(out, new RunExporter.Identity(name, v,
              start.parent().map(p -> p.version()).orElse(null), taskData.fingerprint()), result.config(), result.weights(), start.vocab(), start.lowerCase(), length,
          classHead, result.classLabels(), nerHead, result.nerLabels(), result.best().metrics(), result.bestEpoch(),
          goldenTexts);
      Files.writeString(out.resolve("dev-metrics.json"), result.best().toJson());
      log.println("wrote " + out.resolve("bundle") + " (" + name + " " + v + ")");
      return report;
    }
  }

  @Override
  public Integer call() throws Exception {
    PrintStream log = System.out;
    if (Files.exists(out.resolve("bundle"))) {
      throw new IllegalArgumentException(out + " already holds a bundle; choose a new --out directory");
    }
    org.streambert.trainer.publish.CheckpointTopic topic = null;
    if (publish) {
      kafka.require("--publish");
      if (publishing.store == null) {
        throw new IllegalArgumentException("--publish needs --store");
      }
      topic = publishing.checkpointTopic(kafka); // reads the signing key now, not after training
    }
    train(data.load(kafka, seed, log), log);
    if (!publish) {
      return ExitCodes.OK;
    }
    Publisher.Outcome outcome = Publisher.publish(out, CheckpointStore.at(publishing.store),
        topic, publishing.bundleUriBase, !publishing.noGate, publishing.gateTolerance, log);
    return outcome.published() ? ExitCodes.OK : ExitCodes.GATE_REFUSED;
  }
}
