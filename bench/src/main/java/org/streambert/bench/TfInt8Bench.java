package org.streambert.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.BertModel;
import org.streambert.bert.model.ForwardPass;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.model.Precision;
import org.streambert.bert.model.WeightSource;
import org.streambert.bert.onnx.OnnxBundles;
import org.streambert.bert.onnx.OnnxExporter;
import org.streambert.bert.onnx.OnnxQuantizer;
import org.streambert.bert.onnx.OnnxRuntimeForwardPass;
import org.streambert.bert.tokenizer.WordPieceTokenizer;
import org.streambert.bert.weights.EasyBertArtifact;
import org.streambert.bert.weights.EasyBertWeights;

/**
 * Issue 32 §1: TensorFlow int8 ({@link Precision#INT8}) against TensorFlow fp32 and bf16 and ONNX Runtime int8 per row
 * (the app's int8, {@link OnnxQuantizer#quantizeInt8PerRow}) on the same batches, one process, rotating per round. The
 * model is {@link Int8SchemeBench}'s: the pretrained cased BERT-base truncated to L layers with a random 9-label token
 * head, real WikiGold sentences length-bucketed into padded batches of B. TensorFlow runs with its default session
 * options (as the app loads it), ONNX Runtime with the given threads and no spinning (the app's default). Beside each
 * speed: the largest token-probability move against TensorFlow fp32, and the largest move of a text's probabilities
 * between alone and in its batch.
 *
 * <p>Arguments: {@code WIKIGOLD_CONLL [layers=4] [batch=32] [batches=8] [rounds=4] [threads=2]
 * [engines=tf-fp32,tf-bf16,tf-int8,ort-int8]}.
 */
public final class TfInt8Bench {
  private TfInt8Bench() {
  }

  public static void main(String[] args) throws Exception {
    Path conll = Path.of(args[0]);
    int layers = args.length > 1 ? Integer.parseInt(args[1]) : 4;
    int batch = args.length > 2 ? Integer.parseInt(args[2]) : 32;
    int batches = args.length > 3 ? Integer.parseInt(args[3]) : 8;
    int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 4;
    int threads = args.length > 5 ? Integer.parseInt(args[5]) : 2;
    List<String> engines = List.of((args.length > 6 ? args[6] : "tf-fp32,tf-bf16,tf-int8,ort-int8").split(","));
    System.out.printf(Locale.ROOT, "%s; load %s; BERT-base cased truncated to L=%d; batch %d x %d batches, %d "
        + "rounds, TensorFlow default session, %d ORT threads, no spinning%n", BenchSupport.cpu(),
        BenchSupport.loadAverage(), layers, batch, batches, rounds, threads);
    HeadsSpec heads = HeadsSpec.tokenClassification(9);
    Map<String, ForwardPass> passes = new LinkedHashMap<>();
    List<int[][]> inputs;
    try (EasyBertWeights pretrained = EasyBertWeights.open(EasyBertArtifact.CASED)) {
      BertConfig cfg = pretrained.config().truncated(layers);
      WeightSource weights = pretrained.orElse(WeightSource.random(0.02, 7));
      WordPieceTokenizer tok = WordPieceTokenizer.fromVocabFile(pretrained.vocab(), false);
      inputs = Int8SchemeBench.batches(Int8SchemeBench.sentences(conll), tok, batch, batches);
      BertModel fp32 = BertModel.create(cfg, heads, weights);
      passes.put("tf-fp32", fp32); // the reference: always built, measured when named
      for (String e : engines) {
        switch (e) {
          case "tf-fp32" -> { }
          case "tf-bf16" -> passes.put(e, BertModel.create(cfg, heads, weights, null, Precision.BF16));
          case "tf-int8" -> passes.put(e, BertModel.create(cfg, heads, weights, null, Precision.INT8));
          case "ort-int8" -> passes.put(e, new OnnxRuntimeForwardPass(
              OnnxQuantizer.quantizeInt8PerRow(OnnxExporter.toBytes(fp32)), heads, cfg.hiddenSize(), threads,
              new OnnxRuntimeForwardPass.Limits(cfg.vocabSize(), cfg.typeVocabSize(), cfg.maxPositionEmbeddings()),
              OnnxBundles.DEFAULT_SESSION_ENTRIES));
          default -> throw new IllegalArgumentException("unknown engine " + e);
        }
      }
    }
    try {
      Map<String, float[][]> probs = new LinkedHashMap<>();
      for (Map.Entry<String, ForwardPass> e : passes.entrySet()) { // warm-up and the outputs for quality
        float[][] out = new float[inputs.size()][];
        for (int i = 0; i < inputs.size(); i++) {
          out[i] = Int8SchemeBench.run(e.getValue(), inputs.get(i)).tokenProbs();
        }
        probs.put(e.getKey(), out);
      }
      List<String> order = new ArrayList<>(engines);
      Map<String, Double> seconds = new LinkedHashMap<>();
      for (int r = 0; r < rounds; r++) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "round %d (load %s):", r + 1,
            BenchSupport.loadAverage()));
        for (String name : order) {
          long t = System.nanoTime();
          for (int[][] in : inputs) {
            Int8SchemeBench.run(passes.get(name), in);
          }
          double s = (System.nanoTime() - t) / 1e9;
          seconds.merge(name, s, Double::sum);
          line.append(String.format(Locale.ROOT, " %s %.0f ms/batch", name, 1000 * s / inputs.size()));
        }
        System.out.println(line);
        Collections.rotate(order, 1);
      }
      int tokens = inputs.stream().mapToInt(in -> in[3][0] * in[3][1]).sum();
      Double ort = seconds.get("ort-int8");
      System.out.println("| engine | ms/batch | padded tokens/s | vs ORT int8 | max token-prob move vs TF fp32 "
          + "| max move alone vs in batch |");
      System.out.println("|---|---|---|---|---|---|");
      for (String name : engines) {
        double s = seconds.get(name);
        double vsFp32 = 0;
        for (int i = 0; i < inputs.size(); i++) {
          vsFp32 = Math.max(vsFp32, Int8SchemeBench.maxDiff(probs.get("tf-fp32")[i], probs.get(name)[i]));
        }
        System.out.printf(Locale.ROOT, "| %s | %.1f | %.0f | %s | %.4f | %.2e |%n", name,
            1000 * s / inputs.size() / rounds, tokens * rounds / s,
            ort == null ? "-" : String.format(Locale.ROOT, "%.2fx", ort / s), vsFp32,
            Int8SchemeBench.batchEffect(passes.get(name), inputs.get(0)));
      }
      System.out.println("load at the end " + BenchSupport.loadAverage());
    } finally {
      for (ForwardPass p : passes.values()) {
        p.close();
      }
    }
  }
}
