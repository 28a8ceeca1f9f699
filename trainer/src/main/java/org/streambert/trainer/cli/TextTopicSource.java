package org.streambert.trainer.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.streambert.schemas.AvroSerdeConfig;
import org.streambert.schemas.SpecificAvroSerde;
import org.streambert.schemas.avro.TextRecord;
import org.streambert.trainer.data.KafkaExampleSource;

/**
 * Reads an unlabelled text topic (the streams-app's input) as a pre-training corpus: every partition from the
 * beginning to the end offsets it has when the read starts, like {@link KafkaExampleSource}, without a consumer group.
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
    Deserializer<String> texts = switch (format) {
      case "text" -> new StringDeserializer();
      case "avro" -> avroTexts(schemaRegistryUrl);
      default -> throw new IllegalArgumentException("--input-format must be avro or text, got '" + format + "'");
    };
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<String> docs = new ArrayList<>();
    long records = 0;
    long skipped = 0;
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
      if (infos == null || infos.isEmpty()) {
        throw new IllegalArgumentException("topic '" + topic + "' does not exist at " + bootstrapServers);
      }
      List<TopicPartition> partitions = infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions));
      long lastProgress = System.nanoTime();
      while (!reachedEnd(consumer, end)) {
        var batch = consumer.poll(KafkaExampleSource.POLL_TIMEOUT);
        if (!batch.isEmpty()) {
          lastProgress = System.nanoTime();
        } else if (System.nanoTime() - lastProgress > KafkaExampleSource.STALL_TIMEOUT.toNanos()) {
          throw new IllegalStateException("no progress reading '" + topic + "' for "
              + KafkaExampleSource.STALL_TIMEOUT);
        }
        for (ConsumerRecord<byte[], byte[]> r : batch) {
          if (r.offset() >= end.get(new TopicPartition(r.topic(), r.partition()))) {
            continue; // produced after the read started
          }
          records++;
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
            skipped++;
          } else {
            docs.add(doc);
          }
        }
      }
    } finally {
      texts.close();
    }
    return new Corpus(docs, records, skipped);
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

  private static Deserializer<String> avroTexts(String schemaRegistryUrl) {
    if (schemaRegistryUrl == null) {
      throw new IllegalArgumentException("--input-format avro needs --schema-registry-url");
    }
    SpecificAvroSerde<TextRecord> serde = new SpecificAvroSerde<>(TextRecord.class);
    serde.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, schemaRegistryUrl), false);
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

  private static boolean reachedEnd(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (consumer.position(e.getKey()) < e.getValue()) {
        return false;
      }
    }
    return true;
  }
}
