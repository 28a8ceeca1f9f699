package org.streambert.streams.processor.internals;

import java.util.ArrayList;
import java.util.List;
import org.streambert.bert.inference.Prediction;
import org.streambert.schemas.avro.EnrichedText;

/**
 * The embeddings output ({@code nlp.embeddings.topic}, {@code nlp.embeddings.pooling}): whether each record's vector
 * is written, which vector it is, and the vector-only record for the embeddings topic. Today the one pooling served is
 * BERT's pooled {@code [CLS]} output ({@link Prediction#embedding()}; for a windowed text the token-weighted mean over
 * its windows); another pooling is chosen here.
 */
public final class EmbeddingsOutput {

  private static final EmbeddingsOutput OFF = new EmbeddingsOutput(false);

  private final boolean on;

  private EmbeddingsOutput(boolean on) {
    this.on = on;
  }

  /** No vectors: {@code EnrichedText.embedding} stays null and nothing goes to an embeddings topic. */
  public static EmbeddingsOutput off() {
    return OFF;
  }

  /**
   * Vectors by {@code pooling}.
   *
   * @throws IllegalArgumentException for a pooling the served model cannot give
   */
  public static EmbeddingsOutput pooling(String pooling) {
    if (!"pooled".equals(pooling)) {
      throw new IllegalArgumentException("embeddings pooling '" + pooling + "' is not served; only 'pooled'");
    }
    return new EmbeddingsOutput(true);
  }

  public boolean on() {
    return on;
  }

  /** The vector of {@code prediction}, or null when the output is off. */
  List<Float> vector(Prediction prediction) {
    if (!on) {
      return null;
    }
    float[] e = prediction.embedding();
    List<Float> vector = new ArrayList<>(e.length);
    for (float v : e) {
      vector.add(v);
    }
    return vector;
  }

  /**
   * The record for the embeddings topic: {@code enriched} without classification, entities and answer (id, text,
   * model name and version, window figures, event time, embedding), so a consumer of vectors reads only vectors and
   * knows which model version made them.
   */
  EnrichedText record(EnrichedText enriched) {
    return EnrichedText.newBuilder()
        .setId(enriched.getId())
        .setText(enriched.getText())
        .setTruncated(enriched.getTruncated())
        .setModelName(enriched.getModelName())
        .setModelVersion(enriched.getModelVersion())
        .setClassification(null)
        .setEntities(List.of())
        .setWindowed(enriched.getWindowed())
        .setWindowCount(enriched.getWindowCount())
        .setEventTime(enriched.getEventTime())
        .setEmbedding(enriched.getEmbedding())
        .build();
  }
}
