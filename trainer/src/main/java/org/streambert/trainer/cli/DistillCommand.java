package org.streambert.trainer.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.streambert.bert.heads.HeadSpec;
import org.streambert.trainer.ExitCodes;
import org.streambert.trainer.internals.Json;
import org.streambert.trainer.optim.SoftTargetLoss;
import org.streambert.trainer.publish.CheckpointTopic;
import org.streambert.trainer.publish.RunExporter;
import org.streambert.trainer.train.DistillConfig;
import org.streambert.trainer.train.DistillResult;
import org.streambert.trainer.train.EvalReport;
import org.streambert.trainer.train.FineTuningLoop;
import org.streambert.trainer.train.StartingPoint;
import org.streambert.trainer.train.TaskData;
import org.streambert.trainer.train.Teacher;
import org.streambert.trainer.train.TrainingConfig;
import org.streambert.trainer.train.TrainingResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code trainer distill}: trains a smaller student on a fine-tuned teacher bundle's soft targets (Hinton et al.
 * 2015) and writes a bundle with the teacher's heads, labels and vocabulary, publishable like a fine-tuned one.
 */
@Command(name = "distill",
    description = {"Distils a fine-tuned teacher bundle into a student (the first K layers of a pretrained encoder "
        + "with --pretrained/--from-bundle and --layers K, or a smaller --bert-config) on the teacher's "
        + "temperature-scaled class and token distributions over --unlabelled texts, the texts of a --text-topic "
        + "(at most " + UnlabelledTexts.MAX_TEXTS + " unlabelled texts in all: the topic's read stops there) and the "
        + "labelled data, plus alpha x the gold labels' cross-entropy. Writes <out>/bundle (the teacher's heads, "
        + "labels and vocabulary), run.json, dev-metrics.json and distill.json (teacher vs student dev metrics).",
        "With --publish it then publishes like the publish command (exit code 3 when the gate refuses)."})
public final class DistillCommand implements Callable<Integer> {

  @Mixin HelpOption help = new HelpOption();

  /** The comparison of teacher and student written to the run directory. */
  public static final String REPORT_FILE = "distill.json";

  @Mixin ModelOptions model = new ModelOptions();
  @Mixin DataOptions data = new DataOptions();
  @Mixin TrainingOptions training = new TrainingOptions();
  @Mixin KafkaOptions kafka = new KafkaOptions();
  @Mixin TextTopicOptions textTopic = new TextTopicOptions();
  @Mixin PublishOptions publishing = new PublishOptions();
  @Mixin RunOutputOptions run = new RunOutputOptions();

  @Option(names = "--teacher", required = true, paramLabel = "DIR",
      description = "The teacher: a bundle written by fine-tune (<run>/bundle, or the run directory).")
  Path teacherDir;

  @Option(names = "--unlabelled", paramLabel = "FILE", description = "Unlabelled texts, one per line (UTF-8; blank "
      + "lines skipped; at most " + UnlabelledTexts.MAX_TEXT_CHARS + " characters a line); repeatable. More than "
      + UnlabelledTexts.MAX_TEXTS + " texts in all are refused.")
  List<Path> unlabelled = new ArrayList<>();

  @Option(names = "--temperature", defaultValue = "2.0", description = "Softmax temperature T of teacher and student "
      + "(the soft loss is T^2 x KL). Default: ${DEFAULT-VALUE}.")
  double temperature = SoftTargetLoss.DEFAULT_TEMPERATURE;

  @Option(names = "--alpha", defaultValue = "0.5", description = "Weight of the gold labels' cross-entropy (0: soft "
      + "targets only). Default: ${DEFAULT-VALUE}.")
  double alpha = DistillConfig.DEFAULT_ALPHA;

  @Override
  public Integer call() throws Exception {
    PrintStream log = System.out;
    DistillConfig distill = new DistillConfig(temperature, alpha); // refuses T <= 0 before anything is loaded
    textTopic.validate(kafka);
    run.requireNew();
    DevFigures.validate(training);
    CheckpointTopic topic = run.publish ? publishing.prepareToPublish(kafka) : null;
    List<String> texts = UnlabelledTexts.read(unlabelled);
    TextTopicSource.Texts fromTopic = addTopicTexts(texts, log);
    TaskData taskData = data.load(kafka, training.seed, log);
    try (Teacher teacher = Teacher.open(teacherDir)) {
      // The student reads the teacher's word pieces: a fresh --bert-config takes the teacher's vocabulary, and every
      // student the teacher's casing unless told otherwise (a mismatch is refused by FineTuningLoop.distill).
      if (model.bertConfig != null && model.vocab == null) {
        model.vocab = teacher.vocabFile();
      }
      if (model.lowerCase == null) {
        model.lowerCase = teacher.lowerCase();
      }
      try (StartingPoint start = model.open(List.of(), training.seed)) {
        int length = training.maxLength != null ? training.maxLength : teacher.model().tokenizer().maxLength();
        length = Math.min(length, start.config().maxSequenceLength());
        TrainingConfig config = training.config(length);
        DistillResult result = FineTuningLoop.distill(start, teacher, taskData, texts, config, distill, log);
        TrainingResult student = result.student();
        log.printf("best epoch %d of %d%n", student.bestEpoch(), student.history().size());
        log.print(comparison(result.teacher(), student.best()));
        String classHead = teacher.model().classificationHead().map(HeadSpec::name)
            .orElse(RunExporter.DEFAULT_CLASS_HEAD);
        String nerHead = teacher.model().tokenClassificationHead().map(HeadSpec::name)
            .orElse(RunExporter.DEFAULT_TOKEN_HEAD);
        run.export(teacher.model().name(), teacher.model().version(), taskData, student, start, length, classHead,
            nerHead, log);
        writeReport(teacher, start, texts.size(), fromTopic, distill, result);
      }
    }
    publishing.prepareBundle(run.out, log); // --with-onnx: the run's bundle carries its ONNX file, published or not
    DevFigures.measure(run.out, taskData, training, log); // the published figures on --engine/--precision
    return run.publish ? publishing.publish(run.out, topic, log, DevFigures.rescorer(taskData, training)) : ExitCodes.OK;
  }

  /**
   * Adds the texts of {@code --text-topic} to the files' {@code texts}, up to {@link UnlabelledTexts#MAX_TEXTS} in
   * all (the read stops at the cap rather than failing: a topic only grows); null without {@code --text-topic}.
   *
   * @throws IllegalArgumentException when the topic holds no text at all (an empty topic, or the wrong format)
   */
  private TextTopicSource.Texts addTopicTexts(List<String> texts, PrintStream log) {
    if (!textTopic.given()) {
      return null;
    }
    int room = UnlabelledTexts.MAX_TEXTS - texts.size();
    if (room == 0) {
      log.printf("--text-topic %s not read: the --unlabelled files already hold the cap of %d texts%n",
          textTopic.topic, UnlabelledTexts.MAX_TEXTS);
      return new TextTopicSource.Texts(List.of(), 0, 0, true);
    }
    TextTopicSource.Texts read = textTopic.texts(kafka, room);
    if (read.texts().isEmpty()) {
      throw new IllegalArgumentException("--text-topic " + textTopic.topic + " has no text: " + read.recordsRead()
          + " records read, " + read.skipped() + " without text (tombstones, blank texts or values that are not "
          + textTopic.format + "; is --input-format right?)");
    }
    texts.addAll(read.texts());
    log.printf("unlabelled texts: %d from --unlabelled files, %d from topic %s (%d records read, %d without text%s)%n",
        texts.size() - read.texts().size(), read.texts().size(), textTopic.topic, read.recordsRead(), read.skipped(),
        read.stoppedAtCap() ? "; stopped at the cap of " + UnlabelledTexts.MAX_TEXTS + " texts in all" : "");
    return read;
  }

  /** Dev metrics side by side: every metric either report has. */
  static String comparison(EvalReport teacher, EvalReport student) {
    Map<String, Double> t = teacher.metrics();
    Map<String, Double> s = student.metrics();
    TreeSet<String> keys = new TreeSet<>(t.keySet());
    keys.addAll(s.keySet());
    StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-26s %9s %9s%n", "dev metric", "teacher",
        "student"));
    for (String k : keys) {
      b.append(String.format(Locale.ROOT, "%-26s %9s %9s%n", k, cell(t.get(k)), cell(s.get(k))));
    }
    return b.toString();
  }

  private static String cell(Double v) {
    return v == null ? "-" : String.format(Locale.ROOT, "%.4f", v);
  }

  private void writeReport(Teacher teacher, StartingPoint start, int unlabelledTexts,
      TextTopicSource.Texts fromTopic, DistillConfig distill, DistillResult result) throws java.io.IOException {
    ObjectNode root = Json.mapper().createObjectNode();
    ObjectNode t = root.putObject("teacher");
    t.put("name", teacher.model().name()).put("version", teacher.model().version())
        .put("layers", teacher.config().numHiddenLayers()).put("hiddenSize", teacher.config().hiddenSize());
    ObjectNode s = root.putObject("student");
    s.put("start", start.description()).put("layers", start.config().numHiddenLayers())
        .put("hiddenSize", start.config().hiddenSize()).put("bestEpoch", result.student().bestEpoch());
    root.put("temperature", distill.temperature()).put("alpha", distill.alpha())
        .put("unlabelledTexts", unlabelledTexts);
    if (fromTopic != null) {
      root.putObject("textTopic").put("topic", textTopic.topic).put("texts", fromTopic.texts().size())
          .put("recordsRead", fromTopic.recordsRead()).put("withoutText", fromTopic.skipped())
          .put("stoppedAtCap", fromTopic.stoppedAtCap());
    }
    var losses = root.putArray("softTargetLossPerEpoch");
    result.softLosses().forEach(losses::add);
    ObjectNode td = root.putObject("teacherDev");
    result.teacher().metrics().forEach(td::put);
    ObjectNode sd = root.putObject("studentDev");
    result.student().best().metrics().forEach(sd::put);
    Files.writeString(run.out.resolve(REPORT_FILE), Json.pretty(root));
  }
}
