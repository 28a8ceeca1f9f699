package org.streambert.trainer.data;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads a topic as a fixed snapshot: every partition from the beginning up to the end offsets it has when the read
 * starts (records produced meanwhile are left out), committed records only, without a consumer group or committed
 * offsets. Used wherever the trainer turns a topic into data.
 */
public final class TopicSnapshot {

  /** How long one poll waits. */
  public static final Duration POLL_TIMEOUT = Duration.ofMillis(500);
  /** Give up when no progress was made for this long. */
  public static final Duration STALL_TIMEOUT = Duration.ofSeconds(60);

  private TopicSnapshot() {}

  /**
   * Hands every record of the snapshot to {@code sink}, partition by partition in offset order, and returns how many.
   *
   * @throws IllegalArgumentException when the topic does not exist
   * @throws IllegalStateException    when no progress was made for {@link #STALL_TIMEOUT}
   */
  public static <K, V> long read(String bootstrapServers, String topic, Deserializer<K> keys, Deserializer<V> values,
      Consumer<ConsumerRecord<K, V>> sink) {
    return read(KafkaClients.of(bootstrapServers, null), topic, keys, values, sink);
  }

  /** {@link #read(String, String, Deserializer, Deserializer, Consumer)} with the clients' settings. */
  public static <K, V> long read(KafkaClients clients, String topic, Deserializer<K> keys, Deserializer<V> values,
      Consumer<ConsumerRecord<K, V>> sink) {
    return readWhile(clients, topic, keys, values, r -> {
      sink.accept(r);
      return true;
    });
  }

  /**
   * {@link #read(KafkaClients, String, Deserializer, Deserializer, Consumer)} that stops as soon as {@code sink}
   * returns false (the records handed to it so far are counted, the rest of the snapshot is not read).
   */
  public static <K, V> long readWhile(KafkaClients clients, String topic, Deserializer<K> keys,
      Deserializer<V> values, Predicate<ConsumerRecord<K, V>> sink) {
    String bootstrapServers = clients.bootstrapServers();
    Properties props = clients.kafkaProperties();
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    long records = 0;
    try (KafkaConsumer<K, V> consumer = new KafkaConsumer<>(props, keys, values)) {
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
        var batch = consumer.poll(POLL_TIMEOUT);
        if (!batch.isEmpty()) {
          lastProgress = System.nanoTime();
        } else if (System.nanoTime() - lastProgress > STALL_TIMEOUT.toNanos()) {
          throw new IllegalStateException("no progress reading '" + topic + "' for " + STALL_TIMEOUT);
        }
        for (ConsumerRecord<K, V> r : batch) {
          if (r.offset() >= end.get(new TopicPartition(r.topic(), r.partition()))) {
            continue; // produced after the read started
          }
          records++;
          if (!sink.test(r)) {
            return records;
          }
        }
      }
    }
    return records;
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
