package org.streambert.streams.processor.internals;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.streambert.bert.inference.Entity;
import org.streambert.bert.inference.LabelScore;
import org.streambert.bert.inference.Prediction;
import org.streambert.schemas.avro.Classification;
import org.streambert.schemas.avro.EnrichedText;
import org.streambert.schemas.avro.QaAnswer;
import org.streambert.schemas.avro.StageTimings;
import org.streambert.streams.processor.internals.PendingBatches.Planned;
import org.streambert.streams.serving.ServingModel;

/**
 * The mapping of one record's result to its Avro output: {@link EnrichedText} with classification (every label's
 * score), entities, the QA answer, the embedding (by {@link EmbeddingsOutput}), the window figures and the stage
 * timings. Pure: it forwards nothing.
 */
final class OutputRecords {

  private final EmbeddingsOutput embeddings;

  OutputRecords(EmbeddingsOutput embeddings) {
    this.embeddings = embeddings;
  }

  EmbeddingsOutput embeddings() {
    return embeddings;
  }

  /**
   * The enriched record of {@code planned}: its whole text (also when it ran truncated, which {@code truncated}
   * says), the model that made it and the result. Its timings: {@code tokenizeNanos} and {@code inferNanos} as
   * given, post-processing as {@code predictorPostNanos} plus the time of this mapping.
   */
  EnrichedText enriched(ServingModel model, Planned planned, RecordResult result, long tokenizeNanos,
      long inferNanos, long predictorPostNanos) {
    long start = System.nanoTime();
    PendingRecord record = planned.record();
    Prediction p = result.prediction();
    EnrichedText.Builder out = EnrichedText.newBuilder()
        .setId(record.id())
        .setText(record.text())
        .setTruncated(planned.truncated())
        .setModelName(model.name())
        .setModelVersion(model.version())
        .setWindowed(p.windowed())
        .setWindowCount(result.windowCount())
        .setEventTime(Instant.ofEpochMilli(record.eventTime()))
        .setClassification(classification(p))
        .setEntities(entities(p))
        .setAnswer(answer(record.question(), result.answer()));
    List<Float> vector = embeddings.vector(p);
    if (vector != null) {
      out.setEmbedding(vector);
    }
    long postMicros = (predictorPostNanos + System.nanoTime() - start) / 1000;
    return out.setTimings(new StageTimings(tokenizeNanos / 1000, inferNanos / 1000, postMicros)).build();
  }

  /** Every label's score and the best label, or null without a classification head. */
  static Classification classification(Prediction p) {
    if (p.label() == null) {
      return null;
    }
    List<org.streambert.schemas.avro.LabelScore> scores = new ArrayList<>(p.labelScores().size());
    for (LabelScore s : p.labelScores()) {
      scores.add(new org.streambert.schemas.avro.LabelScore(s.label(), s.score()));
    }
    return new Classification(p.label().label(), p.label().score(), scores);
  }

  /** The entities with code-point offsets, end exclusive. */
  static List<org.streambert.schemas.avro.Entity> entities(Prediction p) {
    List<org.streambert.schemas.avro.Entity> entities = new ArrayList<>(p.entities().size());
    for (Entity e : p.entities()) {
      entities.add(new org.streambert.schemas.avro.Entity(e.type(), e.text(), e.start(), e.end(), e.score()));
    }
    return entities;
  }

  /** The question with its best span and the span's probability among the n-best, or null without an answer. */
  static QaAnswer answer(String question, org.streambert.bert.qa.QaAnswer best) {
    return best == null ? null
        : new QaAnswer(question, best.text(), best.start(), best.end(), (float) best.probability());
  }
}
