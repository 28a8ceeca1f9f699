package org.streambert.streams.dsl;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.streambert.schemas.avro.Classification;
import org.streambert.schemas.avro.EnrichedText;
import org.streambert.schemas.avro.LabelScore;

/**
 * What the NLP step found in one record's text, handed to the step's result function together with the record's
 * value. Immutable.
 *
 * @param modelName    the serving model's name
 * @param modelVersion the version of the checkpoint that produced this enrichment
 * @param label        the arg-max class label, or null when the model has no classification head
 * @param score        the arg-max label's score (0 without a classification head)
 * @param labelScores  every class label's score in the head's label order (empty without a classification head)
 * @param entities     recognised entities in order of their start (empty without a token classification head)
 * @param embedding    the text's sentence embedding, or null when embeddings are off
 *                     ({@link NlpStepOptions#withEmbeddings})
 * @param truncated    true when the text had more windows than {@link NlpStepOptions#textMaxWindows()} and only a
 *                     prefix ran ({@link NlpStepOptions#withTruncateLongTexts})
 * @param windowCount  how many model windows the text ran in (1 unless it was longer than the model's sequence)
 */
public record Enrichment(String modelName, String modelVersion, String label, float score,
    Map<String, Float> labelScores, List<Entity> entities, List<Float> embedding, boolean truncated,
    int windowCount) {

  /** Copies the collections (the record is immutable); model name and version are required. */
  public Enrichment {
    Objects.requireNonNull(modelName, "modelName");
    Objects.requireNonNull(modelVersion, "modelVersion");
    labelScores = Collections.unmodifiableMap(new LinkedHashMap<>(labelScores));
    entities = List.copyOf(entities);
    embedding = embedding == null ? null : List.copyOf(embedding);
  }

  /** The label, when the model classifies. */
  public Optional<String> labelIfAny() {
    return Optional.ofNullable(label);
  }

  /**
   * One recognised entity.
   *
   * @param type  the entity type (e.g. {@code PER}, from the model's tag set without its B-/I- prefix)
   * @param text  the entity's text, {@code text.substring} over code points {@code start..end}
   * @param start offset of its first code point in the text (inclusive), in Unicode code points
   * @param end   offset after its last code point (exclusive), in Unicode code points
   * @param score the model's score for it
   */
  public record Entity(String type, String text, int start, int end, float score) {
  }

  /** The enrichment of the step's Avro result. */
  static Enrichment of(EnrichedText out) {
    Classification c = out.getClassification();
    Map<String, Float> scores = new LinkedHashMap<>();
    if (c != null) {
      for (LabelScore s : c.getScores()) {
        scores.put(s.getLabel(), s.getScore());
      }
    }
    List<Entity> entities = new ArrayList<>(out.getEntities().size());
    for (org.streambert.schemas.avro.Entity e : out.getEntities()) {
      entities.add(new Entity(e.getType(), e.getText(), e.getStart(), e.getEnd(), e.getScore()));
    }
    return new Enrichment(out.getModelName(), out.getModelVersion(), c == null ? null : c.getLabel(),
        c == null ? 0f : c.getScore(), scores, entities, out.getEmbedding(), out.getTruncated(),
        out.getWindowCount());
  }
}
