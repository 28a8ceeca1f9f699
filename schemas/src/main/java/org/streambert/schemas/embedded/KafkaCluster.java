package org.streambert.schemas.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real multi-broker Apache Kafka cluster on loopback for fault tests: {@code size} KRaft nodes, each a combined
 * broker and controller ({@link KafkaBrokerProcess}, a child JVM with a small heap), forming a static quorum of
 * {@code size} voters. Combined nodes halve the JVMs of separate controllers, which matters on a 2-core machine; a
 * quorum of three still loses its leader when one node dies. The defaults are those of a production cluster of three:
 * every topic, including the offsets and transaction-state topics, replicated three times with
 * {@code min.insync.replicas=2}, so that an {@code acks=all} write survives the loss of any one broker, and shorter
 * failure detection than Kafka's (see {@link #DEFAULTS}) so that tests do not wait for production timeouts.
 */
public final class KafkaCluster implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(KafkaCluster.class);

  /** Heap of each node's JVM: three of them share the machine with the clients under test. */
  public static final String NODE_HEAP = "320m";

  /**
   * Broker settings of every node unless overridden: replication factor 3 and {@code min.insync.replicas=2} for
   * every topic (Kafka's internal topics included); a follower out of the ISR after 6 s without catching up (Kafka:
   * 30 s); a broker fenced after 6 s without a heartbeat (Kafka: 9 s); timed-out transactions aborted within 1 s.
   */
  public static final Map<String, String> DEFAULTS = Map.ofEntries(
      Map.entry("default.replication.factor", "3"),
      Map.entry("min.insync.replicas", "2"),
      Map.entry("offsets.topic.replication.factor", "3"),
      Map.entry("transaction.state.log.replication.factor", "3"),
      Map.entry("transaction.state.log.min.isr", "2"),
      Map.entry("share.coordinator.state.topic.replication.factor", "3"),
      Map.entry("share.coordinator.state.topic.min.isr", "2"),
      Map.entry("unclean.leader.election.enable", "false"),
      Map.entry("replica.lag.time.max.ms", "6000"),
      Map.entry("broker.session.timeout.ms", "6000"),
      Map.entry("broker.heartbeat.interval.ms", "1000"),
      Map.entry("transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000"));

  private final KafkaBrokerProcess[] nodes; // index = node id - 1
  private final String bootstrapServers;

  private KafkaCluster(KafkaBrokerProcess[] nodes) {
    this.nodes = nodes;
    this.bootstrapServers = Arrays.stream(nodes).map(KafkaBrokerProcess::bootstrapServers)
        .collect(Collectors.joining(","));
  }

  /**
   * Formats {@code size} log directories under {@code dir} ({@code node-1}, …) with one cluster id, launches every
   * node, and returns once each answers and the cluster reports all of them.
   *
   * @param extraConfigs broker properties that override {@link #DEFAULTS} on every node
   */
  public static KafkaCluster start(Path dir, int size, Map<String, String> extraConfigs) {
    if (size < 1 || size > 9) {
      throw new IllegalArgumentException("a test cluster has 1 to 9 nodes, not " + size);
    }
    Set<Integer> ports = new LinkedHashSet<>();
    try {
      while (ports.size() < 2 * size) { // two probes can get the same ephemeral port; every listener must differ
        ports.add(KafkaBrokerProcess.freePort());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find free ports for the Kafka cluster", e);
    }
    List<Integer> p = new ArrayList<>(ports);
    StringBuilder voters = new StringBuilder();
    for (int i = 0; i < size; i++) {
      voters.append(i == 0 ? "" : ",").append(i + 1).append("@127.0.0.1:").append(p.get(size + i));
    }
    Map<String, String> configs = new HashMap<>(DEFAULTS);
    configs.putAll(extraConfigs);
    String clusterId = Uuid.randomUuid().toString();
    KafkaBrokerProcess[] nodes = new KafkaBrokerProcess[size];
    try {
      for (int i = 0; i < size; i++) {
        nodes[i] = KafkaBrokerProcess.launch(new KafkaBrokerProcess.Node(dir.resolve("node-" + (i + 1)), i + 1,
            p.get(i), p.get(size + i), voters.toString(), clusterId, NODE_HEAP, configs));
      }
      for (KafkaBrokerProcess node : nodes) {
        node.awaitReady();
      }
      KafkaCluster cluster = new KafkaCluster(nodes);
      cluster.awaitBrokers(size, KafkaBrokerProcess.STARTUP_TIMEOUT);
      log.info("Kafka cluster of {} ready at {}", size, cluster.bootstrapServers);
      return cluster;
    } catch (RuntimeException e) {
      for (KafkaBrokerProcess node : nodes) {
        if (node != null) {
          node.kill();
          node.close();
        }
      }
      throw e;
    }
  }

  /** Every node's {@code host:port}, comma-separated. */
  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** How many nodes the cluster has. */
  public int size() {
    return nodes.length;
  }

  /** The node with {@code node.id} {@code nodeId} (1 to {@link #size}). */
  public KafkaBrokerProcess node(int nodeId) {
    return nodes[nodeId - 1];
  }

  /** SIGKILL of node {@code nodeId} (see {@link KafkaBrokerProcess#kill}). */
  public void kill(int nodeId) {
    node(nodeId).kill();
  }

  /** SIGTERM of node {@code nodeId}: a controlled shutdown, which moves its leaderships away first. */
  public void stop(int nodeId) {
    node(nodeId).close();
  }

  /** Starts node {@code nodeId} again (after {@link #kill} or {@link #stop}; stops it first if it runs). */
  public void restart(int nodeId) {
    nodes[nodeId - 1] = node(nodeId).restart();
  }

  /** An Admin client of the whole cluster with short timeouts (the caller closes it). */
  public Admin admin() {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "15000");
    return Admin.create(p);
  }

  /** The node id of the leader of {@code topic}'s partition {@code partition}, or -1 when it has none. */
  public int leaderOf(String topic, int partition) {
    try (Admin admin = admin()) {
      TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(15, TimeUnit.SECONDS).get(topic);
      TopicPartitionInfo info = d.partitions().get(partition);
      return info.leader() == null ? -1 : info.leader().id();
    } catch (Exception e) {
      throw new IllegalStateException("cannot describe " + topic + ": " + e, e);
    }
  }

  /** The node id of the controller quorum's current leader. */
  public int quorumLeader() {
    try (Admin admin = admin()) {
      return admin.describeMetadataQuorum().quorumInfo().get(15, TimeUnit.SECONDS).leaderId();
    } catch (Exception e) {
      throw new IllegalStateException("cannot describe the metadata quorum: " + e, e);
    }
  }

  /**
   * Waits until every partition of every topic (internal ones included) has a leader and all its replicas in sync,
   * as an operator does before restarting the next broker of a rolling restart.
   *
   * @return how long it took
   * @throws IllegalStateException if that does not happen within {@code timeout}
   */
  public Duration awaitFullIsr(Duration timeout) {
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    String last = "";
    while (true) {
      try (Admin admin = admin()) {
        Set<String> topics = admin.listTopics(new ListTopicsOptions().listInternal(true))
            .names().get(15, TimeUnit.SECONDS);
        Map<String, TopicDescription> all = admin.describeTopics(topics).allTopicNames().get(15, TimeUnit.SECONDS);
        List<String> notFull = new ArrayList<>();
        all.values().forEach(d -> d.partitions().forEach(pi -> {
          if (pi.leader() == null || pi.isr().size() < pi.replicas().size()) {
            notFull.add(d.name() + "-" + pi.partition() + " isr " + pi.isr().size() + "/" + pi.replicas().size());
          }
        }));
        if (notFull.isEmpty()) {
          return Duration.ofNanos(System.nanoTime() - start);
        }
        last = notFull.size() + " partitions short, e.g. " + notFull.subList(0, Math.min(3, notFull.size()));
      } catch (Exception notYet) {
        last = notYet.toString();
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the ISR was not full again within " + timeout + ": " + last);
      }
      sleep(500);
    }
  }

  private void awaitBrokers(int count, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try (Admin admin = admin()) {
        if (admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).size() >= count) {
          return;
        }
      } catch (Exception notYet) {
        // a node still registering
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the cluster did not report " + count + " brokers within " + timeout);
      }
      sleep(300);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** Resumes paused nodes and stops every node cleanly (SIGTERM; SIGKILL after the grace period). */
  @Override
  public void close() {
    for (KafkaBrokerProcess node : nodes) {
      if (node.isAlive()) {
        node.resume();
      }
    }
    // Stopping the nodes together: one by one, the last ones would wait for a quorum that is already gone.
    List<Thread> stops = new ArrayList<>();
    for (KafkaBrokerProcess node : nodes) {
      Thread t = new Thread(node::close, "stop-kafka-node-" + node.nodeId());
      t.start();
      stops.add(t);
    }
    for (Thread t : stops) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
