package org.streambert.bert.embeddings;

import org.streambert.bert.model.EncoderOutput;

/**
 * How one vector per text is taken from the encoder's outputs (the paper's feature-based use of BERT).
 * Shape legend: B batch, T tokens, H hidden.
 */
public enum EmbeddingPooling {
  /** The pooled output: tanh dense on [CLS] ({@code modeling.py: pooler}), what {@code BertPredictor} returns. */
  POOLED,
  /**
   * The mean of the last layer's vectors over the real tokens (attention mask 1, [CLS] and [SEP] included, padding
   * excluded), as Sentence-BERT's mean pooling.
   */
  MEAN;

  /**
   * One vector per row of {@code out}.
   *
   * @param mask [B*T] attention mask the outputs were computed with (only read for {@link #MEAN})
   * @return [B][H]
   */
  public float[][] apply(EncoderOutput out, int[] mask) {
    int b = out.batch();
    int h = out.hiddenSize();
    float[][] vectors = new float[b][h];
    if (this == POOLED) {
      for (int i = 0; i < b; i++) {
        System.arraycopy(out.pooled(), i * h, vectors[i], 0, h);
      }
      return vectors;
    }
    return mean(out, mask);
  }

  /**
   * Mean over the positions whose mask is 1 of the sequence output; a row without any real token gets zeros.
   *
   * @param mask [B*T] attention mask
   * @return [B][H]
   */
  public static float[][] mean(EncoderOutput out, int[] mask) {
    int b = out.batch();
    int t = out.seqLen();
    int h = out.hiddenSize();
    if (mask.length != b * t) {
      throw new IllegalArgumentException("mask has " + mask.length + " values, batch * seqLen is " + b * t);
    }
    float[] seq = out.sequence(); // [B, T, H]
    float[][] vectors = new float[b][h];
    for (int i = 0; i < b; i++) {
      double[] sum = new double[h];
      int count = 0;
      for (int p = 0; p < t; p++) {
        if (mask[i * t + p] == 0) {
          continue;
        }
        count++;
        int base = (i * t + p) * h;
        for (int k = 0; k < h; k++) {
          sum[k] += seq[base + k];
        }
      }
      for (int k = 0; count > 0 && k < h; k++) {
        vectors[i][k] = (float) (sum[k] / count);
      }
    }
    return vectors;
  }
}
