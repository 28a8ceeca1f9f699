package org.streambert.trainer.publish;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.streambert.schemas.CheckpointKeys;
import org.streambert.schemas.SpecificAvroSerde;
import org.streambert.schemas.Topics;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.signing.CheckpointSignatures;
import org.streambert.schemas.signing.SigningKey;

/**
 * The compacted checkpoint topic ({@link Topics#MODEL_CHECKPOINTS} by default): {@link ModelCheckpoint} values keyed
 * by model name, through the schema-registry Avro serde. Creates no long-lived clients: each call opens and closes
 * its own.
 *
 * <p>{@link #publish} is the one place the trainer produces checkpoint events, so it is where they are signed: with a
 * {@link SigningKey} every event leaves signed ({@link CheckpointSignatures}), whatever command made it.
 */
public final class CheckpointTopic {

  /** Timeout of admin calls and of producing one event. */
  public static final Duration TIMEOUT = Duration.ofSeconds(60);

  private final String bootstrapServers;
  private final org.streambert.trainer.data.KafkaClients clients;
  private final String topic;
  private final SigningKey signingKey;

  /** A topic whose events are signed with the key file named by {@value #SIGNING_KEY_ENV}, if that is set. */
  public CheckpointTopic(String bootstrapServers, String registryUrl, String topic) {
    this(bootstrapServers, registryUrl, topic, signingKeyFromEnvironment());
  }

  /** @param signingKey signs every published event; null publishes unsigned events (refused by instances that
   *     trust keys) */
  public CheckpointTopic(String bootstrapServers, String registryUrl, String topic, SigningKey signingKey) {
    this(org.streambert.trainer.data.KafkaClients.of(bootstrapServers, registryUrl), topic, signingKey);
  }

  /** The topic reached with the clients' settings (a secured cluster and registry); see the other constructor. */
  public CheckpointTopic(org.streambert.trainer.data.KafkaClients clients, String topic, SigningKey signingKey) {
    this.clients = clients;
    this.bootstrapServers = clients.bootstrapServers();
    this.topic = topic;
    this.signingKey = signingKey;
  }

  /** Environment variable naming the signing key file, used when no {@code --signing-key} is given. */
  public static final String SIGNING_KEY_ENV = "TRAINER_SIGNING_KEY";

  /** The key in the file named by {@value #SIGNING_KEY_ENV}, or null when it is unset. */
  public static SigningKey signingKeyFromEnvironment() {
    String file = System.getenv(SIGNING_KEY_ENV);
    if (file == null || file.isBlank()) {
      return null;
    }
    try {
      return SigningKey.read(java.nio.file.Path.of(file));
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("cannot read the signing key named by " + SIGNING_KEY_ENV + ": " + file, e);
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
      throw new IllegalStateException("cannot create topic " + topic + " at " + bootstrapServers + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /**
   * The latest PROMOTED event for {@code modelName}: the topic read from the beginning to its current end offsets (all
   * partitions, no consumer group). Empty when the model has none, its latest is a tombstone, or the topic is missing.
   */
  public Optional<ModelCheckpoint> latest(String modelName) {
    return Optional.ofNullable(latestByKey().get(modelName));
  }

  /** The latest event in the candidate slot of {@code modelName} (a CANDIDATE, or a RETIRED one), if any. */
  public Optional<ModelCheckpoint> latestCandidate(String modelName) {
    return Optional.ofNullable(latestByKey().get(CheckpointKeys.candidate(modelName)));
  }

  /**
   * The latest event of any stage that names {@code version} of {@code modelName}, read from what the topic still
   * holds (compaction keeps only the latest event of each slot, so older versions may be gone).
   */
  public Optional<ModelCheckpoint> find(String modelName, String version) {
    ModelCheckpoint[] found = new ModelCheckpoint[1];
    scan(r -> {
      if (r.value() != null && modelName.equals(r.value().getModelName())
          && version.equals(r.value().getVersion())) {
        found[0] = r.value();
      }
    });
    return Optional.ofNullable(found[0]);
  }

  /** Latest value per key (null for a tombstone). */
  private Map<String, ModelCheckpoint> latestByKey() {
    Map<String, ModelCheckpoint> latest = new HashMap<>();
    scan(r -> {
      if (r.key() != null) {
        latest.put(r.key(), r.value());
      }
    });
    return latest;
  }

  /** Every record up to the current end offsets, in offset order per partition; nothing when the topic is missing. */
  private void scan(java.util.function.Consumer<ConsumerRecord<String, ModelCheckpoint>> sink) {
    Properties props = clients.kafkaProperties();
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    SpecificAvroSerde<ModelCheckpoint> serde = serde();
    try (KafkaConsumer<String, ModelCheckpoint> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), serde.deserializer())) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, TIMEOUT);
      if (infos == null || infos.isEmpty()) {
        return;
      }
      List<TopicPartition> partitions = infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions, TIMEOUT));
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      while (!reachedEnd(consumer, end)) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("could not read " + topic + " to its end within " + TIMEOUT);
        }
        for (ConsumerRecord<String, ModelCheckpoint> r : consumer.poll(Duration.ofMillis(500))) {
          if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
            sink.accept(r);
          }
        }
      }
    }
  }

  /**
   * Produces {@code checkpoint} keyed by its slot ({@link CheckpointKeys#of}: the model name for PROMOTED, the
   * candidate slot for CANDIDATE and RETIRED), signed when this topic has a signing key (any signature it carried is
   * replaced), and waits for the acknowledgement.
   */
  public RecordMetadata publish(ModelCheckpoint checkpoint) {
    ModelCheckpoint event = signingKey == null ? checkpoint : CheckpointSignatures.sign(checkpoint, signingKey);
    Properties props = clients.kafkaProperties();
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    try (KafkaProducer<String, ModelCheckpoint> producer =
        new KafkaProducer<>(props, new StringSerializer(), serde().serializer())) {
      return producer.send(new ProducerRecord<>(topic, CheckpointKeys.of(event), event))
          .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot publish to " + topic + " at " + bootstrapServers + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
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
