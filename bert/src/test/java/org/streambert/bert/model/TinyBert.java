package org.streambert.bert.model;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.tensorflow.ndarray.Shape;

/** A tiny BERT (L=2, H=32, N=2, V=100) and inputs for fast tests. */
public final class TinyBert {
  /** L=2, H=32, N=2, I=64, V=100, P=64, S=2, Google's tanh GELU. */
  public static final BertConfig CONFIG =
      new BertConfig(100, 32, 2, 2, 64, Activation.GELU_TANH, 0.1, 0.1, 64, 2, 0.02);

  private TinyBert() {
  }

  /**
   * Every weight (biases and LayerNorm parameters included) drawn from N(0, 0.5²), gamma around 1, so that every
   * variable influences the outputs.
   */
  public static Map<String, float[]> randomWeights(BertConfig cfg, HeadsSpec heads, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    Map<String, float[]> out = new LinkedHashMap<>();
    for (Map.Entry<String, Shape> e : BertGraph.variableShapes(cfg, heads).entrySet()) {
      float[] v = new float[(int) e.getValue().size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) (rnd.nextGaussian() * 0.5 + (e.getKey().endsWith("/gamma") ? 1 : 0));
      }
      out.put(e.getKey(), v);
    }
    return out;
  }

  /**
   * {@link #randomWeights} scaled to near BERT's own initialiser scale (std 0.05; LayerNorm gammas 1 ± 0.05): a model
   * whose activations have a realistic size and whose labels do not sit on a decision boundary, for comparisons of
   * arithmetics (int8, bf16) that a chaotic std-0.5 model would turn into label flips.
   */
  public static Map<String, float[]> realisticWeights(BertConfig cfg, HeadsSpec heads, long seed) {
    Map<String, float[]> weights = randomWeights(cfg, heads, seed);
    weights.replaceAll((name, w) -> {
      float[] v = w.clone();
      for (int i = 0; i < v.length; i++) {
        v[i] = name.endsWith("/gamma") ? 1 + (v[i] - 1) * 0.1f : v[i] * 0.1f;
      }
      return v;
    });
    return weights;
  }

  /** Row-major [B, T] inputs. */
  public record Inputs(int batch, int seqLen, int[] ids, int[] mask, int[] segments) {
  }

  /**
   * {@code batch} rows of length {@code seqLen}; row i has {@code realLength(i)} real tokens (random ids in
   * [1, V), segment 0 for the first half and 1 for the rest), then padding with id 0, mask 0, segment 0.
   */
  public static Inputs inputs(int batch, int seqLen, int[] realLengths, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    int[] ids = new int[batch * seqLen];
    int[] mask = new int[batch * seqLen];
    int[] seg = new int[batch * seqLen];
    for (int b = 0; b < batch; b++) {
      int real = realLengths[b];
      for (int t = 0; t < real; t++) {
        ids[b * seqLen + t] = rnd.nextInt(1, CONFIG.vocabSize());
        mask[b * seqLen + t] = 1;
        seg[b * seqLen + t] = t < real / 2 ? 0 : 1;
      }
    }
    return new Inputs(batch, seqLen, ids, mask, seg);
  }

  /** The first {@code t} positions of each row of {@code in}, padded/cut to length {@code t}. */
  public static Inputs truncate(Inputs in, int t) {
    int[] ids = new int[in.batch() * t];
    int[] mask = new int[in.batch() * t];
    int[] seg = new int[in.batch() * t];
    for (int b = 0; b < in.batch(); b++) {
      int n = Math.min(t, in.seqLen());
      System.arraycopy(in.ids(), b * in.seqLen(), ids, b * t, n);
      System.arraycopy(in.mask(), b * in.seqLen(), mask, b * t, n);
      System.arraycopy(in.segments(), b * in.seqLen(), seg, b * t, n);
    }
    return new Inputs(in.batch(), t, ids, mask, seg);
  }

  public static double maxAbsDiff(float[] a, float[] b) {
    if (a.length != b.length) {
      throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
    }
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }
}
