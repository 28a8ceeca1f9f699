package org.streambert.trainer.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.streambert.bert.qa.QaOptions;
import org.streambert.bert.qa.SquadExample;
import org.streambert.bert.qa.SquadReader;
import org.streambert.bert.tokenizer.WordPieceTokenizer;
import org.streambert.trainer.ExitCodes;
import org.streambert.trainer.qa.SquadTrainOptions;
import org.streambert.trainer.qa.SquadTrainResult;
import org.streambert.trainer.qa.SquadTrainer;
import org.streambert.trainer.train.StartingPoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code trainer fine-tune-squad}: span question answering (run_squad.py) on SQuAD v1.1 JSON, scored by EM/F1 on the
 * dev file, written as a Google-style checkpoint directory with the span head, which the streams-app's QA mode
 * ({@code nlp.qa.model.dir}) serves.
 */
@Command(name = "fine-tune-squad", mixinStandardHelpOptions = true,
    description = {"Fine-tunes BERT for SQuAD v1.1 span question answering (--train, optional --dev: SQuAD v1.1 "
        + "JSON), starting like fine-tune from --pretrained, --from-bundle or --bert-config.",
        "Writes a checkpoint directory (--out: bert_config.json, vocab.txt, bert_model.ckpt.* with cls/squad/*, "
            + QaSettings.FILE + " with casing and windowing, squad-metrics.json with EM/F1 on --dev) that the "
            + "streams-app serves with nlp.qa.model.dir."})
public final class FineTuneSquadCommand implements Callable<Integer> {

  /** File of the metrics in the output directory. */
  public static final String METRICS_FILE = "squad-metrics.json";

  @Mixin ModelOptions model = new ModelOptions();

  @Option(names = "--train", required = true, paramLabel = "FILE", description = "SQuAD v1.1 training JSON.")
  Path train;

  @Option(names = "--dev", paramLabel = "FILE", description = "SQuAD v1.1 dev JSON, scored with EM/F1 after "
      + "training.")
  Path dev;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Checkpoint directory to create.")
  Path out;

  @Option(names = "--epochs", defaultValue = "" + SquadTrainOptions.DEFAULT_EPOCHS,
      description = "Passes over the training windows. Default: ${DEFAULT-VALUE}.")
  double epochs;

  @Option(names = "--max-steps", defaultValue = "0", description = "A fixed budget of updates instead of --epochs "
      + "(0: use --epochs). Default: ${DEFAULT-VALUE}.")
  long maxSteps;

  @Option(names = "--batch-size", defaultValue = "" + SquadTrainOptions.DEFAULT_BATCH_SIZE,
      description = "Windows per update. Default: ${DEFAULT-VALUE}.")
  int batchSize;

  @Option(names = "--lr", defaultValue = "" + SquadTrainOptions.DEFAULT_LEARNING_RATE,
      description = "Peak learning rate. Default: ${DEFAULT-VALUE}.")
  double learningRate;

  @Option(names = "--warmup", defaultValue = "" + SquadTrainOptions.DEFAULT_WARMUP_PROPORTION,
      description = "Warm-up share of the updates. Default: ${DEFAULT-VALUE}.")
  double warmup;

  @Option(names = "--max-seq-length", defaultValue = "" + QaOptions.DEFAULT_MAX_SEQ_LENGTH,
      description = "Tokens per window (capped at the model's positions). Default: ${DEFAULT-VALUE}.")
  int maxSeqLength;

  @Option(names = "--doc-stride", defaultValue = "" + QaOptions.DEFAULT_DOC_STRIDE,
      description = "Tokens between the starts of context windows. Default: ${DEFAULT-VALUE}.")
  int docStride;

  @Option(names = "--max-query-length", defaultValue = "" + QaOptions.DEFAULT_MAX_QUERY_LENGTH,
      description = "Question tokens kept. Default: ${DEFAULT-VALUE}.")
  int maxQueryLength;

  @Option(names = "--n-best", defaultValue = "" + QaOptions.DEFAULT_N_BEST_SIZE,
      description = "Candidates per window. Default: ${DEFAULT-VALUE}.")
  int nBest;

  @Option(names = "--max-answer-length", defaultValue = "" + QaOptions.DEFAULT_MAX_ANSWER_LENGTH,
      description = "Longest answer in tokens. Default: ${DEFAULT-VALUE}.")
  int maxAnswerLength;

  @Option(names = "--seed", defaultValue = "" + SquadTrainOptions.DEFAULT_SEED, description = "Default: "
      + "${DEFAULT-VALUE}.")
  long seed;

  @Override
  public Integer call() throws Exception {
    PrintStream log = System.out;
    if (Files.exists(out.resolve("bert_config.json"))) {
      throw new IllegalArgumentException(out + " already holds a checkpoint; choose a new --out directory");
    }
    List<SquadExample> trainExamples = SquadReader.read(train);
    List<SquadExample> devExamples = dev != null ? SquadReader.read(dev) : List.of();
    log.printf("%d training and %d dev questions%n", trainExamples.size(), devExamples.size());
    List<String> texts = new ArrayList<>();
    trainExamples.forEach(e -> {
      texts.add(e.question());
      texts.add(e.context());
    });
    try (StartingPoint start = model.open(texts, seed)) {
      int length = Math.min(maxSeqLength, start.config().maxSequenceLength());
      QaOptions qa = new QaOptions(length, docStride, Math.min(maxQueryLength, length - 4), nBest, maxAnswerLength);
      SquadTrainResult result = SquadTrainer.run(SquadTrainOptions.builder(start.config(),
              new WordPieceTokenizer(start.vocab(), start.lowerCase()), start.weights(true, true, seed), trainExamples)
          .eval(devExamples)
          .qa(qa)
          .batchSize(batchSize)
          .epochs(epochs)
          .maxSteps(maxSteps)
          .learningRate(learningRate)
          .warmupProportion(warmup)
          .seed(seed)
          .progress(log)
          .build());
      log.printf(Locale.ROOT, "%d updates on %d windows, loss %.4f -> %.4f (%.1f s)%n", result.losses().length,
          result.trainWindows(), result.meanLossOfFirst(10), result.meanLossOfLast(10), result.seconds());
      result.score().ifPresent(s -> log.println("dev: " + s));
      result.writeCheckpoint(out, start.vocab());
      new QaSettings(start.lowerCase(), qa).write(out);
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("updates", result.losses().length);
      m.put("trainQuestions", trainExamples.size());
      m.put("trainWindows", result.trainWindows());
      m.put("firstLoss", result.meanLossOfFirst(10));
      m.put("lastLoss", result.meanLossOfLast(10));
      result.score().ifPresent(s -> {
        m.put("exactMatch", s.exactMatch());
        m.put("f1", s.f1());
        m.put("devQuestions", s.count());
      });
      m.put("seconds", result.seconds());
      Files.writeString(out.resolve(METRICS_FILE),
          new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(m) + "\n");
      log.println("wrote " + out);
    }
    return ExitCodes.OK;
  }
}
