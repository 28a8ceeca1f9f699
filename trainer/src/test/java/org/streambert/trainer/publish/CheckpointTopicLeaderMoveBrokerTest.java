package org.streambert.trainer.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.schemas.CheckpointKeys;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.avro.ModelStage;
import org.streambert.schemas.embedded.KafkaCluster;
import org.streambert.schemas.signing.CheckpointSignatures;
import org.streambert.schemas.signing.SigningKey;

/**
 * Issue 33 §3: the trainer's {@code publish} rides through a leader move of the checkpoints topic on a real
 * three-broker cluster (replication factor 3, {@code min.insync.replicas=2}) and publishes the event once. The leader
 * is SIGKILLed inside {@code publish}, after it read the slot and before it produces (the clock it asks for the issue
 * time does the kill), so the producer starts with metadata naming a dead leader.
 */
class CheckpointTopicLeaderMoveBrokerTest {

  private static final SigningKey KEY = new SigningKey("trainer-a",
      CheckpointSignatures.generateKeyPair().getPrivate());

  @TempDir
  Path dir;

  @Test
  void shouldPublishExactlyOneEventWhenTheTopicsLeaderDiesDuringPublish() throws Exception {
    try (KafkaCluster cluster = KafkaCluster.start(dir.resolve("kafka"), 3, Map.of())) {
      String name = "checkpoints-" + UUID.randomUUID();
      String registry = "mock://leader-move-" + UUID.randomUUID();
      ByteArrayOutputStream warnings = new ByteArrayOutputStream();
      LeaderKiller killer = new LeaderKiller(cluster, name);
      CheckpointTopic topic = new CheckpointTopic(cluster.bootstrapServers(), registry, name, KEY)
          .withClock(new HookClock(Clock.systemUTC(), killer),
              new PrintStream(warnings, true, StandardCharsets.UTF_8));
      topic.ensureExists();
      try (Admin admin = cluster.admin()) {
        TopicDescription d = admin.describeTopics(List.of(name)).allTopicNames().get().get(name);
        assertEquals(3, d.partitions().get(0).replicas().size(), "the topic takes the cluster's replication factor");
      }
      topic.publish(promoted("1"));

      killer.armed = true;
      long t = System.nanoTime();
      CheckpointTopic.Published published = topic.publish(promoted("2"));
      System.out.printf("publish with the leader (node %d) killed inside it: %.1f s, leader now node %d%n",
          killer.killed, (System.nanoTime() - t) / 1e9, cluster.leaderOf(name, 0));

      assertTrue(killer.killed > 0, "the leader was killed during publish");
      assertNotEquals(killer.killed, cluster.leaderOf(name, 0), "the leadership moved");
      CheckpointTopic reader = new CheckpointTopic(cluster.bootstrapServers(), registry, name, KEY);
      assertEquals(published.event(), reader.latest("m").orElseThrow(), "v2 serves, as published");
      assertEquals(2, countEvents(cluster, name), "each publish produced exactly one event");
      assertEquals("", warnings.toString(StandardCharsets.UTF_8), "no race for the sequence was seen");
    }
  }

  /** Records of model m's PROMOTED slot on the topic, read_committed to its end. */
  private static long countEvents(KafkaCluster cluster, String name) {
    Map<String, Object> c = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(),
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(c, new StringDeserializer(),
        new ByteArrayDeserializer())) {
      TopicPartition tp = new TopicPartition(name, 0);
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      long end = consumer.endOffsets(List.of(tp)).get(tp);
      String slot = CheckpointKeys.of(promoted("any"));
      long n = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (consumer.position(tp) < end && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          n += slot.equals(r.key()) ? 1 : 0;
        }
      }
      assertEquals(end, consumer.position(tp), "read the topic to its end");
      return n;
    }
  }

  private static ModelCheckpoint promoted(String version) {
    return ModelCheckpoint.newBuilder().setModelName("m").setVersion(version).setBundleUri("file:///store/m/" + version)
        .setManifestSha256("ab").setCreatedAt(Instant.parse("2025-01-01T00:00:00Z")).setHeads(List.of())
        .setStage(ModelStage.PROMOTED).build();
  }

  /** Once armed, SIGKILLs the leader of the topic the first time it runs (the clock's hook). */
  private static final class LeaderKiller implements Runnable {
    private final KafkaCluster cluster;
    private final String topic;
    volatile boolean armed;
    volatile int killed = -1;

    LeaderKiller(KafkaCluster cluster, String topic) {
      this.cluster = cluster;
      this.topic = topic;
    }

    @Override
    public void run() {
      if (armed) {
        armed = false;
        killed = cluster.leaderOf(topic, 0);
        cluster.kill(killed);
      }
    }
  }
}
