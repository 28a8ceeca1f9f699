package org.streambert.trainer.publish;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.streambert.schemas.CheckpointKeys;
import org.streambert.schemas.SpecificAvroSerde;
import org.streambert.schemas.Topics;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.signing.CheckpointSequence;
import org.streambert.schemas.signing.CheckpointSignatures;
import org.streambert.schemas.signing.SigningKey;
import org.streambert.schemas.signing.TrustedKeys;
import org.streambert.trainer.data.KafkaClients;

/**
 * The compacted checkpoint topic ({@link Topics#MODEL_CHECKPOINTS} by default): {@link ModelCheckpoint} values keyed
 * by slot ({@link CheckpointKeys}), through the schema-registry Avro serde. Creates no long-lived clients: each call
 * opens and closes its own.
 *
 * <p>{@link #publish} is the one place the trainer produces checkpoint events, so it is where they are numbered and
 * signed: every event gets the slot's next sequence ({@link CheckpointSequence#next}: above the highest sequence of
 * the slot's events this trainer trusts, and above its clock), its issue time, an expiry when
 * {@link #withEventValidity} asks for one, and, with a {@link SigningKey}, the signature over all of it
 * ({@link CheckpointSignatures}), whatever command made it. Two trainers racing for the same sequence are settled by
 * the topic's order, as instances settle them: after producing, the publisher reads what the slot received between
 * its read and its event, and publishes again with a new sequence if another trusted event there was not lower.
 *
 * <p>Reading ({@link #latest}, {@link #latestCandidate}, {@link #find}, the sequence) believes only events that verify
 * against the keys this trainer trusts — its own signing key's public half and any {@link #withTrustedKeys} — so that
 * a forged event cannot make it re-sign forged content (promote, rollback, refresh) or push its sequence. Without a
 * signing key and without trusted keys every event is believed, as before signatures.
 */
public final class CheckpointTopic {

  /** Timeout of admin calls and of producing one event. */
  public static final Duration TIMEOUT = Duration.ofSeconds(60);
  /** How often {@link #publish} numbers, signs and produces again after losing a race for the sequence. */
  public static final int MAX_PUBLISH_ATTEMPTS = 5;
  /** Environment variable naming the signing key file, used when no {@code --signing-key} is given. */
  public static final String SIGNING_KEY_ENV = "TRAINER_SIGNING_KEY";
  /** Environment variable naming a file of further trusted public keys, used when no {@code --trusted-keys}. */
  public static final String TRUSTED_KEYS_ENV = "TRAINER_TRUSTED_KEYS";

  private final KafkaClients clients;
  private final String topic;
  private final SigningKey signingKey;
  private final TrustedKeys trusted;
  private final Duration eventValidity;
  private final Clock clock;
  private final PrintStream log;

  /** A topic whose events are signed with the key file named by {@value #SIGNING_KEY_ENV}, if that is set. */
  public CheckpointTopic(String bootstrapServers, String registryUrl, String topic) {
    this(bootstrapServers, registryUrl, topic, signingKeyFromEnvironment());
  }

  /** @param signingKey signs every published event; null publishes unsigned events (refused by instances that
   *     trust keys) */
  public CheckpointTopic(String bootstrapServers, String registryUrl, String topic, SigningKey signingKey) {
    this(KafkaClients.of(bootstrapServers, registryUrl), topic, signingKey);
  }

  /** The topic reached with the clients' settings (a secured cluster and registry); see the other constructor. */
  public CheckpointTopic(KafkaClients clients, String topic, SigningKey signingKey) {
    this(clients, topic, signingKey, TrustedKeys.none(), null, Clock.systemUTC(), System.err);
  }

  private CheckpointTopic(KafkaClients clients, String topic, SigningKey signingKey, TrustedKeys trusted,
      Duration eventValidity, Clock clock, PrintStream log) {
    this.clients = clients;
    this.topic = topic;
    this.signingKey = signingKey;
    this.trusted = trusted;
    this.eventValidity = eventValidity;
    this.clock = clock;
    this.log = log;
  }

  /**
   * This topic, also believing events signed by {@code keys} (e.g. the other trainers' keys during a rotation, the
   * instances' trusted-keys file), beside its own signing key's.
   */
  public CheckpointTopic withTrustedKeys(TrustedKeys keys) {
    return new CheckpointTopic(clients, topic, signingKey, trusted.and(keys), eventValidity, clock, log);
  }

  /** This topic, giving every event it publishes an expiry {@code validity} after its issue time (null: none). */
  public CheckpointTopic withEventValidity(Duration validity) {
    if (validity != null && (validity.isNegative() || validity.isZero())) {
      throw new IllegalArgumentException("an event's validity must be positive, not " + validity);
    }
    return new CheckpointTopic(clients, topic, signingKey, trusted, validity, clock, log);
  }

  /** This topic with another clock (issue times, the clock part of sequences) and warnings written to {@code log}. */
  public CheckpointTopic withClock(Clock clock, PrintStream log) {
    return new CheckpointTopic(clients, topic, signingKey, trusted, eventValidity, clock, log);
  }

  /** The key in the file named by {@value #SIGNING_KEY_ENV}, or null when it is unset. */
  public static SigningKey signingKeyFromEnvironment() {
    String file = System.getenv(SIGNING_KEY_ENV);
    if (file == null || file.isBlank()) {
      return null;
    }
    try {
      return SigningKey.read(Path.of(file));
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the signing key named by " + SIGNING_KEY_ENV + ": " + file, e);
    }
  }

  /** The keys in {@code file}, else in the file named by {@value #TRUSTED_KEYS_ENV}; none when neither is set. */
  public static TrustedKeys trustedKeys(Path file) {
    String env = System.getenv(TRUSTED_KEYS_ENV);
    Path path = file != null ? file : env == null || env.isBlank() ? null : Path.of(env);
    if (path == null) {
      return TrustedKeys.none();
    }
    try {
      return TrustedKeys.read(path);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the trusted keys file " + path + ": " + e.getMessage(), e);
    }
  }

  /** The key events are signed with, or null. */
  public SigningKey signingKey() {
    return signingKey;
  }

  public String topic() {
    return topic;
  }

  /** Creates the topic with {@code cleanup.policy=compact} (broker-default partitions and replication) if missing. */
  public void ensureExists() {
    Properties props = clients.kafkaProperties();
    try (Admin admin = Admin.create(props)) {
      if (admin.listTopics().names().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).contains(topic)) {
        return;
      }
      NewTopic newTopic = new NewTopic(topic, Optional.empty(), Optional.empty())
          .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
      try {
        admin.createTopics(List.of(newTopic)).all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw e;
        }
      }
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot create topic " + topic + " at " + clients.bootstrapServers() + ": " + e,
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /**
   * The event that serves {@code modelName} as the instances see it: the PROMOTED slot's trusted event highest in
   * {@link CheckpointSequence#ORDER} (the later offset among equals). Empty when the slot has none, its latest record
   * is a tombstone, or the topic is missing.
   */
  public Optional<ModelCheckpoint> latest(String modelName) {
    return current(read(), modelName);
  }

  /** The candidate slot's current event of {@code modelName} (a CANDIDATE, or a RETIRED one), if any. */
  public Optional<ModelCheckpoint> latestCandidate(String modelName) {
    return current(read(), CheckpointKeys.candidate(modelName));
  }

  /**
   * The trusted event of any stage that names {@code version} of {@code modelName} and comes last in its slot's order,
   * from what the topic still holds (compaction keeps only the latest record of each slot, so older versions may be
   * gone).
   */
  public Optional<ModelCheckpoint> find(String modelName, String version) {
    return read().records().stream()
        .filter(r -> r.value() != null && believed(r.value()) && modelName.equals(r.value().getModelName())
            && version.equals(r.value().getVersion()))
        .max(Comparator.comparing((ConsumerRecord<String, ModelCheckpoint> r) -> r.value(), CheckpointSequence.ORDER)
            .thenComparingLong(ConsumerRecord::offset))
        .map(ConsumerRecord::value);
  }

  /**
   * Produces {@code checkpoint} keyed by its slot ({@link CheckpointKeys#of}: the model name for PROMOTED, the
   * candidate slot for CANDIDATE and RETIRED) as the slot's next event: numbered, issued now, with an expiry if this
   * topic gives one, signed when this topic has a signing key (any sequence or signature it carried is replaced);
   * waits for the acknowledgement and makes sure no other publisher took the sequence meanwhile.
   *
   * @return where the event landed and the event as produced
   */
  public Published publish(ModelCheckpoint checkpoint) {
    String slot = CheckpointKeys.of(checkpoint);
    for (int attempt = 1; attempt <= MAX_PUBLISH_ATTEMPTS; attempt++) {
      Snapshot before = read();
      Long highest = highestSequence(before, slot);
      Instant now = clock.instant();
      long sequence = CheckpointSequence.next(highest, now);
      warnAboutUnbelieved(before, slot, sequence);
      ModelCheckpoint event = CheckpointSequence.issue(checkpoint, sequence, now, eventValidity, signingKey);
      RecordMetadata meta = produce(slot, event);
      long from = before.endOffsets().getOrDefault(new TopicPartition(topic, meta.partition()), 0L);
      Optional<ModelCheckpoint> rival = rivalBetween(slot, meta.partition(), from, meta.offset(), sequence);
      if (rival.isEmpty()) {
        return new Published(event, meta);
      }
      log.printf("warning: another publisher's event for %s (version %s, sequence %d) reached %s before ours "
          + "(sequence %d) at offset %d; instances refuse ours as not newer, so it is numbered and published again%n",
          slot, rival.get().getVersion(), rival.get().getSequence(), topic, sequence, meta.offset());
    }
    throw new IllegalStateException("lost the race for the next sequence of " + slot + " on " + topic + " "
        + MAX_PUBLISH_ATTEMPTS + " times: another publisher keeps publishing to it");
  }

  /** An event as {@link #publish} produced it (sequence, issue time, signature) and where it landed. */
  public record Published(ModelCheckpoint event, RecordMetadata metadata) {
    public String topic() {
      return metadata.topic();
    }

    public int partition() {
      return metadata.partition();
    }

    public long offset() {
      return metadata.offset();
    }
  }

  /**
   * Produces one event and waits for its acknowledgement by every in-sync replica. The producer rides through a
   * leader move or a broker restart on its own: it refreshes metadata and resends (unbounded {@code retries}) for up
   * to {@code delivery.timeout.ms}, and idempotence keeps a resend of a write whose acknowledgement was lost from
   * landing twice. {@code delivery.timeout.ms} is {@link #TIMEOUT} unless the client settings name one, and the wait
   * outlasts it: the producer's answer is final when {@code publish} reports a failure, no resend can still land
   * behind it.
   */
  private RecordMetadata produce(String slot, ModelCheckpoint event) {
    Properties props = clients.kafkaProperties();
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    props.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, String.valueOf(TIMEOUT.toMillis()));
    long deliveryMs = Long.parseLong(String.valueOf(props.get(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG)));
    try (KafkaProducer<String, ModelCheckpoint> producer =
        new KafkaProducer<>(props, new StringSerializer(), serde().serializer())) {
      return producer.send(new ProducerRecord<>(topic, slot, event)).get(deliveryMs + 15_000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot publish to " + topic + " at " + clients.bootstrapServers() + ": " + e,
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** True when the trainer believes {@code event}: it verifies against a trusted key, or no key is known at all. */
  private boolean believed(ModelCheckpoint event) {
    TrustedKeys keys = trust();
    return keys.isEmpty() || keys.check(event) == null;
  }

  /** Its own key's public half and the keys of {@link #withTrustedKeys}. */
  private TrustedKeys trust() {
    return signingKey == null ? trusted : TrustedKeys.of(signingKey).and(trusted);
  }

  /** The slot's current event: none after a tombstone, else the believed event highest in the slot's order. */
  private Optional<ModelCheckpoint> current(Snapshot snapshot, String slot) {
    List<ConsumerRecord<String, ModelCheckpoint>> records = snapshot.slot(slot);
    if (records.isEmpty() || records.get(records.size() - 1).value() == null) {
      return Optional.empty();
    }
    ModelCheckpoint best = null;
    for (ConsumerRecord<String, ModelCheckpoint> r : records) { // offset order: the later of equals wins
      if (r.value() != null && believed(r.value())
          && (best == null || CheckpointSequence.ORDER.compare(r.value(), best) >= 0)) {
        best = r.value();
      }
    }
    return Optional.ofNullable(best);
  }

  private Long highestSequence(Snapshot snapshot, String slot) {
    Long highest = null;
    for (ConsumerRecord<String, ModelCheckpoint> r : snapshot.slot(slot)) {
      Long s = r.value() == null ? null : r.value().getSequence();
      if (s != null && believed(r.value()) && (highest == null || s > highest)) {
        highest = s;
      }
    }
    return highest;
  }

  /** Says so when an event this trainer cannot verify claims the sequence it is about to use, or a higher one. */
  private void warnAboutUnbelieved(Snapshot snapshot, String slot, long sequence) {
    for (ConsumerRecord<String, ModelCheckpoint> r : snapshot.slot(slot)) {
      ModelCheckpoint e = r.value();
      if (e != null && e.getSequence() != null && e.getSequence() >= sequence && !believed(e)) {
        String signer = e.getSigningKeyId() == null ? "unsigned" : "signed by key '" + e.getSigningKeyId() + "'";
        log.printf("warning: %s offset %d claims sequence %d for %s, %s, which this trainer does not trust (a "
                + "forgery, or another trainer's key: if instances trust that key they refuse this event as not "
                + "newer; give the trainer the instances' trusted keys with --trusted-keys or $%s)%n", topic,
            r.offset(), e.getSequence(), slot, signer, TRUSTED_KEYS_ENV);
      }
    }
  }

  /** A believed event of {@code slot} in {@code partition} from offset {@code from} to {@code until} (exclusive). */
  private Optional<ModelCheckpoint> rivalBetween(String slot, int partition, long from, long until, long sequence) {
    List<ModelCheckpoint> rivals = new ArrayList<>();
    TopicPartition tp = new TopicPartition(topic, partition);
    scan(Map.of(tp, from), Map.of(tp, until), r -> {
      if (slot.equals(r.key()) && r.value() != null && r.value().getSequence() != null
          && r.value().getSequence() >= sequence && believed(r.value())) {
        rivals.add(r.value());
      }
    });
    return rivals.stream().findFirst();
  }

  /** Every record up to the current end offsets, by slot in offset order, with those end offsets. */
  private record Snapshot(List<ConsumerRecord<String, ModelCheckpoint>> records,
      Map<TopicPartition, Long> endOffsets) {
    List<ConsumerRecord<String, ModelCheckpoint>> slot(String slot) {
      return records.stream().filter(r -> slot.equals(r.key())).toList();
    }
  }

  private Snapshot read() {
    List<ConsumerRecord<String, ModelCheckpoint>> records = new ArrayList<>();
    Map<TopicPartition, Long> end = scan(null, null, records::add);
    return new Snapshot(records, end);
  }

  /**
   * Reads from {@code from} (null: the beginning of every partition) up to {@code until} (null: the current end
   * offsets) in offset order per partition; returns the offsets read up to. Nothing when the topic is missing.
   */
  private Map<TopicPartition, Long> scan(Map<TopicPartition, Long> from, Map<TopicPartition, Long> until,
      Consumer<ConsumerRecord<String, ModelCheckpoint>> sink) {
    Properties props = clients.kafkaProperties();
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    SpecificAvroSerde<ModelCheckpoint> serde = serde();
    try (KafkaConsumer<String, ModelCheckpoint> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), serde.deserializer())) {
      List<TopicPartition> partitions;
      if (from != null) {
        partitions = List.copyOf(from.keySet());
      } else {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, TIMEOUT);
        if (infos == null || infos.isEmpty()) {
          return Map.of();
        }
        partitions = infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
      }
      consumer.assign(partitions);
      if (from == null) {
        consumer.seekToBeginning(partitions);
      } else {
        from.forEach(consumer::seek);
      }
      Map<TopicPartition, Long> end = new HashMap<>(until != null ? until : consumer.endOffsets(partitions, TIMEOUT));
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      while (!reachedEnd(consumer, end)) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("could not read " + topic + " to its end within " + TIMEOUT);
        }
        ConsumerRecords<String, ModelCheckpoint> batch;
        try {
          batch = consumer.poll(Duration.ofMillis(500));
        } catch (RecordDeserializationException e) { // anyone who can write to the topic can write garbage
          log.printf("warning: skipping the undecodable record at %s offset %d: %s%n", e.topicPartition(), e.offset(),
              e.getMessage());
          consumer.seek(e.topicPartition(), e.offset() + 1);
          continue;
        }
        for (ConsumerRecord<String, ModelCheckpoint> r : batch) {
          if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
            sink.accept(r);
          }
        }
      }
      return end;
    }
  }

  private SpecificAvroSerde<ModelCheckpoint> serde() {
    SpecificAvroSerde<ModelCheckpoint> serde = new SpecificAvroSerde<>(ModelCheckpoint.class);
    serde.configure(clients.serdeConfigs(), false);
    return serde;
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
