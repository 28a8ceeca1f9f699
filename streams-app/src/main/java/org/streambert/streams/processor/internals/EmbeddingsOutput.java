package org.streambert.streams.processor.internals;

import java.util.ArrayList;
import java.util.List;
import org.streambert.bert.inference.Prediction;
import org.streambert.schemas.avro.EnrichedText;

/**
 * The embeddings output ({@code nlp.embeddings.topic}): whether each record's vector is written, and the vector-only
 * record for the embeddings topic. Which vector it is ({@code nlp.embeddings.pooling}, {@code nlp.embeddings.normalize})
 * is the serving model's: {@link Prediction#embedding()} of a model loaded with the configured
 * {@code serving.EmbeddingChoice}.
 */
public final class EmbeddingsOutput {

  private static final EmbeddingsOutput OFF = new EmbeddingsOutput(false);
  private static final EmbeddingsOutput ON = new EmbeddingsOutput(true);

  private final boolean on;

  private EmbeddingsOutput(boolean on) {
    this.on = on;
  }

  /** No vectors: {@code EnrichedText.embedding} stays null and nothing goes to an embeddings topic. */
  public static EmbeddingsOutput off() {
    return OFF;
  }

  /** Every record's vector in {@code EnrichedText.embedding} and on the embeddings topic. */
  public static EmbeddingsOutput on() {
    return ON;
  }

  public boolean isOn() {
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
