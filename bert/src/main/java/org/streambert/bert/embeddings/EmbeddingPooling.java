package org.streambert.bert.embeddings;

import java.util.Locale;
import org.streambert.bert.model.EncoderOutput;

/**
 * How one vector per text is taken from the encoder's outputs: BERT's pooled output, or one of sentence-transformers'
 * pooling modes ({@code sentence_transformers/models/Pooling.py}) over the last layer. Shape legend: B batch, T tokens,
 * H hidden.
 */
public enum EmbeddingPooling {
  /** The pooled output: tanh dense on [CLS] ({@code modeling.py: pooler}). */
  POOLED("pooled"),
  /**
   * The mean of the last layer's vectors over the real tokens (attention mask 1, [CLS] and [SEP] included, padding
   * excluded): sentence-transformers' {@code pooling_mode_mean_tokens}.
   */
  MEAN("mean"),
  /** The last layer's [CLS] vector, without the pooler: sentence-transformers' {@code pooling_mode_cls_token}. */
  CLS("cls"),
  /**
   * The element-wise maximum of the last layer's vectors over the real tokens: sentence-transformers'
   * {@code pooling_mode_max_tokens} (padding excluded).
   */
  MAX("max");

  private final String configName;

  EmbeddingPooling(String configName) {
    this.configName = configName;
  }

  /** The name in {@code model.json} and configuration: {@code pooled}, {@code mean}, {@code cls}, {@code max}. */
  public String configName() {
    return configName;
  }

  /**
   * The pooling named {@code name} (case-insensitive).
   *
   * @throws IllegalArgumentException for any other name, listing the accepted ones
   */
  public static EmbeddingPooling fromConfigName(String name) {
    for (EmbeddingPooling p : values()) {
      if (p.configName.equals(name == null ? null : name.trim().toLowerCase(Locale.ROOT))) {
        return p;
      }
    }
    throw new IllegalArgumentException("unknown embedding pooling \"" + name + "\"; accepted: pooled, mean, cls, max");
  }

  /** Whether this pooling reads the sequence output (all but {@link #POOLED}). */
  public boolean needsSequence() {
    return this != POOLED;
  }

  /**
   * One vector per row of {@code out}.
   *
   * @param mask [B*T] attention mask the outputs were computed with (not read for {@link #POOLED} and {@link #CLS})
   * @return [B][H]
   */
  public float[][] apply(EncoderOutput out, int[] mask) {
    int b = out.batch();
    int t = out.seqLen();
    int h = out.hiddenSize();
    if (this != POOLED && this != CLS && mask.length != b * t) {
      throw new IllegalArgumentException("mask has " + mask.length + " values, batch * seqLen is " + b * t);
    }
    float[][] vectors = new float[b][];
    for (int i = 0; i < b; i++) {
      if (this == POOLED) {
        vectors[i] = new float[h];
        System.arraycopy(out.pooled(), i * h, vectors[i], 0, h);
      } else {
        int real = 0;
        for (int p = 0; p < t && this != CLS; p++) {
          real += mask[i * t + p] != 0 ? 1 : 0;
        }
        vectors[i] = poolRow(out.sequence(), i, t, h, this == CLS ? 1 : real, mask, i * t);
      }
    }
    return vectors;
  }

  /** {@link #MEAN} of every row; kept for callers of the first version of this class. */
  public static float[][] mean(EncoderOutput out, int[] mask) {
    return MEAN.apply(out, mask);
  }

  /**
   * This pooling of row {@code row} of a sequence output (not for {@link #POOLED}).
   *
   * @param sequence   [B, T, H] last encoder layer
   * @param realTokens how many positions of the row are real (a zero vector when 0)
   * @param mask       [B*T] attention mask, or null when the real tokens are the first {@code realTokens} positions
   * @param maskOffset index of the row's first position in {@code mask}
   * @return [H]
   */
  public float[] poolRow(float[] sequence, int row, int seqLen, int h, int realTokens, int[] mask, int maskOffset) {
    if (this == POOLED) {
      throw new IllegalStateException("the pooled output is not computed from the sequence output");
    }
    float[] v = new float[h];
    int base = row * seqLen * h;
    if (this == CLS) {
      System.arraycopy(sequence, base, v, 0, h);
      return v;
    }
    double[] sum = this == MEAN ? new double[h] : null;
    boolean any = false;
    int count = 0;
    for (int p = 0; p < seqLen; p++) {
      boolean real = mask != null ? mask[maskOffset + p] != 0 : p < realTokens;
      if (!real) {
        continue;
      }
      int at = base + p * h;
      if (this == MEAN) {
        for (int k = 0; k < h; k++) {
          sum[k] += sequence[at + k];
        }
      } else {
        for (int k = 0; k < h; k++) {
          v[k] = any ? Math.max(v[k], sequence[at + k]) : sequence[at + k];
        }
      }
      any = true;
      count++;
    }
    if (this == MEAN && count > 0) {
      for (int k = 0; k < h; k++) {
        v[k] = (float) (sum[k] / count);
      }
    }
    return v;
  }
}
