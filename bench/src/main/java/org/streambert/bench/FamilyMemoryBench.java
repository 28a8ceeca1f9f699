package org.streambert.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.streambert.bert.model.Activation;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.BertModel;
import org.streambert.bert.model.BertSavedModel;
import org.streambert.bert.model.ForwardResult;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.model.ModelFamily;
import org.streambert.bert.model.ModelMemory;
import org.streambert.bert.model.WeightSource;
import org.streambert.bert.onnx.OnnxExporter;
import org.streambert.bert.onnx.OnnxRuntimeForwardPass;

/**
 * Issue 31 §6: peak RSS ({@code VmHWM} of {@code /proc/self/status}) of loading a real-size model of a family with
 * random weights, beside {@link ModelMemory}'s estimate. One measurement per process, since VmHWM is the process's
 * peak:
 *
 * <pre>
 *   write DIR FAMILY      build FAMILY-base (bert | roberta | xlm-roberta) with random weights and a 3-class head,
 *                         write DIR/saved_model and DIR/model.onnx
 *   load-tf DIR FAMILY    load DIR/saved_model on TensorFlow fp32, run one batch, print VmHWM
 *   load-ort DIR FAMILY   load DIR/model.onnx on ONNX Runtime fp32, run one batch, print VmHWM
 *   speed - FAMILY        TensorFlow fp32 forward passes of 8 x 64 tokens with random weights: sequences/s
 * </pre>
 */
public final class FamilyMemoryBench {

  private FamilyMemoryBench() {
  }

  /** The base-size config of a family: BERT-base, roberta-base, xlm-roberta-base. */
  static BertConfig baseConfig(String family) {
    return switch (family) {
      case "bert" -> BertConfig.base(30522).withHiddenAct(Activation.GELU_ERF);
      case "roberta" -> new BertConfig(50265, 768, 12, 12, 3072, Activation.GELU_ERF, 0.1, 0.1, 514, 1, 0.02)
          .asFamily(ModelFamily.ROBERTA);
      case "xlm-roberta" -> new BertConfig(250002, 768, 12, 12, 3072, Activation.GELU_ERF, 0.1, 0.1, 514, 1, 0.02)
          .asFamily(ModelFamily.XLM_ROBERTA);
      default -> throw new IllegalArgumentException("family must be bert, roberta or xlm-roberta: " + family);
    };
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      throw new IllegalArgumentException("usage: write|load-tf|load-ort DIR FAMILY");
    }
    Path dir = Path.of(args[1]);
    BertConfig cfg = baseConfig(args[2]);
    HeadsSpec heads = HeadsSpec.classification(3);
    System.out.printf(Locale.ROOT, "load average %s; heap -Xmx %d MB; %s%n", BenchSupport.loadAverage(),
        Runtime.getRuntime().maxMemory() >> 20, cfg);
    for (ModelMemory.Engine e : ModelMemory.Engine.values()) {
      ModelMemory m = ModelMemory.estimate(cfg, heads, e);
      System.out.printf(Locale.ROOT, "estimate %s: %,d parameters, weights %d MB, resident %d MB, load heap %d MB%n",
          e, m.parameters(), m.weightBytes() >> 20, m.residentBytes() >> 20, m.loadHeapBytes() >> 20);
    }
    long start = System.nanoTime();
    int[] ids = new int[8 * 64];
    int[] mask = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = 5 + (i * 7919) % 1000;
      mask[i] = 1;
    }
    switch (args[0]) {
      case "write" -> {
        Files.createDirectories(dir);
        try (BertModel model = BertModel.create(cfg, heads, WeightSource.random(cfg.initializerRange(), 7))) {
          report("created", start);
          BertSavedModel.export(model, dir.resolve("saved_model"));
          OnnxExporter.export(model, dir.resolve("model.onnx"));
        }
        report("written", start);
      }
      case "load-tf" -> {
        try (BertModel model = BertSavedModel.load(dir.resolve("saved_model"), cfg, heads)) {
          report("loaded (TensorFlow fp32)", start);
          ForwardResult r = model.run(4, 64, java.util.Arrays.copyOf(ids, 256), java.util.Arrays.copyOf(mask, 256),
              new int[256]);
          report("ran 4 x 64 tokens (" + r.classProbs().length + " probabilities)", start);
        }
      }
      case "load-ort" -> {
        byte[] bytes = Files.readAllBytes(dir.resolve("model.onnx"));
        try (OnnxRuntimeForwardPass model = new OnnxRuntimeForwardPass(bytes, heads, cfg.hiddenSize(), 0,
            new OnnxRuntimeForwardPass.Limits(cfg.vocabSize(), cfg.typeVocabSize(), cfg.maxSequenceLength()))) {
          bytes = null;
          report("loaded (ONNX Runtime fp32)", start);
          ForwardResult r = model.run(4, 64, java.util.Arrays.copyOf(ids, 256), java.util.Arrays.copyOf(mask, 256),
              new int[256]);
          report("ran 4 x 64 tokens (" + r.classProbs().length + " probabilities)", start);
        }
      }
      case "speed" -> {
        int batch = 8;
        int len = 64;
        try (BertModel model = BertModel.create(cfg, heads, WeightSource.random(cfg.initializerRange(), 7))) {
          int[] i8 = java.util.Arrays.copyOf(ids, batch * len);
          int[] m8 = java.util.Arrays.copyOf(mask, batch * len);
          int[] s8 = new int[batch * len];
          for (int w = 0; w < 3; w++) {
            model.run(batch, len, i8, m8, s8);
          }
          int runs = 20;
          long t0 = System.nanoTime();
          for (int r = 0; r < runs; r++) {
            model.run(batch, len, i8, m8, s8);
          }
          double seconds = (System.nanoTime() - t0) / 1e9;
          System.out.printf(Locale.ROOT, "%s: %.1f sequences/s (%d x %d tokens, %d runs, TensorFlow fp32, load "
              + "average %s)%n", args[2], runs * batch / seconds, batch, len, runs, BenchSupport.loadAverage());
        }
      }
      default -> throw new IllegalArgumentException("unknown mode " + args[0]);
    }
  }

  private static void report(String what, long start) {
    System.out.printf(Locale.ROOT, "%-40s VmHWM %,d kB  VmRSS %,d kB  heap used %d MB  (%.0f s, load average %s)%n",
        what, BenchSupport.statusKb("VmHWM"), BenchSupport.statusKb("VmRSS"),
        (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) >> 20,
        (System.nanoTime() - start) / 1e9, BenchSupport.loadAverage());
  }
}
