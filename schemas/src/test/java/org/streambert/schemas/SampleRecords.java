package org.streambert.schemas;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.streambert.schemas.avro.Classification;
import org.streambert.schemas.avro.EnrichedText;
import org.streambert.schemas.avro.Entity;
import org.streambert.schemas.avro.EntitySpan;
import org.streambert.schemas.avro.GoldenExample;
import org.streambert.schemas.avro.Head;
import org.streambert.schemas.avro.HeadType;
import org.streambert.schemas.avro.LabelScore;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.avro.StageTimings;
import org.streambert.schemas.avro.TextRecord;
import org.streambert.schemas.avro.TrainingExample;

/** One filled-in instance of each top-level record of the contract. */
final class SampleRecords {
  static final Instant T0 = Instant.parse("2024-05-01T12:00:00.123Z");
  /** Contains a supplementary character so code point and UTF-16 offsets differ. */
  static final String TEXT = "Ada Lovelace 🧮 lived in London";

  private SampleRecords() {}

  static TextRecord textRecord() {
    return TextRecord.newBuilder().setId("t-1").setText(TEXT).setLanguage("en")
        .setMetadata(Map.of("source", "unit-test")).setEventTime(T0).build();
  }

  static EnrichedText enrichedText() {
    return EnrichedText.newBuilder()
        .setId("t-1").setText(TEXT).setModelName("news-ner").setModelVersion("3")
        .setClassification(Classification.newBuilder().setLabel("biography").setScore(0.9f)
            .setScores(List.of(new LabelScore("biography", 0.9f), new LabelScore("news", 0.1f))).build())
        .setEntities(List.of(new Entity("PER", "Ada Lovelace", 0, 12, 0.98f), new Entity("LOC", "London", 24, 30, 0.95f)))
        .setWindowed(true).setWindowCount(2)
        .setTimings(new StageTimings(120L, 4_500L, 80L))
        .setEventTime(T0)
        .build();
  }

  static ModelCheckpoint modelCheckpoint() {
    return ModelCheckpoint.newBuilder()
        .setModelName("news-ner").setVersion("3").setBundleUri("file:///models/news-ner/3")
        .setManifestSha256("0".repeat(64)).setCreatedAt(T0).setParentVersion("2")
        .setHeads(List.of(new Head("topic", HeadType.CLASSIFICATION, List.of("biography", "news")),
            new Head("ner", HeadType.TOKEN_CLASSIFICATION, List.of("O", "B-PER", "I-PER", "B-LOC", "I-LOC"))))
        .setMetrics(Map.of("accuracy", 0.91, "entity_f1", 0.87))
        .setDataFingerprint("sha256:abc")
        .setGoldenExamples(List.of(GoldenExample.newBuilder().setText(TEXT).setExpectedLabel("biography")
            .setExpectedScores(List.of(new LabelScore("biography", 0.9f), new LabelScore("news", 0.1f)))
            .setExpectedEntities(List.of(new Entity("PER", "Ada Lovelace", 0, 12, 0.98f))).build()))
        .build();
  }

  static TrainingExample trainingExample() {
    return TrainingExample.newBuilder().setId("ex-1").setText(TEXT).setLabel("biography")
        .setEntities(List.of(new EntitySpan("PER", 0, 12), new EntitySpan("LOC", 24, 30)))
        .setSource("human-review").setCreatedAt(T0).build();
  }

  static List<SpecificRecord> all() {
    return List.of(textRecord(), enrichedText(), modelCheckpoint(), trainingExample());
  }
}
