package org.streambert.streams.ops;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.RetriableException;

/**
 * The start-up check of what the app's topics survive. Under exactly-once every write is {@code acks=all}: acknowledged
 * once every in-sync replica has it. A topic whose {@code min.insync.replicas} is 1 accepts such a write when the
 * leader is the only replica left in sync, and loses it if that leader then dies — on a cluster that could have kept a
 * second copy. A topic with as many in-sync replicas required as it has replicas stops taking writes whenever one
 * broker restarts, so every rolling upgrade would stall the app. The check describes the app's topics and a broker's
 * defaults (which the app's internal topics and Kafka's transaction and offsets topics take), and returns one warning
 * per finding. A single-broker cluster (development, the embedded mode) gets none: it cannot do better.
 */
public final class ReplicationCheck {

  /** How long {@link #check} retries a retriable error (metadata of new topics still spreading). */
  public static final long METADATA_WAIT_MS = 15_000;

  /** A topic's replication as the cluster reports it ({@code minInsyncReplicas} effective: the topic's or default). */
  public record TopicReplication(String topic, int replicationFactor, int minInsyncReplicas) {
  }

  private ReplicationCheck() {
  }

  /**
   * The warnings for {@code topics} on a cluster of {@code brokers}: a topic with one replica, a
   * {@code min.insync.replicas} below 2 (a write acknowledged by one replica alone), or one not below the replication
   * factor (writes stop while one replica is down, e.g. during a rolling restart). Empty on a single broker.
   */
  public static List<String> warnings(int brokers, Collection<TopicReplication> topics) {
    List<String> out = new ArrayList<>();
    if (brokers < 2) {
      return out;
    }
    for (TopicReplication t : topics) {
      if (t.replicationFactor() < 2) {
        out.add(String.format("%s has replication factor %d on a cluster of %d brokers: losing the broker that holds "
            + "it loses its records; recreate it with 3 replicas", t.topic(), t.replicationFactor(), brokers));
      } else if (t.minInsyncReplicas() < 2) {
        out.add(String.format("%s has min.insync.replicas=%d (replication factor %d): an acks=all write is "
            + "acknowledged by the leader alone once the others fall out of sync, and lost if that leader then dies; "
            + "set min.insync.replicas=2 on it", t.topic(), t.minInsyncReplicas(), t.replicationFactor()));
      } else if (t.minInsyncReplicas() >= t.replicationFactor()) {
        out.add(String.format("%s has min.insync.replicas=%d and replication factor %d: writes stop (NOT_ENOUGH_"
            + "REPLICAS) while any one of its brokers is down, a rolling restart included; use 3 replicas with "
            + "min.insync.replicas=2", t.topic(), t.minInsyncReplicas(), t.replicationFactor()));
      }
    }
    return out;
  }

  /**
   * Describes {@code topics} (those that exist), and the internal topics as a broker's defaults and
   * {@code internalReplicationFactor} (Kafka Streams' {@code replication.factor}; -1 takes the broker's
   * {@code default.replication.factor}) make them, and returns {@link #warnings}.
   *
   * <p>Topics created a moment ago may not be known to every broker yet: a retriable error is retried for up to
   * {@value #METADATA_WAIT_MS} ms.
   *
   * @throws Exception what the Admin client throws (e.g. no DESCRIBE_CONFIGS permission): the caller decides
   */
  public static List<String> check(Admin admin, Collection<String> topics, int internalReplicationFactor)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(METADATA_WAIT_MS);
    while (true) {
      try {
        return describeAndCheck(admin, topics, internalReplicationFactor);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof RetriableException) || System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(250);
      }
    }
  }

  private static List<String> describeAndCheck(Admin admin, Collection<String> topics, int internalReplicationFactor)
      throws Exception {
    Collection<Node> nodes = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS);
    ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, String.valueOf(nodes.iterator().next().id()));
    Config brokerConfig = admin.describeConfigs(List.of(broker)).all().get(30, TimeUnit.SECONDS).get(broker);
    int defaultMinIsr = intOf(brokerConfig, TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, 1);
    List<TopicReplication> found = new ArrayList<>();
    Map<String, TopicDescription> described = admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS);
    List<ConfigResource> resources = described.keySet().stream()
        .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
    Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get(30, TimeUnit.SECONDS);
    for (TopicDescription d : described.values()) {
      Config c = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, d.name()));
      found.add(new TopicReplication(d.name(), d.partitions().get(0).replicas().size(),
          intOf(c, TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, defaultMinIsr)));
    }
    int internalRf = internalReplicationFactor > 0 ? internalReplicationFactor
        : intOf(brokerConfig, "default.replication.factor", 1);
    found.add(new TopicReplication("the app's internal topics (changelogs)", internalRf, defaultMinIsr));
    found.add(new TopicReplication("__transaction_state (the transactions of exactly-once)",
        intOf(brokerConfig, "transaction.state.log.replication.factor", 3),
        intOf(brokerConfig, "transaction.state.log.min.isr", 2)));
    found.add(new TopicReplication("__consumer_offsets", intOf(brokerConfig, "offsets.topic.replication.factor", 3),
        defaultMinIsr));
    return warnings(nodes.size(), found);
  }

  private static int intOf(Config config, String key, int fallback) {
    ConfigEntry e = config == null ? null : config.get(key);
    return Optional.ofNullable(e).map(ConfigEntry::value).filter(v -> !v.isBlank()).map(Integer::parseInt)
        .orElse(fallback);
  }
}
