package org.streambert.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.streambert.bert.inference.BertPredictor;
import org.streambert.bert.inference.PredictorConfig;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.BertModel;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.model.WeightSource;
import org.streambert.bert.tokenizer.WordPieceTokenizer;
import org.streambert.bert.weights.EasyBertArtifact;

/**
 * Issue 3 §6, figure 3: process RSS ({@code VmRSS} of {@code /proc/self/status}) after 10,000 {@link BertPredictor#predict}
 * calls against after 100. A small model (L=2, H=128, 2 heads, I=512, random weights) over the real uncased
 * vocabulary and tokenizer, 3-class and 9-tag heads; each call predicts {@code textsPerCall} texts of the
 * {@link LengthMix} (long ones included, so windows run too).
 *
 * <p>Run with a fixed, pre-touched heap ({@code -Xms256m -Xmx256m -XX:+AlwaysPreTouch}) so that RSS growth is native
 * memory (TensorFlow, direct buffers), not the JVM growing its heap.
 *
 * <p>Arguments: {@code [calls=10000] [textsPerCall=8]}.
 */
public final class RssBench {
  private static final long SEED = 7L;

  private RssBench() {
  }

  public static void main(String[] args) throws Exception {
    int calls = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int textsPerCall = args.length > 1 ? Integer.parseInt(args[1]) : 8;
    System.out.printf(Locale.ROOT, "load average at start: %s; heap -Xmx %d MB%n", BenchSupport.loadAverage(),
        Runtime.getRuntime().maxMemory() >> 20);
    Path dir = EasyBertArtifact.UNCASED.extract(EasyBertArtifact.defaultCacheRoot());
    WordPieceTokenizer tokenizer = WordPieceTokenizer.fromVocabFile(dir.resolve("assets/vocab.txt"), true);
    LengthMix.Corpus corpus = LengthMix.build(tokenizer, tokenizer.vocab(), 1000, SEED);
    System.out.println("texts: " + corpus.histogram() + "; " + corpus.source());
    BertConfig cfg = new BertConfig(tokenizer.vocabSize(), 128, 2, 2, 512, BertConfig.DEFAULT_HIDDEN_ACT, 0.1, 0.1,
        BertConfig.DEFAULT_MAX_POSITION_EMBEDDINGS, BertConfig.DEFAULT_TYPE_VOCAB_SIZE,
        BertConfig.DEFAULT_INITIALIZER_RANGE);
    System.out.println("model: " + cfg);
    BertModel model = BertModel.create(cfg,
        new HeadsSpec(BenchSupport.CLASSES.size(), false, BenchSupport.TAGS.size()),
        WeightSource.random(cfg.initializerRange(), SEED));
    long rssAt100 = 0;
    long rssAt1000 = 0;
    long rssAtHalf = 0;
    long rssLast = 0;
    long start = System.nanoTime();
    try (BertPredictor predictor = BertPredictor.create(tokenizer, model, BenchSupport.CLASSES, BenchSupport.TAGS,
        PredictorConfig.defaults())) {
      int next = 0;
      for (int call = 1; call <= calls; call++) {
        int from = (call - 1) * textsPerCall % (corpus.size() - textsPerCall);
        List<String> texts = corpus.texts().subList(from, from + textsPerCall);
        if (predictor.predict(texts).size() != textsPerCall) {
          throw new IllegalStateException("predict returned the wrong number of predictions");
        }
        if (call == 100 || call % 1_000 == 0 || call == calls) {
          long rss = BenchSupport.rssKb();
          System.out.printf(Locale.ROOT, "after %6d calls: VmRSS %7d kB (%.0f s)%n", call, rss,
              (System.nanoTime() - start) / 1e9);
          if (call == 100) {
            rssAt100 = rss;
          }
          if (call == 1_000) {
            rssAt1000 = rss;
          }
          if (call == calls / 2) {
            rssAtHalf = rss;
          }
          rssLast = rss;
        }
        next++;
      }
      System.out.printf(Locale.ROOT, "%d calls of %d texts done in %.0f s%n", next, textsPerCall,
          (System.nanoTime() - start) / 1e9);
    } finally {
      System.out.printf(Locale.ROOT, "load average at end: %s%n", BenchSupport.loadAverage());
    }
    double ratio = (double) rssLast / rssAt100;
    System.out.printf(Locale.ROOT, "native growth per call: %.1f bytes (calls 100 to %d), %.1f bytes (calls 1000 to "
        + "%d), %.1f bytes (calls %d to %d)%n", (rssLast - rssAt100) * 1024.0 / (calls - 100), calls,
        (rssLast - rssAt1000) * 1024.0 / (calls - 1000), calls, (rssLast - rssAtHalf) * 1024.0 / (calls - calls / 2),
        calls / 2, calls);
    System.out.printf(Locale.ROOT, "RATIO VmRSS after %d calls / after 100 = %.3f (%d kB / %d kB; target: flat): %s%n",
        calls, ratio, rssLast, rssAt100, ratio <= 1.05 ? "flat" : "NOT flat");
  }
}
