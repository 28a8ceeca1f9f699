package org.streambert.trainer.serve;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
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
import org.streambert.schemas.signing.TrustedKeys;
import org.streambert.trainer.data.TopicSnapshot;

/**
 * The {@code training-examples} topic as {@code trainer serve} sees it: the whole topic as a dataset, and the consumer
 * group's committed offsets as the line between examples already trained on and new ones: an id is new when its
 * chosen text, label or entities differ from what the committed part of the topic says (a resend of the same example
 * counts once, an identical one not at all). Offsets are committed only by {@link #commit}, after a round's result was
 * published or refused, so a crash repeats at most that round.
 *
 * <p>Trust: with labeller keys ({@code trainer serve --labeller-keys}), only examples signed by one of them count;
 * unsigned ones, ones signed by another key and tampered ones are refused and counted by reason, tombstones are
 * ignored (a writer without a labeller key can neither add nor delete a label), and the example's id is the signed one,
 * not the record key. Every label of an id is kept with who gave it and when ({@link LabelHistory}); the latest wins,
 * and disagreements between labellers are counted as conflicts instead of being overwritten silently. Without keys
 * (explicitly allowed by {@code --accept-unsigned-examples}) every decodable example counts, and a tombstone deletes
 * its id.
 *
 * <p>Hostile input is bounded: a record that does not decode, has no id, a blank text, a text over
 * {@code maxTextChars} code points or an entity span outside its text is skipped and counted; more than
 * {@code maxExamples} distinct examples fail the read.
 */
public final class ExampleLog implements AutoCloseable {

  /**
   * What one read found.
   *
   * @param examples the chosen example of each id ({@link LabelHistory}), "not applicable" answers left out
   * @param skipped  records that do not decode or are not valid examples
   * @param refused  records refused by the trust check, by reason ({@code UNSIGNED}, {@code UNTRUSTED_KEY},
   *                 {@code BAD_SIGNATURE}, {@code TOMBSTONE})
   * @param history  every label of every id, with labeller and time
   * @param conflicts ids whose labellers disagree (the latest label was chosen)
   */
  public record Snapshot(Map<String, TrainingExample> examples, Set<String> newIds, long newRecords,
      Map<TopicPartition, Long> endOffsets, long skipped, Map<String, Long> refused, LabelHistory history,
      Set<String> conflicts) {

    /** Records refused by the trust check, all reasons. */
    public long refusedTotal() {
      return refused.values().stream().mapToLong(Long::longValue).sum();
    }

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
  private final TrustedKeys labellers;

  /** A log that trusts unsigned examples (programs and benches that write their own examples). */
  public ExampleLog(String bootstrapServers, String registryUrl, String topic, String groupId, int maxExamples,
      int maxTextChars) {
    this(org.streambert.trainer.data.KafkaClients.of(bootstrapServers, registryUrl), topic, groupId, maxExamples,
        maxTextChars, TrustedKeys.none());
  }

  /** A log that counts only examples signed by {@code labellers} (none: every example counts). */
  public ExampleLog(String bootstrapServers, String registryUrl, String topic, String groupId, int maxExamples,
      int maxTextChars, TrustedKeys labellers) {
    this(org.streambert.trainer.data.KafkaClients.of(bootstrapServers, registryUrl), topic, groupId, maxExamples,
        maxTextChars, labellers);
  }

  /**
   * The log reached with the clients' settings (a secured cluster and registry).
   *
   * @param labellers the keys trusted to sign examples; {@link TrustedKeys#none()}: every example counts
   */
  public ExampleLog(org.streambert.trainer.data.KafkaClients clients, String topic, String groupId, int maxExamples,
      int maxTextChars, TrustedKeys labellers) {
    this.labellers = java.util.Objects.requireNonNull(labellers, "labellers");
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
    LabelHistory history = new LabelHistory();
    Map<String, Long> refused = new TreeMap<>();
    Map<TopicPartition, Long> end = new HashMap<>(group.endOffsets(partitions, Duration.ofSeconds(30)));
    long[] counts = new long[2]; // new records, skipped
    boolean trusting = !labellers.isEmpty();
    TopicSnapshot.read(clients, topic, new StringDeserializer(), new ByteArrayDeserializer(), r -> {
      TopicPartition tp = new TopicPartition(r.topic(), r.partition());
      if (r.offset() >= end.getOrDefault(tp, 0L)) {
        return; // produced after this read started: the next round's
      }
      boolean old = r.offset() < committed.getOrDefault(tp, 0L);
      if (!old) {
        counts[0]++;
      }
      if (r.value() == null) {
        if (trusting) {
          refused.merge("TOMBSTONE", 1L, Long::sum); // an unsigned delete: ignored
        } else if (r.key() != null) {
          history.remove(r.key());
        }
        return;
      }
      TrainingExample e;
      try {
        e = values.deserialize(r.topic(), r.value());
      } catch (KafkaException | org.apache.avro.AvroRuntimeException ex) {
        counts[1]++;
        return;
      }
      // Signed: the id is the signed one. Unsigned (trusted anyway): the record key, as before signatures.
      String id = trusting || r.key() == null ? e.getId() : r.key();
      if (id == null || id.isBlank() || !valid(e)) {
        counts[1]++;
        return;
      }
      if (trusting) {
        TrustedKeys.Failure failure = labellers.check(e);
        if (failure != null) {
          refused.merge(failure.name(), 1L, Long::sum);
          return;
        }
      }
      String name = e.getLabeller() != null ? e.getLabeller() : e.getSource();
      String labeller = trusting ? e.getSigningKeyId() + (e.getLabeller() == null ? "" : "/" + e.getLabeller())
          : "unverified:" + name;
      history.add(id, new LabelHistory.Label(e, labeller, trusting, e.getCreatedAt(), r.partition(), r.offset(),
          old));
      if (history.ids() > maxExamples) {
        throw new IllegalStateException("topic '" + topic + "' holds more than " + maxExamples
            + " distinct examples (--max-examples)");
      }
    });
    Map<String, LabelHistory.Label> before = history.chosen(true);
    Map<String, TrainingExample> examples = new LinkedHashMap<>();
    Set<String> fresh = new HashSet<>();
    history.chosen(false).forEach((id, label) -> {
      TrainingExample e = label.example();
      LabelHistory.Label was = before.get(id);
      if (!LabelHistory.sameLabels(e, was == null ? null : was.example())) {
        fresh.add(id);
      }
      if (!LabelHistory.notApplicable(e)) {
        examples.put(id, e);
      }
    });
    return new Snapshot(examples, fresh, counts[0], end, counts[1], refused, history, history.conflicts());
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
