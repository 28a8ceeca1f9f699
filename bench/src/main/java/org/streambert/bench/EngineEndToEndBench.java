package org.streambert.bench;

import java.nio.file.Path;
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
 * records over total seconds per configuration. Beside it: raw {@code predict} of the same records on each engine
 * (calls of the batch size, after a warm-up call), so the pipeline's share shows; the bundle's served score on its
 * dev file at each engine (entity F1 or accuracy); and how many end-to-end outputs equal TensorFlow fp32's (label
 * and entity list).
 *
 * <p>Arguments: {@code BUNDLE DEV_FILE SCHEME WORK_DIR [records=768] [duplicates=0] [batch=32] [rounds=2]
 * [configs=tf-fp32,tf-bf16,ort-int8]} (SCHEME: the dev file's tag scheme, e.g. IOB2, or {@code detect}; ignored
 * for a TSV).
 */
public final class EngineEndToEndBench {

  private EngineEndToEndBench() {
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 4) {
      System.err.println("usage: EngineEndToEndBench BUNDLE DEV_FILE SCHEME WORK_DIR [records=768] [duplicates=0] "
          + "[batch=32] [rounds=2] [configs=tf-fp32,tf-bf16,ort-int8]");
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
    System.out.printf(Locale.ROOT, "CPU: %s; load average at start: %s; bundle %s %s; %d records at %d%% duplicates, "
            + "batch %d, %d rounds%n", BenchSupport.cpu(), BenchSupport.loadAverage(), bundle.model().name(),
        bundle.model().version(), records, duplicates, batch, rounds);

    List<String> texts = duplicates == 0 ? EndToEndBench.texts(records)
        : DuplicateCacheBench.withDuplicates(EndToEndBench.texts(records), records, duplicates, 14L + duplicates);
    System.out.printf(Locale.ROOT, "%d records, %d distinct texts%n", texts.size(), texts.stream().distinct().count());
    Map<String, Double> quality = new HashMap<>();
    Map<String, Double> raw = new HashMap<>();
    for (String c : configs) {
      String engine = ServedEngines.engineOf(c);
      if (!quality.containsKey(engine)) {
        quality.put(engine, ServedEngines.quality(bundle, dev, scheme, engine));
        raw.put(engine, ServedEngines.rawPredict(bundle, engine, texts, batch));
        System.out.printf(Locale.ROOT, "QUALITY %s on %s (served): %.2f; raw predict of the records in calls of %d: "
                + "%.2f texts/s; load %s%n", engine, dev.getFileName(), 100 * quality.get(engine), batch,
            raw.get(engine), BenchSupport.loadAverage());
      }
    }
    List<EndToEndBench.Served> served = configs.stream()
        .map(c -> new EndToEndBench.Served(c, bundle, ServedEngines.appSettings(c))).toList();
    EndToEndBench.Rotation rotation = EndToEndBench.rotate(served, texts, batch, rounds);
    List<List<EnrichedText>> outputs = rotation.lastOutputs();
    int reference = configs.indexOf("tf-fp32");
    double base = rotation.recordsPerSecond()[Math.max(0, reference)];
    System.out.println("configuration | records/s | vs tf-fp32 | end to end / raw predict | served quality | same label "
        + "and entities as tf-fp32 end to end");
    for (int i = 0; i < configs.size(); i++) {
      double rate = rotation.recordsPerSecond()[i];
      String engine = ServedEngines.engineOf(configs.get(i));
      System.out.printf(Locale.ROOT, "RESULT %-16s | %7.2f | %.2fx | %.3f | %.2f | %s%n", configs.get(i), rate,
          rate / base, rate / raw.get(engine), 100 * quality.get(engine),
          reference < 0 ? "-" : EndToEndBench.agreement(outputs.get(reference), outputs.get(i)));
    }
    System.out.printf(Locale.ROOT, "load average at end: %s%n", BenchSupport.loadAverage());
  }
}
