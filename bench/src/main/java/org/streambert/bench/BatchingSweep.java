package org.streambert.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.streambert.bert.inference.BertPredictor;
import org.streambert.bert.inference.PredictorConfig;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.BertModel;
import org.streambert.bert.model.ForwardPass;
import org.streambert.bert.model.ForwardResult;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.model.WeightSource;
import org.streambert.bert.tokenizer.WordPieceTokenizer;
import org.streambert.bert.weights.EasyBertArtifact;
import org.streambert.bert.weights.EasyBertWeights;

/**
 * Throughput of {@link BertPredictor#predict} under several batching settings ({@code batchCostTokens:maxBatchSize}),
 * BERT-base uncased over one shared model, on the {@link LengthMix}. The settings take turns call by call, so each sees
 * the same machine load; used to choose PredictorConfig's defaults.
 *
 * <p>Arguments: {@code [seconds per setting=60] [callSize=256] [setting...]}, e.g. {@code 60 256 0:32 64:32 1000000:32}.
 */
public final class BatchingSweep {
  private BatchingSweep() {
  }

  public static void main(String[] args) throws Exception {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 60;
    int callSize = args.length > 1 ? Integer.parseInt(args[1]) : 256;
    List<String> settings = args.length > 2 ? List.of(args).subList(2, args.length)
        : List.of("0:32", "16:32", "64:32", "256:32", "1000000:32", "64:64");
    System.out.printf(Locale.ROOT, "load average at start: %s%n", BenchSupport.loadAverage());
    Path dir = EasyBertArtifact.UNCASED.extract(EasyBertArtifact.defaultCacheRoot());
    WordPieceTokenizer tokenizer = WordPieceTokenizer.fromVocabFile(dir.resolve("assets/vocab.txt"), true);
    LengthMix.Corpus corpus = LengthMix.build(tokenizer, tokenizer.vocab(), 1024, 11L);
    System.out.println("mix: " + corpus.histogram() + "; " + corpus.source());
    BertModel model;
    try (EasyBertWeights weights = EasyBertWeights.open(dir)) {
      BertConfig cfg = weights.config();
      model = BertModel.create(cfg, new HeadsSpec(BenchSupport.CLASSES.size(), false, BenchSupport.TAGS.size()),
          weights.orElse(WeightSource.ofArrays(BenchSupport.headWeights(cfg.hiddenSize()))));
    }
    List<BertPredictor> predictors = new ArrayList<>();
    // The predictors share the model; only the model's owner closes it.
    ForwardPass shared = new ForwardPass() {
      @Override
      public ForwardResult run(int batch, int seqLen, int[] ids, int[] mask, int[] segments) {
        return model.run(batch, seqLen, ids, mask, segments);
      }

      @Override
      public int hiddenSize() {
        return model.hiddenSize();
      }

      @Override
      public int numClasses() {
        return model.numClasses();
      }

      @Override
      public int numTokenLabels() {
        return model.numTokenLabels();
      }

      @Override
      public void close() {
      }
    };
    try (model) {
      for (String s : settings) {
        String[] f = s.split(":");
        predictors.add(BertPredictor.create(tokenizer, shared, BenchSupport.CLASSES, BenchSupport.TAGS,
            PredictorConfig.builder().batchCostTokens(Integer.parseInt(f[0])).maxBatchSize(Integer.parseInt(f[1]))
                .build()));
      }
      int calls = (corpus.size() + callSize - 1) / callSize;
      double[] time = new double[settings.size()];
      long[] texts = new long[settings.size()];
      for (BertPredictor p : predictors) {
        p.predict(corpus.texts().subList(0, Math.min(callSize, corpus.size()))); // warm-up
      }
      int call = 0;
      while (time[0] < seconds) {
        List<String> batch = corpus.texts().subList(call * callSize, Math.min(corpus.size(), (call + 1) * callSize));
        for (int i = 0; i < predictors.size(); i++) {
          long start = System.nanoTime();
          predictors.get(i).predict(batch);
          time[i] += (System.nanoTime() - start) / 1e9;
          texts[i] += batch.size();
        }
        call = (call + 1) % calls;
      }
      for (int i = 0; i < settings.size(); i++) {
        System.out.printf(Locale.ROOT, "batchCostTokens:maxBatchSize %-10s %7.1f texts/s (%.2fx the first)%n",
            settings.get(i), texts[i] / time[i], (texts[i] / time[i]) / (texts[0] / time[0]));
      }
    } finally {
      System.out.printf(Locale.ROOT, "load average at end: %s%n", BenchSupport.loadAverage());
    }
  }
}
