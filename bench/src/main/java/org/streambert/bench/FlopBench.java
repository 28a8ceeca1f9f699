package org.streambert.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.streambert.bert.inference.BertPredictor;
import org.streambert.bert.inference.PredictorConfig;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.BertModel;
import org.streambert.bert.model.ForwardPass;
import org.streambert.bert.onnx.OnnxExporter;
import org.streambert.bert.onnx.OnnxQuantizer;
import org.streambert.bert.onnx.OnnxRuntimeForwardPass;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.model.WeightSource;
import org.streambert.bert.tokenizer.WordPieceTokenizer;
import org.streambert.bert.weights.EasyBertArtifact;
import org.streambert.bert.weights.EasyBertWeights;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;

/**
 * Issue 3 §6, figure 2: useful-token FLOP/s of {@link BertPredictor#predict} (BERT-base uncased, 3-class and 9-tag
 * heads, the {@link LengthMix} of lengths) against large TensorFlow MatMuls run in the same process, alternating, so
 * that both see the same machine load (after each predict call the matmuls run for as long as that call took). Useful FLOPs count the real (non-pad) tokens only, with {@link BertFlops}.
 *
 * <p>Baselines: a 2048x2048 by 2048x2048 MatMul and BERT-base's feed-forward shape [1024, 768] x [768, 3072]; the
 * figure is predict's useful FLOP/s over the faster of the two. Also printed: the FLOP/s of the forward pass at fixed
 * shapes with no padding (kernel efficiency) and predict's padding efficiency (useful / computed FLOPs).
 *
 * <p>Issue 24 §4: first the machine's large-matmul peaks at each arithmetic ({@link MatMulPeaks}: fp32 and bf16
 * through TensorFlow, fp32 and u8 x s8 int8 through ONNX Runtime, TensorFlow's int8 ops where a kernel exists), 2048³,
 * rotating; then predict served by {@code engine} (tf-fp32, tf-bf16, ort-fp32 or ort-int8: the same weights; ONNX
 * Runtime without spinning, its faster setting on a shared CPU, see docs/benchmarks.md), and its useful FLOP/s against
 * the peak of its own arithmetic.
 *
 * <p>Arguments: {@code [rounds=3] [texts=512] [callSize=256] [batchCostTokens]
 * [maxBatchSize] [threads=0] [engine=tf-fp32]} (batching defaults to PredictorConfig's; threads 0 is TensorFlow's
 * default, n gives both sides n intra-op threads and one inter-op thread; ONNX Runtime gets n, or 2 for 0).
 */
public final class FlopBench {
  private static final long CORPUS_SEED = 5L;
  /** Seconds per shape of the no-padding table. */
  private static final double SHAPE_SECONDS = 3;

  private FlopBench() {
  }

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    int numTexts = args.length > 1 ? Integer.parseInt(args[1]) : 512;
    int callSize = args.length > 2 ? Integer.parseInt(args[2]) : 256;
    PredictorConfig.Builder config = PredictorConfig.builder();
    if (args.length > 3) {
      config.batchCostTokens(Integer.parseInt(args[3]));
    }
    if (args.length > 4) {
      config.maxBatchSize(Integer.parseInt(args[4]));
    }
    PredictorConfig pc = config.build();
    int threads = args.length > 5 ? Integer.parseInt(args[5]) : 0;
    String engine = args.length > 6 ? args[6] : "tf-fp32";
    // 0: TensorFlow's defaults (all cores); n: n intra-op threads and one inter-op thread, for the model and matmuls.
    ConfigProto session = threads == 0 ? null
        : ConfigProto.newBuilder().setIntraOpParallelismThreads(threads).setInterOpParallelismThreads(1).build();
    System.out.println("TensorFlow threads: " + (threads == 0 ? "default" : threads + " intra-op, 1 inter-op"));
    System.out.printf(Locale.ROOT, "CPU: %s; load average at start: %s (%d cpus); engine %s%n", BenchSupport.cpu(),
        BenchSupport.loadAverage(), Runtime.getRuntime().availableProcessors(), engine);
    Map<String, Double> peaks = peaks(threads == 0 ? 2 : threads);
    System.out.println("useful FLOPs: " + BertFlops.formula());

    Path dir = EasyBertArtifact.UNCASED.extract(EasyBertArtifact.defaultCacheRoot());
    WordPieceTokenizer tokenizer = WordPieceTokenizer.fromVocabFile(dir.resolve("assets/vocab.txt"), true);
    LengthMix.Corpus corpus = LengthMix.build(tokenizer, tokenizer.vocab(), numTexts, CORPUS_SEED);
    System.out.println("texts: " + corpus.source());
    System.out.println("mix of " + corpus.size() + " texts: " + corpus.histogram());

    ForwardPass model;
    BertConfig cfg;
    HeadsSpec spec = new HeadsSpec(BenchSupport.CLASSES.size(), false, BenchSupport.TAGS.size());
    try (EasyBertWeights weights = EasyBertWeights.open(dir)) {
      cfg = weights.config();
      Map<String, float[]> heads = BenchSupport.headWeights(cfg.hiddenSize());
      WeightSource source = weights.orElse(WeightSource.ofArrays(heads));
      model = switch (engine) {
        case "tf-fp32" -> BertModel.create(cfg, spec, source, session);
        case "tf-bf16" -> BertModel.createBf16(cfg, spec, source, session);
        case "ort-fp32", "ort-int8" -> {
          byte[] onnx;
          try (BertModel fp32 = BertModel.create(cfg, spec, source, session)) {
            onnx = OnnxExporter.toBytes(fp32);
          }
          if (engine.equals("ort-int8")) {
            onnx = OnnxQuantizer.quantizeInt8(onnx);
          }
          yield new OnnxRuntimeForwardPass(onnx, spec, cfg.hiddenSize(), threads == 0 ? 2 : threads,
              new OnnxRuntimeForwardPass.Limits(cfg.vocabSize(), cfg.typeVocabSize(), cfg.maxPositionEmbeddings()),
              MatMulPeaks.ORT_NO_SPIN);
        }
        default -> throw new IllegalArgumentException("engine must be tf-fp32, tf-bf16, ort-fp32 or ort-int8");
      };
    }
    BertFlops flops = new BertFlops(cfg, BenchSupport.CLASSES.size(), BenchSupport.TAGS.size());
    List<Integer> lengths = Arrays.stream(corpus.lengths()).boxed().toList();
    double usefulPerRound = flops.texts(lengths, pc.maxLength(), pc.docStride());
    CountingForwardPass counting = new CountingForwardPass(model, pc.maxLength());
    try (BertPredictor predictor = BertPredictor.create(tokenizer, counting, BenchSupport.CLASSES, BenchSupport.TAGS,
        pc);
        MatMul square = new MatMul(2048, 2048, 2048, session);
        MatMul ffn = new MatMul(1024, 768, 3072, session)) {
      BenchSupport.predictInCalls(predictor, corpus.texts(), callSize); // warm-up, and counts one round
      double computedPerRound = counting.computedFlops(flops);
      System.out.printf(Locale.ROOT, "per round: %.1f GFLOP useful, %.1f GFLOP computed incl. padding in %d forward "
              + "passes (padding efficiency %.2f); predict calls of %d texts, %s%n", usefulPerRound / 1e9,
          computedPerRound / 1e9, counting.runs(), usefulPerRound / computedPerRound, callSize, pc);
      square.runFor(1);
      ffn.runFor(1);
      square.gflopsAndReset();
      ffn.gflopsAndReset();
      shapeTable(model, flops, SHAPE_SECONDS);

      double[] ratios = new double[rounds];
      double[] usefulRates = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        // After every predict call the two matmuls run for half its time each: both sides see the same load, which
        // drifts on a shared machine.
        double predictSeconds = 0;
        for (int from = 0; from < corpus.size(); from += callSize) {
          List<String> call = corpus.texts().subList(from, Math.min(corpus.size(), from + callSize));
          long start = System.nanoTime();
          predictor.predict(call);
          double elapsed = (System.nanoTime() - start) / 1e9;
          predictSeconds += elapsed;
          square.runFor(elapsed / 2);
          ffn.runFor(elapsed / 2);
        }
        double sq = square.gflopsAndReset();
        double ff = ffn.gflopsAndReset();
        double useful = usefulPerRound / predictSeconds / 1e9;
        double computed = computedPerRound / predictSeconds / 1e9;
        double best = Math.max(sq, ff);
        ratios[r] = useful / best;
        usefulRates[r] = useful;
        System.out.printf(Locale.ROOT, "round %d: MatMul 2048^3 %.1f GFLOP/s, FFN [1024,768]x[768,3072] %.1f GFLOP/s;"
                + " predict %.1f texts/s, %.1f useful GFLOP/s (%.1f computed); useful / best matmul = %.2f%n", r + 1,
            sq, ff, corpus.size() / predictSeconds, useful, computed, ratios[r]);
      }
      Arrays.sort(ratios);
      double median = ratios[rounds / 2];
      Arrays.sort(usefulRates);
      double usefulMedian = usefulRates[rounds / 2];
      String arithmetic = engine.endsWith("int8") ? "int8" : engine.endsWith("bf16") ? "bf16" : "fp32";
      System.out.printf(Locale.ROOT, "RESULT %s predict: %.1f useful GFLOP/s (median of %d rounds); peaks (best "
          + "round) measured above: fp32 %.1f, bf16 %.1f, int8 %.1f GFLOP/s; useful / peak of its own arithmetic (%s) "
          + "= %.2f; useful / fp32 peak = %.2f%n", engine, usefulMedian, rounds, peaks.get("fp32"), peaks.get("bf16"),
          peaks.get("int8"), arithmetic, usefulMedian / peaks.get(arithmetic), usefulMedian / peaks.get("fp32"));
      System.out.printf(Locale.ROOT, "RATIO useful FLOP/s of %s predict / large TF fp32 matmul run beside it = %.2f "
          + "(median of %d rounds; issue 3's target >= 0.8 is for tf-fp32)%s%n", engine, median, rounds,
          engine.equals("tf-fp32") ? (median >= 0.8 ? ": met" : ": NOT met") : "");
    } finally {
      System.out.printf(Locale.ROOT, "load average at end: %s%n", BenchSupport.loadAverage());
    }
  }

  /** GFLOP/s of the forward pass at fixed shapes, every token real: the kernels' efficiency without padding. */
  private static void shapeTable(ForwardPass model, BertFlops flops, double seconds) {
    int[][] shapes = {{1, 128}, {32, 16}, {32, 32}, {32, 64}, {8, 128}};
    StringBuilder sb = new StringBuilder("forward pass, no padding:");
    for (int[] s : shapes) {
      int b = s[0];
      int t = s[1];
      int[] ids = new int[b * t];
      Random random = new Random(1);
      for (int i = 0; i < ids.length; i++) {
        ids[i] = 1000 + random.nextInt(20000);
      }
      int[] mask = new int[b * t];
      Arrays.fill(mask, 1);
      int[] seg = new int[b * t];
      model.run(b, t, ids, mask, seg);
      long start = System.nanoTime();
      int n = 0;
      do {
        model.run(b, t, ids, mask, seg);
        n++;
      } while ((System.nanoTime() - start) / 1e9 < seconds);
      double elapsed = (System.nanoTime() - start) / 1e9;
      sb.append(String.format(Locale.ROOT, " [%d,%d] %.1f GFLOP/s;", b, t, n * b * flops.sequence(t) / elapsed / 1e9));
    }
    System.out.println(sb);
  }

  /**
   * Peaks of 2048³ products at every arithmetic ({@link MatMulPeaks}), 3 rounds of 2 s each, rotating; the best and
   * median round per product are printed, and per arithmetic the best round of its fastest product is returned as
   * its peak (keys fp32, bf16, int8): on a shared CPU the best round is the one closest to the machine's own limit.
   */
  private static Map<String, Double> peaks(int threads) throws Exception {
    List<MatMulPeaks.Product> products = MatMulPeaks.all(2048, 2048, 2048, threads);
    Map<String, Double> best = new java.util.HashMap<>(Map.of("fp32", 0.0, "bf16", 0.0, "int8", 0.0));
    try {
      double[][] rates = new double[products.size()][3];
      for (MatMulPeaks.Product p : products) {
        p.runFor(0.5); // warm-up
        p.gflopsAndReset();
      }
      for (int r = 0; r < 3; r++) {
        for (int j = 0; j < products.size(); j++) {
          int i = (r + j) % products.size();
          products.get(i).runFor(2);
          rates[i][r] = products.get(i).gflopsAndReset();
        }
      }
      for (int i = 0; i < products.size(); i++) {
        double[] v = rates[i].clone();
        Arrays.sort(v);
        String name = products.get(i).name();
        System.out.printf(Locale.ROOT, "PEAK %-55s best %7.1f, median %7.1f GFLOP/s (rounds %.1f, %.1f, %.1f); load %s%n",
            name, v[2], v[1], rates[i][0], rates[i][1], rates[i][2], BenchSupport.loadAverage());
        String key = name.contains("int8") ? "int8" : name.contains("bf16") ? "bf16" : "fp32";
        best.put(key, Math.max(best.get(key), v[2]));
      }
    } finally {
      products.forEach(MatMulPeaks.Product::close);
    }
    return best;
  }

  /** A graph with one MatMul of fed [M, K] and [K, N] tensors. Owns its graph, session and input tensors. */
  private static final class MatMul implements AutoCloseable {
    private final Graph graph = new Graph();
    private final Session session;
    private final TFloat32 a;
    private final TFloat32 b;
    private final Placeholder<TFloat32> pa;
    private final Placeholder<TFloat32> pb;
    private final Operand<TFloat32> product;
    private final double flopsPerRun;
    private long runs;
    private double seconds;

    MatMul(int m, int k, int n, ConfigProto sessionConfig) {
      Ops tf = Ops.create(graph);
      pa = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(m, k))); // [M, K]
      pb = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(k, n))); // [K, N]
      product = tf.linalg.matMul(pa, pb); // [M, N]
      session = new Session(graph, sessionConfig);
      a = random(Shape.of(m, k), 1);
      b = random(Shape.of(k, n), 2);
      flopsPerRun = 2.0 * m * k * n;
    }

    private static TFloat32 random(Shape shape, long seed) {
      float[] v = new float[Math.toIntExact(shape.size())];
      Random r = new Random(seed);
      for (int i = 0; i < v.length; i++) {
        v[i] = r.nextFloat() - 0.5f;
      }
      TFloat32 t = TFloat32.tensorOf(shape);
      t.asRawTensor().data().asFloats().write(v);
      return t;
    }

    /** Runs the product for at least {@code seconds} (the result stays native; it is closed unread). */
    void runFor(double seconds) {
      long start = System.nanoTime();
      do {
        try (Result r = session.runner().feed(pa, a).feed(pb, b).fetch(product).run()) {
          runs++;
        }
      } while ((System.nanoTime() - start) / 1e9 < seconds);
      this.seconds += (System.nanoTime() - start) / 1e9;
    }

    /** GFLOP/s since the last reset; then resets. */
    double gflopsAndReset() {
      double g = runs * flopsPerRun / seconds / 1e9;
      runs = 0;
      seconds = 0;
      return g;
    }

    @Override
    public void close() {
      a.close();
      b.close();
      session.close();
      graph.close();
    }
  }
}
