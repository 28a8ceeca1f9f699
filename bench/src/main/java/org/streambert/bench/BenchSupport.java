package org.streambert.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.streambert.bert.heads.ClassificationHead;
import org.streambert.bert.heads.TokenClassificationHead;
import org.streambert.bert.inference.BertPredictor;
import org.streambert.bert.inference.Prediction;

/** What the predict benches share: the heads, their seeded weights, machine load and RSS readings. */
final class BenchSupport {
  /** C = 3 classes. */
  static final ClassificationHead CLASSES =
      new ClassificationHead("sentiment", List.of("negative", "neutral", "positive"), false);
  /** K = 9 CoNLL-style IOB2 tags. */
  static final TokenClassificationHead TAGS = new TokenClassificationHead("ner",
      List.of("O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"));
  /** Seed of the head weights. */
  static final long HEAD_SEED = 20261126L;
  /**
   * Stddev of the random head weights and biases: Google's initializer_range (run_classifier.py's output_weights).
   * Biases are random too (not zero) so the bias path is exercised.
   */
  static final double HEAD_STDDEV = 0.02;

  private BenchSupport() {
  }

  /**
   * Head weights by Google name, [C, H] / [C] / [K, H] / [K] as run_classifier.py lays them out: {@code cls_head/...}
   * and {@code token_head/...}.
   */
  static Map<String, float[]> headWeights(int hidden) {
    Random random = new Random(HEAD_SEED);
    Map<String, float[]> w = new LinkedHashMap<>();
    w.put("cls_head/output_weights", gaussian(random, CLASSES.size() * hidden));
    w.put("cls_head/output_bias", gaussian(random, CLASSES.size()));
    w.put("token_head/output_weights", gaussian(random, TAGS.size() * hidden));
    w.put("token_head/output_bias", gaussian(random, TAGS.size()));
    return w;
  }

  private static float[] gaussian(Random random, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (random.nextGaussian() * HEAD_STDDEV);
    }
    return v;
  }

  /**
   * CPU time this process has used, in nanoseconds: a work measure that other processes' load inflates far less than
   * wall time (engines run without spinning threads).
   */
  static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
        .getOperatingSystemMXBean()).getProcessCpuTime();
  }

  /** {@code /proc/loadavg}'s first three fields, e.g. {@code 2.96 3.54 2.58}. */
  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return "unknown";
    }
  }

  /**
   * The CPU as {@code /proc/cpuinfo} names it, with the matrix-product features that matter here, e.g.
   * {@code AMD EPYC [avx512_bf16 avx512_vnni; no AMX]}.
   */
  static String cpu() {
    try {
      String model = "unknown CPU";
      String flags = "";
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name") && model.equals("unknown CPU")) {
          model = line.substring(line.indexOf(':') + 1).strip();
        } else if (line.startsWith("flags") && flags.isEmpty()) {
          flags = " " + line.substring(line.indexOf(':') + 1).strip() + " ";
        }
      }
      StringBuilder f = new StringBuilder();
      for (String flag : List.of("amx_bf16", "amx_int8", "avx512_bf16", "avx512_vnni", "avx_vnni")) {
        if (flags.contains(" " + flag + " ")) {
          f.append(f.length() == 0 ? "" : " ").append(flag);
        }
      }
      return model + " [" + f + (flags.contains(" amx_tile ") ? "" : "; no AMX") + "]";
    } catch (IOException e) {
      return "unknown CPU";
    }
  }

  /** A field of {@code /proc/self/status} in kB ({@code VmRSS}, {@code VmHWM}: the peak RSS). */
  static long statusKb(String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith(field + ":")) {
          return Long.parseLong(line.substring(field.length() + 1).trim().split("\\s+")[0]);
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read /proc/self/status", e);
    }
    throw new IllegalStateException("no " + field + " in /proc/self/status");
  }

  /** VmRSS of this process in kB, from {@code /proc/self/status}. */
  static long rssKb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read /proc/self/status", e);
    }
    throw new IllegalStateException("no VmRSS in /proc/self/status");
  }

  /** Predicts {@code texts} in calls of at most {@code callSize} texts; results in input order. */
  static List<Prediction> predictInCalls(BertPredictor predictor, List<String> texts, int callSize) {
    List<Prediction> out = new ArrayList<>(texts.size());
    for (int from = 0; from < texts.size(); from += callSize) {
      out.addAll(predictor.predict(texts.subList(from, Math.min(texts.size(), from + callSize))));
    }
    return out;
  }
}
