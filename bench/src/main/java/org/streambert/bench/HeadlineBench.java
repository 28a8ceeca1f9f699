package org.streambert.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.streambert.bert.bundle.ModelBundle;

/**
 * Issue 14 §5, the headline row: end-to-end records/s through a real broker (exactly_once_v2) of today's
 * configuration (the baseline bundle, e.g. fine-tuned BERT-base, TensorFlow fp32, no duplicate cache) against a
 * faster one (a candidate bundle, e.g. a distilled student, on engine {@code fast} with the duplicate cache on), with
 * the two steps in between (candidate TensorFlow fp32 without cache, candidate on {@code fast} without cache) so the
 * factors show. {@code fast} is {@code bf16} (TensorFlow) or, since issue 24, any of {@link ServedEngines}' engines,
 * e.g. {@code ort-int8} (the candidate's ONNX export is then written once into a work directory). All four
 * run the same records (the wnut17/wikigold mix of {@link EndToEndBench} with {@code duplicates}% repeats, as in
 * {@link DuplicateCacheBench}) in one process, in an order that rotates each round; rates are total records over
 * total seconds per configuration. Quality beside speed: the served score (entity F1 for a token head, else accuracy)
 * of baseline fp32 and candidate at fp32 and at {@code precision} on a labelled dev file (CoNLL, or TSV for
 * classification), through the trainer's served-path evaluation, and the agreement of the cached run's outputs with
 * the uncached run of the same model.
 *
 * <p>Quality is scored through {@link ServedEngines#quality} (served entity F1 on the tokenized dev sentences, or
 * accuracy), the same predictor code for every engine.
 *
 * <p>Arguments: {@code BASELINE_BUNDLE CANDIDATE_BUNDLE DEV_FILE [records=256] [duplicates=30] [batch=32]
 * [fast=bf16] [rounds=2] [workDir=temporary]}.
 */
public final class HeadlineBench {

  private HeadlineBench() {
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 3) {
      System.err.println("usage: HeadlineBench BASELINE_BUNDLE CANDIDATE_BUNDLE DEV_FILE [records=256] "
          + "[duplicates=30] [batch=32] [fast=bf16|tf-bf16|ort-int8|ort-fp32] [rounds=2] [workDir]");
      System.exit(2);
    }
    ModelBundle baseline = ModelBundle.open(Path.of(args[0]));
    Path dev = Path.of(args[2]);
    int records = args.length > 3 ? Integer.parseInt(args[3]) : 256;
    int duplicates = args.length > 4 ? Integer.parseInt(args[4]) : 30;
    int batch = args.length > 5 ? Integer.parseInt(args[5]) : 32;
    String fast = args.length > 6 ? args[6] : "bf16";
    fast = fast.equals("bf16") || fast.equals("fp32") ? "tf-" + fast : fast;
    int rounds = args.length > 7 ? Integer.parseInt(args[7]) : 2;
    ModelBundle candidate = ModelBundle.open(Path.of(args[1]));
    if (fast.startsWith("ort")) {
      candidate = OnnxPeerBench.withOnnx(candidate, args.length > 8 ? Path.of(args[8])
          : Files.createTempDirectory("headline-onnx"));
    }
    System.out.printf(Locale.ROOT, "CPU: %s; load average at start: %s (%d cpus); baseline %s %s, candidate %s %s; "
            + "%d records at %d%% duplicates, batch %d, candidate on %s, %d rounds%n", BenchSupport.cpu(),
        BenchSupport.loadAverage(), Runtime.getRuntime().availableProcessors(), baseline.model().name(),
        baseline.model().version(), candidate.model().name(), candidate.model().version(), records, duplicates, batch,
        fast, rounds);

    double baseScore = ServedEngines.quality(baseline, dev, null, "tf-fp32");
    double candFp32 = ServedEngines.quality(candidate, dev, null, "tf-fp32");
    double candFast = fast.equals("tf-fp32") ? candFp32 : ServedEngines.quality(candidate, dev, null, fast);
    System.out.printf(Locale.ROOT, "QUALITY on %s (served): baseline fp32 %.2f; candidate fp32 %.2f, %s %.2f; "
            + "candidate on %s is %.2f points below the baseline; load %s%n", dev.getFileName(), 100 * baseScore,
        100 * candFp32, fast, 100 * candFast, fast, 100 * (baseScore - candFast), BenchSupport.loadAverage());

    List<EndToEndBench.Served> configs = List.of(
        new EndToEndBench.Served("baseline fp32, no cache", baseline, ServedEngines.appSettings("tf-fp32")),
        new EndToEndBench.Served("candidate fp32, no cache", candidate, ServedEngines.appSettings("tf-fp32")),
        new EndToEndBench.Served("candidate " + fast + ", no cache", candidate, ServedEngines.appSettings(fast)),
        new EndToEndBench.Served("candidate " + fast + " + cache", candidate, ServedEngines.appSettings(fast + "+cache")));

    List<String> texts = DuplicateCacheBench.withDuplicates(EndToEndBench.texts(records), records, duplicates,
        14L + duplicates);
    System.out.printf(Locale.ROOT, "%d records, %d distinct texts%n", texts.size(),
        texts.stream().distinct().count());
    EndToEndBench.Rotation rotation = EndToEndBench.rotate(configs, texts, batch, rounds);
    double base = rotation.recordsPerSecond()[0];
    for (int i = 0; i < configs.size(); i++) {
      double rate = rotation.recordsPerSecond()[i];
      System.out.printf(Locale.ROOT, "RESULT %-32s %7.2f records/s  %.2fx the baseline%n", configs.get(i).name(), rate,
          rate / base);
    }
    System.out.printf(Locale.ROOT, "cached vs uncached candidate on %s: %s%n", fast,
        EndToEndBench.agreement(rotation.lastOutputs().get(2), rotation.lastOutputs().get(3))
            + " records with the same label and entity list");
    System.out.printf(Locale.ROOT, "load average at end: %s%n", BenchSupport.loadAverage());
  }
}
