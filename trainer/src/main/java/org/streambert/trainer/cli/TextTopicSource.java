package org.streambert.trainer.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiPredicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.streambert.schemas.SpecificAvroSerde;
import org.streambert.schemas.avro.TextRecord;
import org.streambert.trainer.data.KafkaExampleSource;
import org.streambert.trainer.data.TopicSnapshot;

/**
 * Reads an unlabelled text topic (the streams-app's input): every partition from the beginning to the end offsets it
 * has when the read starts ({@link TopicSnapshot}), like {@link KafkaExampleSource}. Keys and headers are ignored;
 * records without text (tombstones, blank texts, values that do not decode in the given format) are skipped and
 * counted.
 *
 * <p>For pre-training ({@link #read}) each record is one document, split into sentences at line breaks and after
 * '.', '!' or '?' followed by whitespace (a record is usually a short text, not one sentence per line as in
 * create_pretraining_data.py's files). For distillation ({@link #readTexts}) each record is one text, bounded as
 * {@link UnlabelledTexts} bounds a file's lines.
 */
final class TextTopicSource {

  /** The documents read and how many records were skipped. */
  record Corpus(List<String> documents, long recordsRead, long skipped) {}

  /**
   * The texts read (stripped), how many records were read and skipped (no text), and whether the read stopped at
   * the cap before the topic's end offsets.
   */
  record Texts(List<String> texts, long recordsRead, long skipped, boolean stoppedAtCap) {}

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
    List<String> docs = new ArrayList<>();
    long[] skipped = {0};
    long records = forEachText(clients, topic, format, (r, text) -> {
      String doc = text == null ? "" : toDocument(text);
      if (doc.isEmpty()) {
        skipped[0]++;
      } else {
        docs.add(doc);
      }
      return true;
    });
    return new Corpus(docs, records, skipped[0]);
  }

  /**
   * Reads {@code topic} to its current end, one text per record, stopping once {@code maxTexts} texts are read (a
   * topic only grows; the oldest records of each partition come first).
   *
   * @throws IllegalArgumentException for a text longer than {@link UnlabelledTexts#MAX_TEXT_CHARS}, naming its
   *     partition and offset
   */
  static Texts readTexts(org.streambert.trainer.data.KafkaClients clients, String topic, String format,
      int maxTexts) {
    if (maxTexts <= 0) {
      throw new IllegalArgumentException("maxTexts must be positive, got " + maxTexts);
    }
    List<String> texts = new ArrayList<>();
    long[] skipped = {0};
    long records = forEachText(clients, topic, format, (r, text) -> {
      if (text != null && text.length() > UnlabelledTexts.MAX_TEXT_CHARS) {
        throw new IllegalArgumentException("--text-topic " + topic + " partition " + r.partition() + " offset "
            + r.offset() + ": a text of " + text.length() + " characters; the limit is "
            + UnlabelledTexts.MAX_TEXT_CHARS);
      }
      if (text == null || text.isBlank()) {
        skipped[0]++;
        return true;
      }
      texts.add(text.strip());
      return texts.size() < maxTexts;
    });
    return new Texts(texts, records, skipped[0], texts.size() == maxTexts);
  }

  /**
   * Hands each record of the snapshot and its text ({@code null} for a tombstone or an undecodable value) to
   * {@code sink} until it returns false; returns how many records it was given.
   */
  private static long forEachText(org.streambert.trainer.data.KafkaClients clients, String topic, String format,
      BiPredicate<ConsumerRecord<byte[], byte[]>, String> sink) {
    try (Deserializer<String> texts = switch (format) {
      case "text" -> new StringDeserializer();
      case "avro" -> avroTexts(clients);
      default -> throw new IllegalArgumentException(TextTopicOptions.FORMAT_ERROR + ", got '" + format + "'");
    }) {
      return TopicSnapshot.readWhile(clients, topic, new ByteArrayDeserializer(), new ByteArrayDeserializer(),
          r -> {
            String text = null;
            if (r.value() != null) {
              try {
                text = texts.deserialize(topic, r.value());
              } catch (RuntimeException e) {
                text = null; // an undecodable record is not worth failing a run over: skipped and counted
              }
            }
            return sink.test(r, text);
          });
    }
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
      throw new IllegalArgumentException(TextTopicOptions.AVRO_NEEDS_REGISTRY);
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
