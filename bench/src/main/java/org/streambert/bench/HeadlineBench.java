package org.streambert.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.model.Precision;
import org.streambert.schemas.avro.EnrichedText;
import org.streambert.streams.NlpConfig;
import org.streambert.trainer.cli.EvaluateCommand;
import org.streambert.trainer.data.ClassificationReader;
import org.streambert.trainer.data.ConllReader;
import org.streambert.trainer.train.EvalReport;

/**
 * Issue 14 §5, the headline row: end-to-end records/s through a real broker (exactly_once_v2) of today's
 * configuration (the baseline bundle, e.g. fine-tuned BERT-base, fp32, no duplicate cache) against a faster one (a
 * candidate bundle, e.g. a distilled student, at {@code precision} with the duplicate cache on), with the two steps in
 * between (candidate fp32 without cache, candidate at {@code precision} without cache) so the factors show. All four
 * run the same records (the wnut17/wikigold mix of {@link EndToEndBench} with {@code duplicates}% repeats, as in
 * {@link DuplicateCacheBench}) in one process, in an order that rotates each round; rates are total records over
 * total seconds per configuration. Quality beside speed: the served score (entity F1 for a token head, else accuracy)
 * of baseline fp32 and candidate at fp32 and at {@code precision} on a labelled dev file (CoNLL, or TSV for
 * classification), through the trainer's served-path evaluation, and the agreement of the cached run's outputs with
 * the uncached run of the same model.
 *
 * <p>Arguments: {@code BASELINE_BUNDLE CANDIDATE_BUNDLE DEV_FILE [records=256] [duplicates=30] [batch=32]
 * [precision=bf16] [rounds=2]}.
 */
public final class HeadlineBench {

  private HeadlineBench() {
  }

  private record Config(String name, ModelBundle bundle, Map<String, Object> settings) {
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 3) {
      System.err.println("usage: HeadlineBench BASELINE_BUNDLE CANDIDATE_BUNDLE DEV_FILE [records=256] "
          + "[duplicates=30] [batch=32] [precision=bf16] [rounds=2]");
      System.exit(2);
    }
    ModelBundle baseline = ModelBundle.open(Path.of(args[0]));
    ModelBundle candidate = ModelBundle.open(Path.of(args[1]));
    Path dev = Path.of(args[2]);
    int records = args.length > 3 ? Integer.parseInt(args[3]) : 256;
    int duplicates = args.length > 4 ? Integer.parseInt(args[4]) : 30;
    int batch = args.length > 5 ? Integer.parseInt(args[5]) : 32;
    Precision precision = Precision.parse(args.length > 6 ? args[6] : "bf16");
    int rounds = args.length > 7 ? Integer.parseInt(args[7]) : 2;
    System.out.printf(Locale.ROOT, "load average at start: %s (%d cpus); baseline %s %s, candidate %s %s; %d records "
            + "at %d%% duplicates, batch %d, candidate precision %s (this CPU has bf16: %s), %d rounds%n",
        BenchSupport.loadAverage(), Runtime.getRuntime().availableProcessors(), baseline.model().name(),
        baseline.model().version(), candidate.model().name(), candidate.model().version(), records, duplicates, batch,
        precision, Precision.cpuHasBf16(), rounds);

    double baseScore = score(baseline, dev, Precision.FP32);
    double candFp32 = score(candidate, dev, Precision.FP32);
    double candFast = precision == Precision.FP32 ? candFp32 : score(candidate, dev, precision);
    System.out.printf(Locale.ROOT, "QUALITY on %s (served): baseline fp32 %.2f; candidate fp32 %.2f, %s %.2f; "
            + "candidate at %s is %.2f points below the baseline; load %s%n", dev.getFileName(), 100 * baseScore,
        100 * candFp32, precision, 100 * candFast, precision, 100 * (baseScore - candFast), BenchSupport.loadAverage());

    Map<String, Object> plain = new HashMap<>();
    plain.put(NlpConfig.MODEL_PRECISION_CONFIG, "fp32");
    plain.put(NlpConfig.CACHE_MAX_ENTRIES_CONFIG, 0);
    Map<String, Object> fast = new HashMap<>(plain);
    fast.put(NlpConfig.MODEL_PRECISION_CONFIG, precision.toString());
    Map<String, Object> fastCached = new HashMap<>(fast);
    fastCached.remove(NlpConfig.CACHE_MAX_ENTRIES_CONFIG); // the app's default cache
    List<Config> configs = List.of(
        new Config("baseline fp32, no cache", baseline, plain),
        new Config("candidate fp32, no cache", candidate, plain),
        new Config("candidate " + precision + ", no cache", candidate, fast),
        new Config("candidate " + precision + " + cache", candidate, fastCached));

    List<String> texts = DuplicateCacheBench.withDuplicates(EndToEndBench.texts(records), records, duplicates,
        14L + duplicates);
    System.out.printf(Locale.ROOT, "%d records, %d distinct texts%n", texts.size(),
        texts.stream().distinct().count());
    double[] seconds = new double[configs.size()];
    List<List<EnrichedText>> lastOutputs = new ArrayList<>();
    configs.forEach(c -> lastOutputs.add(null));
    Path dir = Files.createTempDirectory("headline-bench");
    try {
      int run = 0;
      for (int round = 0; round < rounds; round++) {
        for (int j = 0; j < configs.size(); j++) {
          int i = (round + j) % configs.size();
          Config c = configs.get(i);
          EndToEndBench.Run r = EndToEndBench.endToEndRun(dir.resolve("run-" + run++), c.bundle(), texts, batch,
              c.settings());
          seconds[i] += texts.size() / r.recordsPerSecond();
          lastOutputs.set(i, r.outputs());
          System.out.printf(Locale.ROOT, "round %d: %-32s %7.2f records/s; load %s%n", round + 1, c.name(),
              r.recordsPerSecond(), BenchSupport.loadAverage());
        }
      }
    } finally {
      EndToEndBench.deleteRecursively(dir);
    }
    double base = rounds * texts.size() / seconds[0];
    for (int i = 0; i < configs.size(); i++) {
      double rate = rounds * texts.size() / seconds[i];
      System.out.printf(Locale.ROOT, "RESULT %-32s %7.2f records/s  %.2fx the baseline%n", configs.get(i).name(), rate,
          rate / base);
    }
    System.out.printf(Locale.ROOT, "cached vs uncached candidate at %s: %s%n", precision,
        agreement(lastOutputs.get(2), lastOutputs.get(3)));
    System.out.printf(Locale.ROOT, "load average at end: %s%n", BenchSupport.loadAverage());
  }

  /** Served entity F1 of a bundle with a token head, else served accuracy, on the dev file at a precision. */
  private static double score(ModelBundle bundle, Path dev, Precision precision) throws Exception {
    boolean ner = bundle.model().tokenClassificationHead().isPresent();
    EvalReport report = ner
        ? EvaluateCommand.evaluate(bundle.dir(), null, ConllReader.read(dev).sentences(), 32, precision)
        : EvaluateCommand.evaluate(bundle.dir(), ClassificationReader.read(dev).examples(), null, 32, precision);
    return ner ? report.served().ner().overall().f1() : report.served().classification().accuracy();
  }

  /** Records (by id) whose label and entity list are the same in both runs. */
  private static String agreement(List<EnrichedText> a, List<EnrichedText> b) {
    Map<String, EnrichedText> byId = new HashMap<>();
    b.forEach(o -> byId.put(o.getId(), o));
    int same = 0;
    for (EnrichedText x : a) {
      EnrichedText y = byId.get(x.getId());
      if (y != null && String.valueOf(x.getClassification() == null ? null : x.getClassification().getLabel())
          .equals(String.valueOf(y.getClassification() == null ? null : y.getClassification().getLabel()))
          && DuplicateCacheBench.spans(x).equals(DuplicateCacheBench.spans(y))) {
        same++;
      }
    }
    return same + "/" + a.size() + " records with the same label and entity list";
  }
}
