package org.streambert.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.streambert.bert.inference.BertPredictor;
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
 * How long the streams app's largest micro-batch takes with BERT-base: {@code nlp.batch.max.tokens} padded tokens
 * (default 16,384 = 128 windows of 128), run as one text of exactly that many windows, against the window of one
 * text run alone (the baseline: per-window cost at batch 1). The figure bounds one record's {@code process()} and the
 * overrun of a draining punctuation, to compare with {@code max.poll.interval.ms} (README, "Work per poll").
 *
 * <p>Arguments: {@code [budgetTokens=16384] [repeats=3]}.
 */
public final class BatchBudgetBench {
  private BatchBudgetBench() {
  }

  public static void main(String[] args) throws Exception {
    int budget = args.length > 0 ? Integer.parseInt(args[0]) : 16_384;
    int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    System.out.printf(Locale.ROOT, "load average at start: %s%n", BenchSupport.loadAverage());
    Path dir = EasyBertArtifact.UNCASED.extract(EasyBertArtifact.defaultCacheRoot());
    WordPieceTokenizer tokenizer = WordPieceTokenizer.fromVocabFile(dir.resolve("assets/vocab.txt"), true);
    PredictorConfig config = PredictorConfig.builder().build(); // maxLength 128, doc stride 128: windows of 126
    int seqLen = config.maxLength();
    int windows = Math.max(1, budget / seqLen);
    String word = "the"; // one word piece
    String oneWindow = String.join(" ", java.util.Collections.nCopies(seqLen - 2, word));
    String longText = String.join(" ", java.util.Collections.nCopies(windows * (seqLen - 2), word));
    BertModel model;
    try (EasyBertWeights weights = EasyBertWeights.open(dir)) {
      BertConfig cfg = weights.config();
      model = BertModel.create(cfg, new HeadsSpec(BenchSupport.CLASSES.size(), false, BenchSupport.TAGS.size()),
          weights.orElse(WeightSource.ofArrays(BenchSupport.headWeights(cfg.hiddenSize()))));
    }
    try (BertPredictor predictor = BertPredictor.create(tokenizer, model, BenchSupport.CLASSES, BenchSupport.TAGS,
        config)) {
      predictor.predict(oneWindow); // warm-up
      double single = Double.MAX_VALUE;
      for (int i = 0; i < repeats; i++) {
        long start = System.nanoTime();
        predictor.predict(oneWindow);
        single = Math.min(single, (System.nanoTime() - start) / 1e6);
      }
      double full = Double.MAX_VALUE;
      Prediction last = null;
      for (int i = 0; i < repeats; i++) {
        long start = System.nanoTime();
        last = predictor.predict(List.of(longText)).get(0);
        full = Math.min(full, (System.nanoTime() - start) / 1e6);
      }
      System.out.printf(Locale.ROOT, "one window alone (baseline): %.0f ms%n", single);
      System.out.printf(Locale.ROOT, "budget batch: %d windows x %d = %d padded tokens in %.0f ms (best of %d),"
          + " %.0f us per padded token, %.2fx %d windows run alone; %.3f of max.poll.interval.ms=300000%n",
          windows, seqLen, windows * seqLen, full, repeats, full * 1000 / (windows * seqLen),
          full / (single * windows), windows, full / 300_000);
      System.out.printf(Locale.ROOT, "quality: windowed=%s, label %s, %d entities over the %d windows%n",
          last.windowed(), last.label() == null ? null : last.label().label(), last.entities().size(), windows);
    } finally {
      System.out.printf(Locale.ROOT, "load average at end: %s%n", BenchSupport.loadAverage());
    }
  }
}
