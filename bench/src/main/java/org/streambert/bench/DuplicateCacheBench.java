package org.streambert.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import org.streambert.bert.bundle.BertBundles;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.bundle.ModelDescriptor;
import org.streambert.bert.bundle.TokenizerSettings;
import org.streambert.bert.model.BertModel;
import org.streambert.bert.model.WeightSource;
import org.streambert.bert.tokenizer.Vocab;
import org.streambert.bert.weights.EasyBertArtifact;
import org.streambert.bert.weights.EasyBertWeights;
import org.streambert.schemas.avro.EnrichedText;
import org.streambert.streams.NlpConfig;

/**
 * Issue 14 §3: end-to-end records/s of the streams app (real broker, exactly_once_v2, BERT-base uncased with the
 * random heads of {@link EndToEndBench}, fp32) with the duplicate-result cache off ({@code nlp.cache.max.entries=0})
 * and on (the defaults), on streams where 0%, 30% and 80% of records repeat an earlier text (chosen uniformly among
 * the texts sent so far; the rest are distinct wnut17/wikigold sentences). Off and on run the same records, one after
 * the other for each rate, in alternating order. Quality beside speed: labels and entity lists equal with and without
 * the cache, the largest class-probability difference (runs batch records differently, so fp32 results of one text
 * can differ in the last bits between any two runs), and that every repeat got exactly its first occurrence's result.
 *
 * <p>Arguments: {@code [records=240] [batch=32] [rates=0,30,80] [precisionOn=fp32]}: with {@code bf16} as the fourth
 * argument the "on" side also serves in bf16, which gives issue 14's headline row (precision + cache against today's
 * fp32 without cache).
 */
public final class DuplicateCacheBench {

  private DuplicateCacheBench() {
  }

  public static void main(String[] args) throws Exception {
    int records = args.length > 0 ? Integer.parseInt(args[0]) : 240;
    int batch = args.length > 1 ? Integer.parseInt(args[1]) : 32;
    String[] rates = (args.length > 2 ? args[2] : "0,30,80").split(",");
    String precisionOn = args.length > 3 ? args[3] : "fp32";
    System.out.printf(Locale.ROOT, "load average at start: %s (%d cpus); %d records, batch %d; off = fp32 without "
            + "cache, on = %s with cache%n", BenchSupport.loadAverage(), Runtime.getRuntime().availableProcessors(),
        records, batch, precisionOn);
    List<String> pool = EndToEndBench.texts(records);
    Path dir = Files.createTempDirectory("cache-bench");
    try (EasyBertWeights pretrained = EasyBertWeights.open(EasyBertArtifact.UNCASED);
        BertModel model = BertModel.create(pretrained.config(), EndToEndBench.HEADS,
            pretrained.orElse(WeightSource.random(0.02, 7)))) {
      Vocab vocab = Vocab.load(pretrained.vocab());
      ModelBundle bundle = BertBundles.write(dir.resolve("bundle"), model, vocab, new ModelDescriptor(
          EndToEndBench.MODEL, "1", Instant.now(), BertBundles.bertConfigJson(model.config()),
          new TokenizerSettings(true, EndToEndBench.MAX_LENGTH), List.of(EndToEndBench.TOPIC, EndToEndBench.NER)));
      int run = 0;
      for (String rateText : rates) {
        int rate = Integer.parseInt(rateText.strip());
        List<String> texts = withDuplicates(pool, records, rate, 14L + rate);
        long distinct = texts.stream().distinct().count();
        Map<String, Object> off = new HashMap<>();
        off.put(NlpConfig.MODEL_PRECISION_CONFIG, "fp32");
        off.put(NlpConfig.CACHE_MAX_ENTRIES_CONFIG, 0);
        Map<String, Object> on = new HashMap<>(off);
        on.remove(NlpConfig.CACHE_MAX_ENTRIES_CONFIG);
        on.put(NlpConfig.MODEL_PRECISION_CONFIG, precisionOn);
        // Off first for even rates, on first for odd ones, so that a drifting load does not favour one side.
        boolean offFirst = run % 4 == 0;
        EndToEndBench.Run first = EndToEndBench.endToEndRun(dir.resolve("run-" + run++), bundle, texts, batch,
            offFirst ? off : on);
        EndToEndBench.Run second = EndToEndBench.endToEndRun(dir.resolve("run-" + run++), bundle, texts, batch,
            offFirst ? on : off);
        EndToEndBench.Run plain = offFirst ? first : second;
        EndToEndBench.Run cached = offFirst ? second : first;
        System.out.printf(Locale.ROOT, "RESULT %d%% duplicates (%d distinct of %d): cache off "
                + "%.2f records/s, on %.2f records/s, ratio %.2fx; load %s%n", rate,
            distinct, texts.size(), plain.recordsPerSecond(), cached.recordsPerSecond(),
            cached.recordsPerSecond() / plain.recordsPerSecond(), BenchSupport.loadAverage());
        System.out.printf(Locale.ROOT, "  quality: off vs on %s; cache on: %s; cache off: %s%n",
            compare(plain.outputs(), cached.outputs()), repeats(cached.outputs()), repeats(plain.outputs()));
      }
    } finally {
      EndToEndBench.deleteRecursively(dir);
      System.out.printf(Locale.ROOT, "load average at end: %s%n", BenchSupport.loadAverage());
    }
  }

  /** {@code n} records of which {@code ratePercent}% repeat a text sent before. */
  static List<String> withDuplicates(List<String> pool, int n, int ratePercent, long seed) {
    Random random = new Random(seed);
    List<String> out = new ArrayList<>(n);
    List<String> sent = new ArrayList<>();
    int next = 0;
    for (int i = 0; i < n; i++) {
      String t = !sent.isEmpty() && random.nextInt(100) < ratePercent ? sent.get(random.nextInt(sent.size()))
          : pool.get(next++);
      sent.add(t);
      out.add(t);
    }
    return out;
  }

  /**
   * Cross-run comparison by record id: labels equal, entity lists equal, largest class-probability difference. Runs
   * differ in how records fall into batches, and batches pad to different lengths, so fp32 results of the same text
   * may differ in the last bits between any two runs, cached or not.
   */
  private static String compare(List<EnrichedText> a, List<EnrichedText> b) {
    Map<String, EnrichedText> byId = new HashMap<>();
    b.forEach(o -> byId.put(o.getId(), o));
    int labels = 0;
    int entities = 0;
    double maxDiff = 0;
    for (EnrichedText x : a) {
      EnrichedText y = byId.get(x.getId());
      if (y == null) {
        continue;
      }
      labels += x.getClassification().getLabel().equals(y.getClassification().getLabel()) ? 1 : 0;
      entities += EndToEndBench.spans(x).equals(EndToEndBench.spans(y)) ? 1 : 0;
      for (int i = 0; i < x.getClassification().getScores().size(); i++) {
        maxDiff = Math.max(maxDiff, Math.abs(x.getClassification().getScores().get(i).getScore()
            - y.getClassification().getScores().get(i).getScore()));
      }
    }
    return String.format(Locale.ROOT, "labels equal %d/%d, entity lists equal %d/%d, max |class prob diff| %.2e",
        labels, a.size(), entities, a.size(), maxDiff);
  }

  /** Within one run: records whose text was seen before get exactly the first occurrence's result. */
  private static String repeats(List<EnrichedText> outputs) {
    Map<String, EnrichedText> first = new HashMap<>();
    int repeats = 0;
    int same = 0;
    for (EnrichedText o : outputs) {
      EnrichedText f = first.putIfAbsent(o.getText(), o);
      if (f != null) {
        repeats++;
        same += Objects.equals(f.getClassification(), o.getClassification())
            && Objects.equals(f.getEntities(), o.getEntities()) ? 1 : 0;
      }
    }
    return same + "/" + repeats + " repeats identical to their first occurrence";
  }
}
