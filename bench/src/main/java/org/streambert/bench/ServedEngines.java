package org.streambert.bench;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.streams.StreamsConfig;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.inference.BertPredictor;
import org.streambert.streams.NlpConfig;
import org.streambert.trainer.data.ClassificationReader;
import org.streambert.trainer.data.ConllReader;
import org.streambert.trainer.data.TagScheme;
import org.streambert.trainer.train.ServedEvaluation;
import org.streambert.trainer.train.ServedMetrics;

/**
 * The engines of issue 24 as the streams app serves them ({@code tf-fp32}, {@code tf-bf16}, {@code ort-fp32},
 * {@code ort-int8}, each optionally {@code +cache}, {@code +sync}, {@code +tN} and {@code +commitMS}): the app
 * settings that pin one, and its served quality on a labelled dev file through the same predictor code
 * ({@link OnnxPeerBench.Engine}).
 */
final class ServedEngines {

  private ServedEngines() {
  }

  /** The engine part of a configuration name ({@code ort-int8+cache+sync} → {@code ort-int8}). */
  static String engineOf(String config) {
    return config.replace("+cache", "").replace("+sync", "").replaceAll("\\+(commit|t)\\d+", "");
  }

  /**
   * {@code nlp.*} settings that serve on exactly this engine and precision (no fallback), with the duplicate cache
   * off unless the name holds {@code +cache}, and the forward pass beside the stream thread ({@code nlp.batch.overlap})
   * unless it holds {@code +sync}; {@code +commitMS} sets Kafka Streams' {@code commit.interval.ms}. ONNX Runtime: its
   * default threads (or {@code +tN}: N intra-op threads), no spinning (the app's defaults).
   */
  static Map<String, Object> appSettings(String config) {
    Map<String, Object> s = new HashMap<>();
    switch (engineOf(config)) {
      case "tf-fp32", "tf-bf16", "tf-int8" -> {
        s.put(NlpConfig.MODEL_ENGINE_CONFIG, "tensorflow");
        s.put(NlpConfig.MODEL_PRECISION_CONFIG, engineOf(config).substring("tf-".length()));
      }
      case "ort-fp32", "ort-int8" -> {
        s.put(NlpConfig.MODEL_ENGINE_CONFIG, "onnxruntime");
        s.put(NlpConfig.MODEL_ONNXRUNTIME_PRECISION_CONFIG, config.startsWith("ort-int8") ? "int8" : "fp32");
      }
      default -> throw new IllegalArgumentException("unknown configuration " + config);
    }
    if (!config.contains("+cache")) {
      s.put(NlpConfig.CACHE_MAX_ENTRIES_CONFIG, 0);
    }
    s.put(NlpConfig.BATCH_OVERLAP_CONFIG, !config.contains("+sync"));
    numberAfter(config, "t").ifPresent(t -> s.put(NlpConfig.MODEL_ONNXRUNTIME_THREADS_CONFIG, t));
    // Kafka Streams' commit.interval.ms (100 under exactly-once by default)
    numberAfter(config, "commit").ifPresent(ms -> s.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, ms));
    return s;
  }

  /** The N of a configuration's {@code +<tag>N} ({@code +t2} → 2 for tag {@code t}), if it has one. */
  private static Optional<Integer> numberAfter(String config, String tag) {
    Matcher m = Pattern.compile("\\+" + tag + "(\\d+)").matcher(config);
    return m.find() ? Optional.of(Integer.parseInt(m.group(1))) : Optional.empty();
  }

  /** Texts/s of {@code predict} on {@code engine} over {@code texts} in calls of {@code batch}, after one warm-up call. */
  static double rawPredict(ModelBundle bundle, String engine, List<String> texts, int batch) throws Exception {
    try (BertPredictor p = open(bundle, engine)) {
      BenchSupport.predictInCalls(p, texts.subList(0, Math.min(batch, texts.size())), batch);
      long t = System.nanoTime();
      long cpu = BenchSupport.processCpuNanos();
      BenchSupport.predictInCalls(p, texts, batch);
      double seconds = (System.nanoTime() - t) / 1e9;
      System.out.printf(Locale.ROOT, "raw predict on %s: the process used %.2f cores%n", engine,
          (BenchSupport.processCpuNanos() - cpu) / 1e9 / seconds);
      return texts.size() / seconds;
    }
  }

  /**
   * A predictor on {@code engine} (a configuration name: its {@code +tN} counts) as the app serves it (TensorFlow's
   * threads; ONNX Runtime's, without spinning).
   */
  private static BertPredictor open(ModelBundle bundle, String engine) throws Exception {
    return new OnnxPeerBench.Engine(engineOf(engine) + (engine.startsWith("ort") ? ":nospin" : "")
        + numberAfter(engine, "t").map(t -> ":t" + t).orElse("")).open(bundle, 0);
  }

  /**
   * Served entity F1 (a bundle with a token head; {@code dev} in CoNLL with {@code scheme}) or accuracy (TSV) of the
   * bundle on {@code engine}, through {@link ServedEvaluation} on tokenized dev text.
   */
  static double quality(ModelBundle bundle, Path dev, TagScheme scheme, String engine) throws Exception {
    boolean ner = bundle.model().tokenClassificationHead().isPresent();
    try (BertPredictor p = open(bundle, engine)) {
      if (ner) {
        ServedMetrics m = ServedEvaluation.evaluate(p, List.of(), List.of(), null,
            ConllReader.read(dev, scheme).sentences());
        return m.ner().overall().f1();
      }
      return ServedEvaluation.evaluate(p, ClassificationReader.read(dev).examples(),
          bundle.model().classificationHead().orElseThrow().labels(), null, List.of()).classification().accuracy();
    }
  }
}
