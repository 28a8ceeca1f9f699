package org.streambert.trainer.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.streambert.trainer.ExitCodes;
import org.streambert.trainer.publish.RunExporter;
import org.streambert.trainer.publish.RunReport;
import org.streambert.trainer.train.Feature;
import org.streambert.trainer.train.FineTuningLoop;
import org.streambert.trainer.train.StartingPoint;
import org.streambert.trainer.train.TaskData;
import org.streambert.trainer.train.TrainingConfig;
import org.streambert.trainer.train.TrainingResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code trainer fine-tune}: train, keep the best epoch, export a bundle and run report, optionally publish. */
@Command(name = "fine-tune",
    description = {"Fine-tunes BERT for classification and/or NER (multi-task when both are given), keeps the epoch "
        + "with the best dev score, and writes <out>/bundle and <out>/run.json (and dev-metrics.json).",
        "With --publish it then publishes like the publish command (exit code 3 when the gate refuses)."})
public final class FineTuneCommand implements Callable<Integer> {

  @Mixin HelpOption help = new HelpOption();

  @Mixin ModelOptions model = new ModelOptions();
  @Mixin DataOptions data = new DataOptions();
  @Mixin KafkaOptions kafka = new KafkaOptions();
  @Mixin PublishOptions publishing = new PublishOptions();
  @Mixin TrainingOptions training = new TrainingOptions();
  @Mixin RunOutputOptions run = new RunOutputOptions();

  @Option(names = "--class-head", defaultValue = RunExporter.DEFAULT_CLASS_HEAD,
      description = "Name of the classification head. Default: ${DEFAULT-VALUE}.")
  String classHead;

  @Option(names = "--ner-head", defaultValue = RunExporter.DEFAULT_TOKEN_HEAD,
      description = "Name of the NER head. Default: ${DEFAULT-VALUE}.")
  String nerHead;

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
      length = Math.min(length, start.config().maxSequenceLength());
      TrainingConfig config = training.config(length);
      TrainingResult result = FineTuningLoop.run(start, taskData, config, log);
      log.printf("best epoch %d of %d%n", result.bestEpoch(), result.history().size());
      log.print(result.best().toTable());
      RunReport report = run.export(start.parent().map(p -> p.name()).orElse("model"),
          start.parent().map(p -> p.version()).orElse(null), taskData, result, start, length, classHead, nerHead,
          log);
      return report;
    }
  }

  @Override
  public Integer call() throws Exception {
    PrintStream log = System.out;
    run.requireNew();
    DevFigures.validate(training);
    org.streambert.trainer.publish.CheckpointTopic topic = run.publish ? publishing.prepareToPublish(kafka) : null;
    TaskData taskData = data.load(kafka, training.seed, log);
    train(taskData, log);
    publishing.prepareBundle(run.out, log); // --with-onnx: the run's bundle carries its ONNX file, published or not
    DevFigures.measure(run.out, taskData, training, log); // the published figures on --engine/--precision
    return run.publish ? publishing.publish(run.out, topic, log, DevFigures.rescorer(taskData, training)) : ExitCodes.OK;
  }
}
