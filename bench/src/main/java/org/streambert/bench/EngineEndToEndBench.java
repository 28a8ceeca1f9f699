package org.streambert.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.schemas.avro.EnrichedText;
import org.streambert.trainer.data.TagScheme;

/**
 * Issue 24 phase 2: the served path end to end (real broker, exactly_once_v2, {@link EndToEndBench#endToEndRun}) on
 * each engine and precision the app can pin ({@link ServedEngines}), for one fine-tuned bundle (and its ONNX export,
 * written once into WORK_DIR), the same records, in one process, the order rotating each round; rates are total
 * records over total seconds per configuration. Beside it: raw {@code predict} of the same records on the
 * configuration's engine right before each of its runs (calls of the batch size, after a warm-up call), so the
 * pipeline's share shows; where the CPU went while the timed records ran ({@link CpuShares}); the bundle's served
 * score on its dev file at each engine (entity F1 or accuracy); and how many end-to-end outputs equal TensorFlow
 * fp32's (label and entity list).
 *
 * <p>Arguments: {@code BUNDLE DEV_FILE SCHEME WORK_DIR [records=768] [duplicates=0] [batch=32] [rounds=2]
 * [configs=tf-fp32,tf-bf16,ort-int8] [warm-up=batch]}: warm-up is the records each run's app serves before the timed
 * ones; SCHEME the dev file's tag scheme, e.g. IOB2, or {@code detect} (ignored for a TSV). {@code -Dwarmup.rounds=N}
 * runs N whole rounds first, not counted. {@code -Dsteady.waves=N} measures a steady stream instead of rotating: per
 * configuration one broker and one app, the warm-up records, then the records N times with raw {@code predict} right
 * before each wave.
 */
public final class EngineEndToEndBench {

  private EngineEndToEndBench() {
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 4) {
      System.err.println("usage: EngineEndToEndBench BUNDLE DEV_FILE SCHEME WORK_DIR [records=768] [duplicates=0] "
          + "[batch=32] [rounds=2] [configs=tf-fp32,tf-bf16,ort-int8] [warm-up=batch]");
      System.exit(2);
    }
    ModelBundle bundle = OnnxPeerBench.withOnnx(ModelBundle.open(Path.of(args[0])), Path.of(args[3]));
    Path dev = Path.of(args[1]);
    TagScheme scheme = args[2].equalsIgnoreCase("detect") ? null : TagScheme.valueOf(args[2]);
    int records = args.length > 4 ? Integer.parseInt(args[4]) : 768;
    int duplicates = args.length > 5 ? Integer.parseInt(args[5]) : 0;
    int batch = args.length > 6 ? Integer.parseInt(args[6]) : 32;
    int rounds = args.length > 7 ? Integer.parseInt(args[7]) : 2;
    List<String> configs = Arrays.asList((args.length > 8 ? args[8] : "tf-fp32,tf-bf16,ort-int8").split(","));
    int warmUp = args.length > 9 ? Integer.parseInt(args[9]) : batch;
    System.out.printf(Locale.ROOT, "CPU: %s; load average at start: %s; bundle %s %s; %d records at %d%% duplicates, "
            + "batch %d, %d rounds, %d warm-up records per run%n", BenchSupport.cpu(), BenchSupport.loadAverage(),
        bundle.model().name(), bundle.model().version(), records, duplicates, batch, rounds, warmUp);

    List<String> texts = duplicates == 0 ? EndToEndBench.texts(records)
        : DuplicateCacheBench.withDuplicates(EndToEndBench.texts(records), records, duplicates, 14L + duplicates);
    System.out.printf(Locale.ROOT, "%d records, %d distinct texts%n", texts.size(), texts.stream().distinct().count());
    Map<String, Double> quality = new HashMap<>();
    for (String c : configs) {
      String engine = ServedEngines.engineOf(c);
      if (!quality.containsKey(engine)) {
        quality.put(engine, ServedEngines.quality(bundle, dev, scheme, engine));
        System.out.printf(Locale.ROOT, "QUALITY %s on %s (served): %.2f; load %s%n", engine, dev.getFileName(),
            100 * quality.get(engine), BenchSupport.loadAverage());
      }
    }
    int steadyWaves = Integer.getInteger("steady.waves", 0);
    if (steadyWaves > 0) {
      steady(bundle, texts, batch, configs, warmUp, steadyWaves, quality);
      return;
    }
    // Raw predict of each configuration's engine runs right before each of its end-to-end runs, so that both see the
    // machine at the same speed; its rate is over all those runs.
    Map<String, Double> rawSeconds = new HashMap<>();
    List<EndToEndBench.Served> served = configs.stream()
        .map(c -> new EndToEndBench.Served(c, bundle, ServedEngines.appSettings(c))).toList();
    int warmUpRounds = Integer.getInteger("warmup.rounds", 0);
    if (warmUpRounds > 0) { // the JIT compiles the app's Kafka code over its first minutes: a steady stream is past it
      System.out.printf(Locale.ROOT, "%d warm-up round(s), not counted:%n", warmUpRounds);
      EndToEndBench.rotate(served, texts, batch, warmUpRounds, warmUp, c -> { });
    }
    EndToEndBench.Rotation rotation = EndToEndBench.rotate(served, texts, batch, rounds, warmUp, c -> {
      double rate = ServedEngines.rawPredict(bundle, c.name(), texts, batch);
      rawSeconds.merge(c.name(), texts.size() / rate, Double::sum);
      System.out.printf(Locale.ROOT, "raw predict of the records as %s serves them, in calls of %d: %.2f texts/s; "
          + "load %s%n", c.name(), batch, rate, BenchSupport.loadAverage());
    });
    Map<String, Double> raw = new HashMap<>();
    rawSeconds.forEach((c, seconds) -> raw.put(c, rounds * texts.size() / seconds));
    List<List<EnrichedText>> outputs = rotation.lastOutputs();
    int reference = configs.indexOf("tf-fp32");
    double base = rotation.recordsPerSecond()[Math.max(0, reference)];
    System.out.println("configuration | records/s | vs tf-fp32 | end to end / raw predict | served quality | same label "
        + "and entities as tf-fp32 end to end");
    for (int i = 0; i < configs.size(); i++) {
      double rate = rotation.recordsPerSecond()[i];
      String engine = ServedEngines.engineOf(configs.get(i));
      System.out.printf(Locale.ROOT, "RESULT %-16s | %7.2f | %.2fx | %.3f | %.2f | %s%n", configs.get(i), rate,
          rate / base, rate / raw.get(configs.get(i)), 100 * quality.get(engine),
          reference < 0 ? "-" : EndToEndBench.agreement(outputs.get(reference), outputs.get(i)));
    }
    System.out.printf(Locale.ROOT, "load average at end: %s%n", BenchSupport.loadAverage());
  }

  /**
   * A steady stream per configuration: one broker and one app, {@code warmUp} warm-up records, then the texts
   * {@code waves} times, raw {@code predict} of the same texts on the same engine right before each wave (the app idle
   * meanwhile), so that the JIT has long finished with the app's code and both figures see the machine at the same
   * speed. Prints each wave's ratio and the ratio of the totals.
   */
  private static void steady(ModelBundle bundle, List<String> texts, int batch, List<String> configs, int warmUp,
      int waves, Map<String, Double> quality) throws Exception {
    for (String c : configs) {
      if (c.contains("+cache")) {
        throw new IllegalArgumentException("a steady stream repeats its texts: the cache would answer " + c);
      }
      List<Double> raw = new ArrayList<>();
      List<String> loads = new ArrayList<>();
      Path dir = Files.createTempDirectory("steady-bench");
      List<EndToEndBench.Run> runs;
      try {
        runs = EndToEndBench.endToEndWaves(dir, bundle, texts, batch, ServedEngines.appSettings(c), warmUp, waves,
            x -> {
              raw.add(ServedEngines.rawPredict(bundle, c, texts, batch));
              loads.add(BenchSupport.loadAverage());
            });
      } finally {
        EndToEndBench.deleteRecursively(dir);
      }
      double e2eSeconds = 0;
      double rawSeconds = 0;
      for (int w = 0; w < waves; w++) {
        double rate = runs.get(w).recordsPerSecond();
        e2eSeconds += texts.size() / rate;
        rawSeconds += texts.size() / raw.get(w);
        System.out.printf(Locale.ROOT, "wave %d: %s raw predict %.2f texts/s, end to end %.2f records/s: %.3f; load "
            + "after raw predict %s%n", w + 1, c, raw.get(w), rate, rate / raw.get(w), loads.get(w));
      }
      System.out.printf(Locale.ROOT, "STEADY %-16s | %d waves of %d records after %d warm-up records | raw predict "
              + "%.2f texts/s | end to end %.2f records/s | end to end / raw predict %.3f | served quality %.2f%n", c,
          waves, texts.size(), warmUp, waves * texts.size() / rawSeconds, waves * texts.size() / e2eSeconds,
          rawSeconds / e2eSeconds, 100 * quality.get(ServedEngines.engineOf(c)));
    }
    System.out.printf(Locale.ROOT, "load average at end: %s%n", BenchSupport.loadAverage());
  }
}
