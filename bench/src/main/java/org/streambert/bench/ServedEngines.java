package org.streambert.bench;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * {@code ort-int8}, each optionally {@code +cache} and {@code +sync}): the app settings that pin one, and its served
 * quality on a labelled dev file through the same predictor code ({@link OnnxPeerBench.Engine}).
 */
final class ServedEngines {

  private ServedEngines() {
  }

  /** The engine part of a configuration name ({@code ort-int8+cache+sync} → {@code ort-int8}). */
  static String engineOf(String config) {
    return config.replace("+cache", "").replace("+sync", "");
  }

  /**
   * {@code nlp.*} settings that serve on exactly this engine and precision (no fallback), with the duplicate cache
   * off unless the name holds {@code +cache}, and the forward pass beside the stream thread ({@code nlp.batch.overlap})
   * unless it holds {@code +sync}. ONNX Runtime: its default threads, no spinning (the app's defaults).
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
    return s;
  }

  /** Texts/s of {@code predict} on {@code engine} over {@code texts} in calls of {@code batch}, after one warm-up call. */
  static double rawPredict(ModelBundle bundle, String engine, List<String> texts, int batch) throws Exception {
    try (BertPredictor p = open(bundle, engine)) {
      BenchSupport.predictInCalls(p, texts.subList(0, Math.min(batch, texts.size())), batch);
      long t = System.nanoTime();
      BenchSupport.predictInCalls(p, texts, batch);
      return texts.size() / ((System.nanoTime() - t) / 1e9);
    }
  }

  /** A predictor on {@code engine} as the app serves it (TensorFlow's threads; ONNX Runtime's, without spinning). */
  private static BertPredictor open(ModelBundle bundle, String engine) throws Exception {
    return new OnnxPeerBench.Engine(engineOf(engine) + (engine.startsWith("ort") ? ":nospin" : "")).open(bundle, 0);
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
