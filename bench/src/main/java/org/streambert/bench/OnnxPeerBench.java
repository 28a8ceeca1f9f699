package org.streambert.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.streambert.bert.bundle.BertBundles;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.inference.BertPredictor;
import org.streambert.bert.inference.Prediction;
import org.streambert.bert.inference.PredictorConfig;
import org.streambert.bert.model.BertSavedModel;
import org.streambert.bert.model.Precision;
import org.streambert.bert.onnx.OnnxBundles;
import org.streambert.bert.onnx.OnnxPrecision;
import org.streambert.bert.onnx.OnnxQuantizer;
import org.streambert.bert.onnx.OnnxRuntimeForwardPass;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.tokenizer.WordPieceTokenizer;
import org.streambert.trainer.data.ClassificationExample;
import org.streambert.trainer.data.ClassificationReader;
import org.streambert.trainer.data.ConllReader;
import org.streambert.trainer.data.NerSentence;
import org.streambert.trainer.data.TagScheme;
import org.streambert.trainer.train.ServedEvaluation;
import org.streambert.trainer.train.ServedMetrics;
import org.tensorflow.proto.ConfigProto;

/**
 * Issue 24 §1: this project's engine (TensorFlow, fp32 and bf16) against the engine a Java user would pick instead
 * (ONNX Runtime, fp32 with all graph optimisations and int8 dynamic quantization), serving the same fine-tuned
 * bundles through the same {@link BertPredictor} (same tokenization, same length-bucketed batches, same windows),
 * in one process, the order rotating per round. The ONNX models are this project's export of each bundle
 * ({@link OnnxBundles#writeWithOnnx}, written once into WORK_DIR) and its int8 pass.
 *
 * <p>Speed: {@code predict} texts/s of the NER bundle on the real length mix ({@link LengthMix}, raw sentences of
 * wnut17/wikigold/SQuAD, the bundle's cased tokenizer), and its useful GFLOP/s ({@link BertFlops}). Quality beside
 * each: served entity F1 of the NER bundle on its test CoNLL file and the share of test texts whose entity list
 * equals TensorFlow fp32's; served accuracy of the classification bundle on its TSV dev file and its label agreement
 * with fp32.
 *
 * <p>Arguments: {@code NER_BUNDLE NER_TEST.conll NER_SCHEME CLS_BUNDLE CLS_DEV.tsv WORK_DIR [rounds=4] [texts=384]
 * [callSize=32] [ortThreads=2] [engines=tf-fp32,tf-bf16,ort-fp32,ort-int8]}.
 */
public final class OnnxPeerBench {
  private static final long CORPUS_SEED = 24L;

  private OnnxPeerBench() {
  }

  /**
   * An engine at a precision, as the app would serve it: {@code tf-fp32}, {@code tf-bf16}, {@code tf-int8},
   * {@code ort-fp32},
   * {@code ort-int8} (per row, the app's int8 since issue 32) or {@code ort-int8pt} (per tensor); an ONNX Runtime engine may add {@code :nospin} (its intra-op threads sleep instead of spinning
   * between ops: {@code session.intra_op.allow_spinning=0}) and {@code :tN} (N intra-op threads instead of the
   * bench's; for TensorFlow, N intra-op threads and one inter-op thread instead of TensorFlow's defaults); any engine
   * {@code :costN} (batches cut with {@code batchCostTokens} N instead of the default: 0 cuts
   * wherever padding is saved, the closest to attention on unpadded lengths the batching offers).
   */
  record Engine(String name) {
    BertPredictor open(ModelBundle bundle, int threads) throws Exception {
      PredictorConfig config = BertBundles.defaultPredictorConfig(bundle);
      String[] parts = name.split(":");
      Map<String, String> entries = new HashMap<>(Map.of("session.intra_op.allow_spinning", "1")); // ORT's default
      int t = threads;
      boolean threadsGiven = false;
      for (int i = 1; i < parts.length; i++) {
        if (parts[i].equals("nospin")) {
          entries.put("session.intra_op.allow_spinning", "0");
        } else if (parts[i].startsWith("cost")) {
          config = PredictorConfig.builder().maxLength(bundle.model().tokenizer().maxLength())
              .batchCostTokens(Integer.parseInt(parts[i].substring(4))).build();
        } else if (parts[i].startsWith("t")) {
          t = Integer.parseInt(parts[i].substring(1));
          threadsGiven = true;
        } else {
          throw new IllegalArgumentException("unknown engine option " + parts[i]);
        }
      }
      return switch (parts[0]) {
        case "tf-fp32", "tf-bf16", "tf-int8" -> {
          Precision precision = Precision.parse(parts[0].substring("tf-".length()));
          if (!threadsGiven) { // TensorFlow's default threads, as the app serves
            yield BertBundles.openPredictor(bundle, config, precision);
          }
          ConfigProto session = ConfigProto.newBuilder().setIntraOpParallelismThreads(t)
              .setInterOpParallelismThreads(1).build();
          WordPieceTokenizer tokenizer = WordPieceTokenizer.fromVocabFile(bundle.vocabFile(),
              bundle.model().tokenizer().doLowerCase());
          yield BertBundles.openPredictor(bundle, tokenizer, b -> BertSavedModel.load(b.savedModelDir(),
              BertBundles.bertConfig(b.model()), BertBundles.headsSpec(b.model()), precision, session), config);
        }
        case "ort-fp32", "ort-int8", "ort-int8pt" -> { // ort-int8: per row (the app's int8); ort-int8pt: per tensor
          WordPieceTokenizer tokenizer = WordPieceTokenizer.fromVocabFile(bundle.vocabFile(),
              bundle.model().tokenizer().doLowerCase());
          OnnxPrecision p = parts[0].endsWith("int8") ? OnnxPrecision.INT8
              : parts[0].endsWith("int8pt") ? OnnxPrecision.INT8_PER_TENSOR : OnnxPrecision.FP32;
          int threadsOfThis = t;
          yield BertBundles.openPredictor(bundle, tokenizer, b -> OnnxBundles.load(b, p, threadsOfThis, entries),
              config);
        }
        case "ort-int8tok" -> { // int8 with activations quantized per token (OnnxQuantizer.quantizeInt8PerToken)
          WordPieceTokenizer tokenizer = WordPieceTokenizer.fromVocabFile(bundle.vocabFile(),
              bundle.model().tokenizer().doLowerCase());
          int threadsOfThis = t;
          yield BertBundles.openPredictor(bundle, tokenizer, b -> {
            BertConfig cfg = BertBundles.bertConfig(b.model());
            return new OnnxRuntimeForwardPass(OnnxQuantizer.quantizeInt8PerToken(OnnxBundles.checkedModel(b)),
                BertBundles.headsSpec(b.model()), cfg.hiddenSize(), threadsOfThis,
                new OnnxRuntimeForwardPass.Limits(cfg.vocabSize(), cfg.typeVocabSize(), cfg.maxPositionEmbeddings()),
                entries);
          }, config);
        }
        default -> throw new IllegalArgumentException("unknown engine " + name);
      };
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 6) {
      System.err.println("usage: OnnxPeerBench NER_BUNDLE NER_TEST.conll NER_SCHEME CLS_BUNDLE CLS_DEV.tsv WORK_DIR "
          + "[rounds=4] [texts=384] [callSize=32] [ortThreads=2] [engines=tf-fp32,tf-bf16,ort-fp32,ort-int8]");
      System.exit(2);
    }
    int rounds = args.length > 6 ? Integer.parseInt(args[6]) : 4;
    int numTexts = args.length > 7 ? Integer.parseInt(args[7]) : 384;
    int callSize = args.length > 8 ? Integer.parseInt(args[8]) : 32;
    int threads = args.length > 9 ? Integer.parseInt(args[9]) : 2;
    List<Engine> engines = Arrays.stream((args.length > 10 ? args[10] : "tf-fp32,tf-bf16,ort-fp32,ort-int8")
        .split(",")).map(Engine::new).toList();
    System.out.printf(Locale.ROOT, "CPU: %s; load average at start: %s (%d cpus); TensorFlow threads: default; "
            + "ONNX Runtime intra-op threads: %d%n", BenchSupport.cpu(), BenchSupport.loadAverage(),
        Runtime.getRuntime().availableProcessors(), threads);
    Path work = Path.of(args[5]);
    ModelBundle ner = withOnnx(ModelBundle.open(Path.of(args[0])), work);
    List<NerSentence> nerTest = ConllReader.read(Path.of(args[1]), TagScheme.valueOf(args[2])).sentences();
    ModelBundle cls = withOnnx(ModelBundle.open(Path.of(args[3])), work);
    List<ClassificationExample> clsDev = ClassificationReader.read(Path.of(args[4])).examples();

    // Speed, NER bundle, all engines loaded, rotating
    WordPieceTokenizer tokenizer = WordPieceTokenizer.fromVocabFile(ner.vocabFile(),
        ner.model().tokenizer().doLowerCase());
    LengthMix.Corpus corpus = LengthMix.build(tokenizer, tokenizer.vocab(), numTexts, CORPUS_SEED);
    System.out.println("texts: " + corpus.source());
    System.out.println("mix of " + corpus.size() + " texts: " + corpus.histogram());
    PredictorConfig pc = BertBundles.defaultPredictorConfig(ner);
    BertFlops flops = new BertFlops(BertBundles.bertConfig(ner.model()), 0,
        BertBundles.headsSpec(ner.model()).numTokenLabels());
    double usefulPerText = flops.texts(Arrays.stream(corpus.lengths()).boxed().toList(), pc.maxLength(),
        pc.docStride()) / corpus.size();
    List<String> nerTexts = nerTest.stream().map(s -> String.join(" ", s.tokens())).toList();
    double[] seconds = new double[engines.size()];
    List<List<Prediction>> nerOutputs = new ArrayList<>();
    List<Double> nerF1 = new ArrayList<>();
    List<BertPredictor> predictors = new ArrayList<>();
    long texts = 0;
    try {
      for (Engine e : engines) {
        long t0 = System.nanoTime();
        predictors.add(e.open(ner, threads));
        System.out.printf(Locale.ROOT, "%s: opened in %.1f s%n", e.name(), (System.nanoTime() - t0) / 1e9);
      }
      for (int i = 0; i < engines.size(); i++) {
        BertPredictor p = predictors.get(i);
        BenchSupport.predictInCalls(p, corpus.texts().subList(0, Math.min(64, corpus.size())), callSize); // warm-up
        nerOutputs.add(BenchSupport.predictInCalls(p, nerTexts, callSize));
        ServedMetrics m = ServedEvaluation.evaluate(p, List.of(), List.of(), null, nerTest);
        nerF1.add(m.ner().overall().f1());
      }
      int chunk = Math.max(callSize, corpus.size() / rounds);
      for (int r = 0; r < rounds; r++) {
        int from = (r * chunk) % corpus.size();
        List<String> part = corpus.texts().subList(from, Math.min(corpus.size(), from + chunk));
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  round %d (%d texts):", r + 1,
            part.size()));
        double[] s = new double[engines.size()];
        for (int j = 0; j < engines.size(); j++) {
          int i = (r + j) % engines.size(); // rotate: every engine sees the same drifting load
          long start = System.nanoTime();
          BenchSupport.predictInCalls(predictors.get(i), part, callSize);
          s[i] = (System.nanoTime() - start) / 1e9;
          seconds[i] += s[i];
        }
        for (int i = 0; i < engines.size(); i++) {
          line.append(String.format(Locale.ROOT, " %s %.1f", engines.get(i).name(), part.size() / s[i]));
        }
        System.out.println(line.append(" texts/s; load ").append(BenchSupport.loadAverage()));
        texts += part.size();
      }
    } finally {
      for (BertPredictor p : predictors) {
        p.close();
      }
    }

    // Quality of the classifier, one engine at a time
    List<Double> accuracy = new ArrayList<>();
    List<List<Prediction>> clsOutputs = new ArrayList<>();
    List<String> clsTexts = clsDev.stream().map(ClassificationExample::text).toList();
    for (Engine e : engines) {
      try (BertPredictor p = e.open(cls, threads)) {
        clsOutputs.add(BenchSupport.predictInCalls(p, clsTexts, callSize));
        accuracy.add(ServedEvaluation.evaluate(p, clsDev, cls.model().classificationHead().orElseThrow().labels(),
            null, List.of()).classification().accuracy());
      }
    }

    double base = 0;
    System.out.println("engine | texts/s | vs tf-fp32 | useful GFLOP/s | NER F1 | same entity list as tf-fp32 | "
        + "sentiment accuracy | same label as tf-fp32 | max class-prob diff from tf-fp32");
    for (int i = 0; i < engines.size(); i++) {
      double rate = texts / seconds[i];
      if (i == 0) {
        base = rate;
      }
      int sameEntities = 0;
      for (int t = 0; t < nerTexts.size(); t++) {
        sameEntities += spans(nerOutputs.get(0).get(t)).equals(spans(nerOutputs.get(i).get(t))) ? 1 : 0;
      }
      int sameLabels = 0;
      double maxScoreDiff = 0;
      for (int t = 0; t < clsTexts.size(); t++) {
        Prediction x = clsOutputs.get(0).get(t);
        Prediction y = clsOutputs.get(i).get(t);
        sameLabels += x.label().label().equals(y.label().label()) ? 1 : 0;
        for (int c = 0; c < x.labelScores().size(); c++) {
          maxScoreDiff = Math.max(maxScoreDiff, Math.abs(x.labelScores().get(c).score()
              - y.labelScores().get(c).score()));
        }
      }
      System.out.printf(Locale.ROOT, "RESULT %-9s | %7.2f | %.2fx | %6.1f | %.2f (%+.2f) | %d/%d | %.2f%% | %d/%d | "
          + "%.4f%n",
          engines.get(i).name(), rate, rate / base, rate * usefulPerText / 1e9, 100 * nerF1.get(i),
          100 * (nerF1.get(i) - nerF1.get(0)), sameEntities, nerTexts.size(), 100 * accuracy.get(i), sameLabels,
          clsTexts.size(), maxScoreDiff);
    }
    System.out.printf(Locale.ROOT, "load average at end: %s%n", BenchSupport.loadAverage());
  }

  /** The bundle with its ONNX export, written once under {@code work} (reused when already there). */
  static ModelBundle withOnnx(ModelBundle bundle, Path work) throws Exception {
    if (OnnxBundles.hasOnnx(bundle)) {
      return bundle;
    }
    Path target = work.resolve(bundle.model().name() + "-" + bundle.model().version() + "-"
        + bundle.manifestSha256().substring(0, 12) + "-onnx");
    if (Files.isDirectory(target)) {
      return ModelBundle.open(target);
    }
    long t0 = System.nanoTime();
    ModelBundle out = OnnxBundles.writeWithOnnx(bundle, target);
    System.out.printf(Locale.ROOT, "exported %s to %s in %.1f s (%d MB)%n", bundle.dir(), target,
        (System.nanoTime() - t0) / 1e9, Files.size(target.resolve(OnnxBundles.ONNX_FILE)) >> 20);
    return out;
  }

  private static String spans(Prediction p) {
    StringBuilder b = new StringBuilder();
    p.entities().forEach(e -> b.append(e.type()).append('@').append(e.start()).append('-').append(e.end()).append(' '));
    return b.toString();
  }
}
