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
import org.streambert.bert.tokenizer.WordPieceTokenizer;
import org.streambert.trainer.ExitCodes;
import org.streambert.trainer.pretrain.PretrainOptions;
import org.streambert.trainer.pretrain.PretrainResult;
import org.streambert.trainer.pretrain.Pretrainer;
import org.streambert.trainer.pretrain.PretrainingDataGenerator;
import org.streambert.trainer.pretrain.PretrainingDataOptions;
import org.streambert.trainer.train.StartingPoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code trainer pretrain}: masked LM + next-sentence pre-training (run_pretraining.py) on text files or on the
 * unlabelled texts of a topic (domain-adaptive continued pre-training), written as a Google-style checkpoint directory
 * that {@code fine-tune --pretrained DIR} starts from.
 */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
    description = {"Pre-trains BERT with masked LM and next-sentence prediction on text files (--input: one sentence "
        + "per line, blank lines between documents) and/or an unlabelled text topic (--text-topic: each record is a "
        + "document), starting from --pretrained/--from-bundle (continued pre-training) or --bert-config (from "
        + "scratch).",
        "Prints MLM and NSP accuracy on held-out documents and writes a Google checkpoint directory (--out: "
            + "bert_config.json, vocab.txt, bert_model.ckpt.*, pretrain-metrics.json) for fine-tune --pretrained DIR "
            + "(pass --lower-case there unless the directory name contains 'uncased')."})
public final class PretrainCommand implements Callable<Integer> {

  @Mixin ModelOptions model = new ModelOptions();
  @Mixin KafkaOptions kafka = new KafkaOptions();

  @Option(names = "--input", arity = "1..*", paramLabel = "FILE",
      description = "Text files: one sentence per line, blank lines between documents.")
  List<Path> inputs = new ArrayList<>();

  @Mixin TextTopicOptions textTopic = new TextTopicOptions();

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Checkpoint directory to create.")
  Path out;

  @Option(names = "--steps", defaultValue = "" + PretrainOptions.DEFAULT_NUM_TRAIN_STEPS,
      description = "Training updates (num_train_steps). Default: ${DEFAULT-VALUE}.")
  long steps;

  @Option(names = "--warmup-steps", paramLabel = "N",
      description = "Linear warm-up updates; default: 10%% of --steps.")
  Long warmupSteps;

  @Option(names = "--batch-size", defaultValue = "" + PretrainOptions.DEFAULT_BATCH_SIZE,
      description = "Instances per update. Default: ${DEFAULT-VALUE}.")
  int batchSize;

  @Option(names = "--lr", defaultValue = "" + PretrainOptions.DEFAULT_LEARNING_RATE,
      description = "Peak learning rate (from scratch, tiny models want ~1e-3). Default: ${DEFAULT-VALUE}.")
  double learningRate;

  @Option(names = "--max-seq-length", defaultValue = "" + PretrainingDataOptions.DEFAULT_MAX_SEQ_LENGTH,
      description = "Tokens per instance incl. [CLS] and two [SEP] (capped at the model's positions). Default: "
          + "${DEFAULT-VALUE}.")
  int maxSeqLength;

  @Option(names = "--masked-lm-prob", defaultValue = "" + PretrainingDataOptions.DEFAULT_MASKED_LM_PROB,
      description = "Share of positions to predict. Default: ${DEFAULT-VALUE}.")
  double maskedLmProb;

  @Option(names = "--max-predictions", defaultValue = "" + PretrainingDataOptions.DEFAULT_MAX_PREDICTIONS_PER_SEQ,
      description = "Cap on predictions per instance. Default: ${DEFAULT-VALUE}.")
  int maxPredictions;

  @Option(names = "--dupe-factor", defaultValue = "" + PretrainingDataOptions.DEFAULT_DUPE_FACTOR,
      description = "Passes over the documents, each with different pairs and masks. Default: ${DEFAULT-VALUE}.")
  int dupeFactor;

  @Option(names = "--short-seq-prob", defaultValue = "" + PretrainingDataOptions.DEFAULT_SHORT_SEQ_PROB,
      description = "Probability of a shorter target length. Default: ${DEFAULT-VALUE}.")
  double shortSeqProb;

  @Option(names = "--whole-word-mask", description = "Mask all pieces of a word together.")
  boolean wholeWordMask;

  @Option(names = "--eval-fraction", defaultValue = "" + PretrainOptions.DEFAULT_EVAL_FRACTION,
      description = "Share of the documents held out for MLM/NSP accuracy (0: none). Default: ${DEFAULT-VALUE}.")
  double evalFraction;

  @Option(names = "--seed", defaultValue = "" + PretrainOptions.DEFAULT_SEED, description = "Default: "
      + "${DEFAULT-VALUE}.")
  long seed;

  @Override
  public Integer call() throws Exception {
    PrintStream log = System.out;
    if (Files.exists(out.resolve("bert_config.json"))) {
      throw new IllegalArgumentException(out + " already holds a checkpoint; choose a new --out directory");
    }
    if (inputs.isEmpty() && !textTopic.given()) {
      throw new IllegalArgumentException("give --input FILE... and/or --text-topic TOPIC");
    }
    textTopic.validate(kafka);
    List<String> documents = new ArrayList<>();
    if (!inputs.isEmpty()) {
      documents.addAll(PretrainingDataGenerator.readDocuments(inputs));
    }
    if (textTopic.given()) {
      TextTopicSource.Corpus corpus = textTopic.documents(kafka);
      log.printf("read %d records from %s (%d without text)%n", corpus.recordsRead(), textTopic.topic,
          corpus.skipped());
      documents.addAll(corpus.documents());
    }
    if (documents.isEmpty()) {
      throw new IllegalArgumentException("no documents to pre-train on");
    }
    List<String> sentences = new ArrayList<>();
    documents.forEach(d -> sentences.addAll(d.lines().toList()));
    try (StartingPoint start = model.open(sentences, seed)) {
      int length = Math.min(maxSeqLength, start.config().maxSequenceLength());
      PretrainingDataOptions data = new PretrainingDataOptions(length, shortSeqProb, maskedLmProb, maxPredictions,
          dupeFactor, wholeWordMask, seed);
      PretrainOptions options = PretrainOptions.builder(start.config(),
              new WordPieceTokenizer(start.vocab(), start.lowerCase()), documents)
          .initialWeights(start.weights(true, true, seed))
          .data(data)
          .batchSize(batchSize)
          .numTrainSteps(steps)
          .numWarmupSteps(warmupSteps != null ? warmupSteps : steps / 10)
          .learningRate(learningRate)
          .evalFraction(evalFraction)
          .seed(seed)
          .progress(log)
          .build();
      log.println("pre-training " + start.description() + " on " + documents.size() + " documents");
      PretrainResult result = Pretrainer.run(options);
      log.printf(Locale.ROOT, "MLM loss: first 10 updates %.4f, last 10 updates %.4f (%.1f s)%n",
          result.meanMlmLossOfFirst(10), result.meanMlmLossOfLast(10), result.seconds());
      result.evaluation().ifPresentOrElse(e -> log.println("held-out: " + e),
          () -> log.println("held-out: none (--eval-fraction 0 or a single document)"));
      result.writeCheckpoint(out, start.vocab());
      Files.writeString(out.resolve("pretrain-metrics.json"), metricsJson(result, documents.size()));
      log.println("wrote " + out + " (use: fine-tune --pretrained " + out
          + (start.lowerCase() ? " --lower-case" : "") + ")");
    }
    return ExitCodes.OK;
  }

  private static String metricsJson(PretrainResult r, int documents) throws java.io.IOException {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("steps", r.mlmLosses().length);
    m.put("documents", documents);
    m.put("trainInstances", r.trainInstances());
    m.put("firstMlmLoss", r.meanMlmLossOfFirst(10));
    m.put("lastMlmLoss", r.meanMlmLossOfLast(10));
    r.evaluation().ifPresent(e -> {
      m.put("mlmAccuracy", e.mlmAccuracy());
      m.put("mlmLoss", e.mlmLoss());
      m.put("nspAccuracy", e.nspAccuracy());
      m.put("nspLoss", e.nspLoss());
      m.put("evalInstances", e.instances());
      m.put("evalPredictions", e.predictions());
    });
    m.put("seconds", r.seconds());
    return new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(m) + "\n";
  }
}
