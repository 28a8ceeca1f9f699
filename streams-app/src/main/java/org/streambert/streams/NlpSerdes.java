package org.streambert.streams;

import java.util.Map;
import org.apache.kafka.common.serialization.Serde;
import org.streambert.schemas.SpecificAvroSerde;
import org.streambert.schemas.avro.EnrichedText;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.avro.TextRecord;

/**
 * The Avro serdes of the topology: input TextRecords (format avro), output EnrichedText, checkpoints.
 *
 * @param textRecord   value serde of the input topic in avro format
 * @param enrichedText value serde of the output topic
 * @param checkpoint   value serde of the checkpoints topic
 */
public record NlpSerdes(Serde<TextRecord> textRecord, Serde<EnrichedText> enrichedText,
    Serde<ModelCheckpoint> checkpoint) {

  /** Avro serdes configured from {@code configs} ({@code schema.registry.url} etc.; {@code mock://x} in tests). */
  public static NlpSerdes fromConfig(Map<String, ?> configs) {
    SpecificAvroSerde<TextRecord> text = new SpecificAvroSerde<>(TextRecord.class);
    SpecificAvroSerde<EnrichedText> enriched = new SpecificAvroSerde<>(EnrichedText.class);
    SpecificAvroSerde<ModelCheckpoint> checkpoint = new SpecificAvroSerde<>(ModelCheckpoint.class);
    text.configure(configs, false);
    enriched.configure(configs, false);
    checkpoint.configure(configs, false);
    return new NlpSerdes(text, enriched, checkpoint);
  }
}
