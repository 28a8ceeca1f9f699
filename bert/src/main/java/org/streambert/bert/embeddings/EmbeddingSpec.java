package org.streambert.bert.embeddings;

import java.util.Objects;

/**
 * What a model's text embedding is: a {@link EmbeddingPooling} and whether the vector is scaled to unit L2 length (a
 * sentence-transformers {@code Normalize} module). A bundle carries one in {@code model.json} ({@code "embeddings"});
 * {@code BertPredictor} returns it as {@code Prediction.embedding()}.
 *
 * @param pooling   how token vectors become one vector
 * @param normalize whether the final vector is divided by its L2 norm (a zero vector stays zero)
 */
public record EmbeddingSpec(EmbeddingPooling pooling, boolean normalize) {

  /** BERT's pooled [CLS] output, not normalised: what every bundle without an {@code "embeddings"} entry serves. */
  public static final EmbeddingSpec DEFAULT = new EmbeddingSpec(EmbeddingPooling.POOLED, false);

  public EmbeddingSpec {
    Objects.requireNonNull(pooling, "pooling");
  }

  /** Divides {@code v} by its L2 norm in place when {@link #normalize} (as torch's F.normalize, eps 1e-12). */
  public float[] finish(float[] v) {
    if (!normalize) {
      return v;
    }
    double sq = 0;
    for (float x : v) {
      sq += (double) x * x;
    }
    double norm = Math.max(Math.sqrt(sq), 1e-12);
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (v[i] / norm);
    }
    return v;
  }

  @Override
  public String toString() {
    return pooling.configName() + (normalize ? "+normalize" : "");
  }
}
