package org.streambert.bert.inference;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything {@link BertPredictor} derives from one text. Immutable (the embedding is copied in and out).
 *
 * @param label        the most probable class with its probability; null when the model has no classification head
 * @param labelScores  every class with its probability, in the head's label order; empty without a classification head
 * @param activeLabels the labels that apply: for a softmax head just {@code label}; for a multi-label (sigmoid) head
 *                     every label whose probability is at least {@link PredictorConfig#multiLabelThreshold()}, most
 *                     probable first (may be empty)
 * @param entities     entities from the token classification head in text order; empty without that head
 * @param embedding    the text's vector, length H, as {@link PredictorConfig#embeddings()} says: by default the pooled
 *                     output (tanh dense on [CLS]); for a windowed text the token-weighted mean over its windows (the
 *                     element-wise maximum for max pooling), normalised afterwards when the spec says so
 * @param windowed     true when the text was longer than one window and was processed as several
 */
public record Prediction(
    LabelScore label, List<LabelScore> labelScores, List<String> activeLabels, List<Entity> entities,
    float[] embedding, boolean windowed) {

  public Prediction {
    Objects.requireNonNull(labelScores, "labelScores");
    Objects.requireNonNull(activeLabels, "activeLabels");
    Objects.requireNonNull(entities, "entities");
    Objects.requireNonNull(embedding, "embedding");
    labelScores = List.copyOf(labelScores);
    activeLabels = List.copyOf(activeLabels);
    entities = List.copyOf(entities);
    embedding = embedding.clone();
  }

  /**
   * The first score or embedding value that is NaN or infinite, described (e.g. {@code "score of label pos is NaN"}),
   * or empty when every number of this prediction is finite. A model with such outputs must not be served.
   */
  public Optional<String> nonFinite() {
    if (label != null && !Float.isFinite(label.score())) {
      return Optional.of("score of label " + label.label() + " is " + label.score());
    }
    for (LabelScore s : labelScores) {
      if (!Float.isFinite(s.score())) {
        return Optional.of("score of label " + s.label() + " is " + s.score());
      }
    }
    for (Entity e : entities) {
      if (!Float.isFinite(e.score())) {
        return Optional.of("score of entity " + e.type() + "[" + e.start() + "," + e.end() + ") is " + e.score());
      }
    }
    for (int i = 0; i < embedding.length; i++) {
      if (!Float.isFinite(embedding[i])) {
        return Optional.of("embedding value " + i + " is " + embedding[i]);
      }
    }
    return Optional.empty();
  }

  /** True when the model has a classification head, i.e. {@link #label()} is not null. */
  public boolean hasClassification() {
    return label != null;
  }

  @Override
  public float[] embedding() {
    return embedding.clone();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Prediction p && Objects.equals(label, p.label) && labelScores.equals(p.labelScores)
        && activeLabels.equals(p.activeLabels) && entities.equals(p.entities) && Arrays.equals(embedding, p.embedding)
        && windowed == p.windowed;
  }

  @Override
  public int hashCode() {
    return Objects.hash(label, labelScores, activeLabels, entities, Arrays.hashCode(embedding), windowed);
  }

  @Override
  public String toString() {
    return "Prediction[label=" + label + ", activeLabels=" + activeLabels + ", entities=" + entities
        + ", embedding=float[" + embedding.length + "], windowed=" + windowed + "]";
  }
}
