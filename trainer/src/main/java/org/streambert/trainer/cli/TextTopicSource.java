package org.streambert.trainer.cli;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.streambert.schemas.SpecificAvroSerde;
import org.streambert.schemas.avro.TextRecord;
import org.streambert.trainer.data.KafkaExampleSource;
import org.streambert.trainer.data.TopicSnapshot;

/**
 * Reads an unlabelled text topic (the streams-app's input) as a pre-training corpus: every partition from the
 * beginning to the end offsets it has when the read starts ({@link TopicSnapshot}), like {@link KafkaExampleSource}.
 *
 * <p>Each record is one document. Its text is split into sentences at line breaks and after '.', '!' or '?' followed
 * by whitespace (a record is usually a short text, not one sentence per line as in create_pretraining_data.py's
 * files); records without text, tombstones and undecodable values are skipped.
 */
final class TextTopicSource {

  /** The documents read and how many records were skipped. */
  record Corpus(List<String> documents, long recordsRead, long skipped) {}

  private TextTopicSource() {
  }

  /**
   * Reads {@code topic} to its current end.
   *
   * @param format            {@code avro} (TextRecord in the Confluent wire format; needs {@code schemaRegistryUrl})
   *                          or {@code text} (the value is the UTF-8 text)
   */
  static Corpus read(String bootstrapServers, String schemaRegistryUrl, String topic, String format) {
    return read(org.streambert.trainer.data.KafkaClients.of(bootstrapServers, schemaRegistryUrl), topic, format);
  }

  /** {@link #read(String, String, String, String)} with the clients' settings. */
  static Corpus read(org.streambert.trainer.data.KafkaClients clients, String topic, String format) {
    Deserializer<String> texts = switch (format) {
      case "text" -> new StringDeserializer();
      case "avro" -> avroTexts(clients);
      default -> throw new IllegalArgumentException("--input-format must be avro or text, got '" + format + "'");
    };
    List<String> docs = new ArrayList<>();
    long[] skipped = {0};
    long records;
    try {
      records = TopicSnapshot.read(clients, topic, new ByteArrayDeserializer(), new ByteArrayDeserializer(),
          r -> {
            String text = null;
            if (r.value() != null) {
              try {
                text = texts.deserialize(topic, r.value());
              } catch (RuntimeException e) {
                text = null; // an undecodable record is not worth failing a pre-training run over
              }
            }
            String doc = text == null ? "" : toDocument(text);
            if (doc.isEmpty()) {
              skipped[0]++;
            } else {
              docs.add(doc);
            }
          });
    } finally {
      texts.close();
    }
    return new Corpus(docs, records, skipped[0]);
  }

  /** One sentence per line, as {@code PretrainingDataGenerator} expects. */
  static String toDocument(String text) {
    StringBuilder doc = new StringBuilder();
    for (String sentence : text.split("\\R+|(?<=[.!?])\\s+")) {
      if (!sentence.isBlank()) {
        doc.append(sentence.strip()).append('\n');
      }
    }
    return doc.toString();
  }

  private static Deserializer<String> avroTexts(org.streambert.trainer.data.KafkaClients clients) {
    if (clients.registryUrl() == null) {
      throw new IllegalArgumentException("--input-format avro needs --schema-registry-url");
    }
    SpecificAvroSerde<TextRecord> serde = new SpecificAvroSerde<>(TextRecord.class);
    serde.configure(clients.serdeConfigs(), false);
    Deserializer<TextRecord> inner = serde.deserializer();
    return new Deserializer<>() {
      @Override
      public String deserialize(String topic, byte[] data) {
        TextRecord r = inner.deserialize(topic, data);
        return r == null ? null : r.getText();
      }

      @Override
      public void close() {
        inner.close();
      }
    };
  }
}
