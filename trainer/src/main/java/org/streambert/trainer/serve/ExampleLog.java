package org.streambert.trainer.serve;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.streambert.schemas.SpecificAvroSerde;
import org.streambert.schemas.avro.TrainingExample;
import org.streambert.trainer.data.TopicSnapshot;

/**
 * The {@code training-examples} topic as {@code trainer serve} sees it: the whole topic as a dataset (one example per
 * id, the latest record wins, a tombstone deletes), and the consumer group's committed offsets as the line between
 * examples already trained on and new ones: an id is new when its text, label or entities differ from what the
 * committed part of the topic says (a resend of the same example counts once, an identical one not at all). Offsets are committed only by {@link #commit}, after a round's result
 * was published or refused, so a crash repeats at most that round.
 *
 * <p>Hostile input is bounded: a record that does not decode, has no id, a blank text, a text over
 * {@code maxTextChars} code points or an entity span outside its text is skipped and counted; more than {@code maxExamples} distinct examples fail the
 * read.
 */
public final class ExampleLog implements AutoCloseable {

  /** What one read found. */
  public record Snapshot(Map<String, TrainingExample> examples, Set<String> newIds, long newRecords,
      Map<TopicPartition, Long> endOffsets, long skipped) {

    /** A short stable id of the offsets this snapshot covers. */
    public String offsetsKey() {
      StringBuilder s = new StringBuilder();
      endOffsets.entrySet().stream().sorted(Map.Entry.comparingByKey(
          java.util.Comparator.comparingInt(TopicPartition::partition)))
          .forEach(e -> s.append(e.getKey().partition()).append(':').append(e.getValue()).append(','));
      return s.toString();
    }

    /** Sum of the end offsets (grows with every record; names rounds in order). */
    public long totalOffset() {
      return endOffsets.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  private final String bootstrapServers;
  private final org.streambert.trainer.data.KafkaClients clients;
  private final String topic;
  private final int maxExamples;
  private final int maxTextChars;
  private final Deserializer<TrainingExample> values;
  private final KafkaConsumer<byte[], byte[]> group;

  public ExampleLog(String bootstrapServers, String registryUrl, String topic, String groupId, int maxExamples,
      int maxTextChars) {
    this(org.streambert.trainer.data.KafkaClients.of(bootstrapServers, registryUrl), topic, groupId, maxExamples,
        maxTextChars);
  }

  /** The log reached with the clients' settings (a secured cluster and registry). */
  public ExampleLog(org.streambert.trainer.data.KafkaClients clients, String topic, String groupId, int maxExamples,
      int maxTextChars) {
    this.clients = clients;
    this.bootstrapServers = clients.bootstrapServers();
    this.topic = topic;
    this.maxExamples = maxExamples;
    this.maxTextChars = maxTextChars;
    SpecificAvroSerde<TrainingExample> serde = new SpecificAvroSerde<>(TrainingExample.class);
    serde.configure(clients.serdeConfigs(), false);
    this.values = serde.deserializer();
    Properties props = clients.kafkaProperties();
    props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    this.group = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  private List<TopicPartition> partitions() {
    List<PartitionInfo> infos = group.partitionsFor(topic, Duration.ofSeconds(30));
    if (infos == null || infos.isEmpty()) {
      throw new IllegalArgumentException("topic '" + topic + "' does not exist at " + bootstrapServers);
    }
    return infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
  }

  /** Committed offset per partition (0 where the group has none). */
  private Map<TopicPartition, Long> committed(List<TopicPartition> partitions) {
    Map<TopicPartition, OffsetAndMetadata> c = group.committed(new HashSet<>(partitions), Duration.ofSeconds(30));
    Map<TopicPartition, Long> out = new HashMap<>();
    for (TopicPartition tp : partitions) {
      OffsetAndMetadata o = c.get(tp);
      out.put(tp, o == null ? 0L : o.offset());
    }
    return out;
  }

  /** Records (not distinct examples) beyond the committed offsets: a cheap check before a full read. */
  public long pendingRecords() {
    List<TopicPartition> partitions = partitions();
    Map<TopicPartition, Long> committed = committed(partitions);
    Map<TopicPartition, Long> end = group.endOffsets(partitions, Duration.ofSeconds(30));
    long pending = 0;
    for (TopicPartition tp : partitions) {
      pending += Math.max(0, end.get(tp) - committed.get(tp));
    }
    return pending;
  }

  /** Reads the topic to its current end. */
  public Snapshot read() {
    List<TopicPartition> partitions = partitions();
    Map<TopicPartition, Long> committed = committed(partitions);
    Map<String, TrainingExample> examples = new LinkedHashMap<>();
    Map<String, TrainingExample> before = new HashMap<>();
    Map<TopicPartition, Long> end = new HashMap<>(group.endOffsets(partitions, Duration.ofSeconds(30)));
    long[] counts = new long[2]; // new records, skipped
    TopicSnapshot.read(clients, topic, new StringDeserializer(), new ByteArrayDeserializer(), r -> {
      TopicPartition tp = new TopicPartition(r.topic(), r.partition());
      if (r.offset() >= end.getOrDefault(tp, 0L)) {
        return; // produced after this read started: the next round's
      }
      boolean old = r.offset() < committed.getOrDefault(tp, 0L);
      if (!old) {
        counts[0]++;
      }
      TrainingExample e = null;
      if (r.value() != null) {
        try {
          e = values.deserialize(r.topic(), r.value());
        } catch (KafkaException | org.apache.avro.AvroRuntimeException ex) {
          counts[1]++;
          return;
        }
      }
      String id = r.key() != null ? r.key() : e == null ? null : e.getId();
      if (id == null || id.isBlank()) {
        counts[1]++;
        return;
      }
      if (e == null) {
        examples.remove(id);
        return;
      }
      if (!valid(e)) {
        counts[1]++;
        return;
      }
      examples.put(id, e);
      if (old) {
        before.put(id, e);
      }
      if (examples.size() > maxExamples) {
        throw new IllegalStateException("topic '" + topic + "' holds more than " + maxExamples
            + " distinct examples (--max-examples)");
      }
    });
    Set<String> fresh = new HashSet<>();
    examples.forEach((id, e) -> {
      if (!sameLabels(e, before.get(id))) {
        fresh.add(id);
      }
    });
    return new Snapshot(examples, fresh, counts[0], end, counts[1]);
  }

  /** Non-blank text within the length bound, entity spans inside it with a type. */
  private boolean valid(TrainingExample e) {
    String text = e.getText();
    if (text.isBlank()) {
      return false;
    }
    int length = text.codePointCount(0, text.length());
    if (length > maxTextChars) {
      return false;
    }
    if (e.getEntities() != null) {
      for (var span : e.getEntities()) {
        if (span.getStart() < 0 || span.getEnd() > length || span.getEnd() <= span.getStart()
            || span.getType().isBlank()) {
          return false;
        }
      }
    }
    return true;
  }

  /** Same text, label and entities (a resend of an example, whatever its source and time). */
  private static boolean sameLabels(TrainingExample a, TrainingExample b) {
    return b != null && a.getText().equals(b.getText()) && java.util.Objects.equals(a.getLabel(), b.getLabel())
        && java.util.Objects.equals(a.getEntities(), b.getEntities());
  }

  /** Commits the snapshot's end offsets for the group (after its round was published or refused). */
  public void commit(Snapshot snapshot) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    snapshot.endOffsets().forEach((tp, o) -> offsets.put(tp, new OffsetAndMetadata(o)));
    group.commitSync(offsets, Duration.ofSeconds(30));
  }

  @Override
  public void close() {
    group.close(Duration.ofSeconds(5));
  }
}
