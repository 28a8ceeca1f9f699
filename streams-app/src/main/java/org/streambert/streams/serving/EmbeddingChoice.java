package org.streambert.streams.serving;

import java.util.Objects;
import java.util.Optional;
import org.streambert.bert.embeddings.EmbeddingPooling;
import org.streambert.bert.embeddings.EmbeddingSpec;

/**
 * Which text embedding the served models compute ({@code nlp.embeddings.*}). With embeddings off, every model serves
 * BERT's pooled output, which the forward pass returns anyway, so no sequence output is fetched for vectors nobody
 * reads. With embeddings on, each model serves its bundle's own embedding ({@code model.json} {@code "embeddings"}: a
 * sentence-transformers import says mean/CLS/max pooling and whether it normalises; other bundles say pooled), with
 * the pooling or the normalisation replaced where the configuration names one.
 *
 * @param on        whether vectors are written at all
 * @param pooling   the pooling every model serves instead of its own; empty: the bundle's
 * @param normalize whether every vector is scaled to unit length instead of as the bundle says; empty: the bundle's
 */
public record EmbeddingChoice(boolean on, Optional<EmbeddingPooling> pooling, Optional<Boolean> normalize) {

  /** Embeddings off: BERT's pooled output, not normalised, for every model. */
  public static final EmbeddingChoice OFF = new EmbeddingChoice(false, Optional.empty(), Optional.empty());

  /** Embeddings on, each model's own. */
  public static final EmbeddingChoice MODEL = new EmbeddingChoice(true, Optional.empty(), Optional.empty());

  public EmbeddingChoice {
    Objects.requireNonNull(pooling, "pooling");
    Objects.requireNonNull(normalize, "normalize");
  }

  /** The embedding a model whose bundle says {@code own} serves. */
  public EmbeddingSpec resolve(EmbeddingSpec own) {
    if (!on) {
      return EmbeddingSpec.DEFAULT;
    }
    return new EmbeddingSpec(pooling.orElse(own.pooling()), normalize.orElse(own.normalize()));
  }
}
