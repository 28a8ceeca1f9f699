package org.streambert.streams.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.embedded.KafkaCluster;
import org.streambert.schemas.registry.EmbeddedSchemaRegistry;
import org.streambert.schemas.rollout.RolloutStatus;
import org.streambert.streams.NlpConfig;
import org.streambert.streams.it.EosVerifier.Sent;
import org.streambert.streams.ops.ReplicationCheck;

/**
 * Issue 33: the application on a real three-broker KRaft cluster ({@link KafkaCluster}: three combined
 * broker+controller nodes, a quorum of three voters, every topic replicated three times with
 * {@code min.insync.replicas=2}, the app's internal topics and the checkpoints topic included) while brokers fail
 * under steady traffic with poison pills, after Kafka's {@code streams_broker_bounce_test} and {@code streams_eos_test}.
 * One app instance runs as a child JVM ({@code StreamsApp run}, {@code exactly_once_v2}, a real tiny TensorFlow BERT)
 * with Kafka's client defaults: nothing here is tuned for the faults.
 *
 * <p>The suite's test injects, in one cluster start: SIGKILL of the leader of the busiest input partition; SIGKILL of
 * the transaction coordinator of the app's producer (found with {@code Admin.listTransactions} and
 * {@code describeTransactions}); a rolling restart of all three brokers (SIGTERM, start, wait for every ISR to be
 * full, next), as an upgrade does. The bench test (off by default: {@code -Dstreambert.bench.multibroker=true}) adds a
 * broker frozen with SIGSTOP past {@code replica.lag.time.max.ms} and resumed, a checkpoint rollout (v2) published
 * while the checkpoints topic's leader is down, and the controller quorum losing its leader.
 *
 * <p>After each run the read_committed verifier ({@link EosVerifier}) checks exactly once and per-partition order, and
 * that the dead-letter topic holds exactly the poison pills; the dead-letter topic is also read read_uncommitted,
 * where any record of an aborted transaction shows, and must hold nothing but pills (0 records dead-lettered for a
 * transient cause). Per fault the test prints the longest output stall, the stream threads replaced and how long the
 * cluster took to be fully in sync again (docs/reliability.md). The app's start-up replication check
 * ({@link ReplicationCheck}) finds nothing to warn about on this cluster, and flags a topic made to acknowledge on one
 * replica.
 */
class MultiBrokerFaultsBrokerTest {

  static final int PARTITIONS = 3;
  static final int RATE = 10;
  static final int PILL_EVERY = 40;
  static final String MODEL = "tiny-brokers";
  static final String INPUT = "brokers-input";
  static final String OUTPUT = "brokers-enriched";
  static final String DLQ = "brokers-dlq";
  static final String CHECKPOINTS = "brokers-checkpoints";
  static final String STATUS = "brokers-rollout-status";
  static final String APPLICATION_ID = "nlp-brokers";
  /** A topic that acknowledges acks=all writes on one replica (min.insync.replicas=1): the start-up check's case. */
  static final String WEAK = "brokers-weak";
  /** Outputs awaited after each fault: the stream goes on. */
  static final int OUTPUTS_AFTER_FAULT = 30;
  static final Duration RECOVERY_BOUND = Duration.ofSeconds(180);

  enum Fault {
    LEADER_KILL, COORDINATOR_KILL, ROLLING_RESTART, PAUSE, ROLLOUT_WHILE_DOWN, QUORUM_LEADER_KILL
  }

  @TempDir
  Path dir;

  @Test
  void shouldLoseDuplicateAndDeadLetterNothingWhenLeadersAndTheCoordinatorDieAndBrokersRollingRestart()
      throws Exception {
    new Run().run(List.of(Fault.LEADER_KILL, Fault.COORDINATOR_KILL, Fault.ROLLING_RESTART));
  }

  @Test
  @EnabledIfSystemProperty(named = "streambert.bench.multibroker", matches = "true")
  void benchEveryBrokerFault() throws Exception {
    new Run().run(List.of(Fault.values()));
  }

  /** One cluster, one app instance, traffic, and the faults one after the other. */
  private final class Run {
    KafkaCluster cluster;
    EmbeddedSchemaRegistry registry;
    String bootstrap;
    Traffic traffic;
    Process app;
    Path appLog;
    final List<String> figures = new ArrayList<>();
    long rolloutPublishedMs = -1;
    long rolloutConvergedMs = -1;

    void run(List<Fault> faults) throws Exception {
      long started = System.nanoTime();
      cluster = KafkaCluster.start(dir.resolve("kafka"), 3, Map.of());
      registry = EmbeddedSchemaRegistry.start(0);
      bootstrap = cluster.bootstrapServers();
      traffic = new Traffic(bootstrap, registry.url(), INPUT, OUTPUT, STATUS, PARTITIONS);
      try (Admin admin = cluster.admin()) {
        figure("cluster of 3 combined KRaft nodes ready after %.1f s", secondsSince(started));
        ItSupport.createTopics(bootstrap, PARTITIONS, List.of(INPUT, OUTPUT, DLQ, STATUS), CHECKPOINTS);
        // The start-up replication check on this cluster: the suite's topics pass, one that acks on one replica not.
        admin.createTopics(List.of(new NewTopic(WEAK, Optional.of(1), Optional.empty())
            .configs(Map.of(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, "1")))).all().get(30, TimeUnit.SECONDS);
        List<String> warnings = ReplicationCheck.check(admin, List.of(INPUT, OUTPUT, DLQ, STATUS, CHECKPOINTS, WEAK),
            -1);
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).startsWith(WEAK + " has min.insync.replicas=1"), warnings.get(0));
        ModelCheckpoint v1 = ItSupport.writeBundle(dir.resolve("bundles"), MODEL, "1", 1);
        ItSupport.publish(bootstrap, registry.url(), CHECKPOINTS, v1);
        traffic.startReader();
        startApp();
        traffic.startFeeder(RATE, PILL_EVERY);
        traffic.awaitOutputs(60);
        traffic.takeMaxStallSeconds(); // start-up is not a fault

        for (Fault fault : faults) {
          long logBytes = Files.size(appLog);
          long t = System.nanoTime();
          int sentBefore = traffic.sent.size();
          String what = inject(admin, fault);
          traffic.awaitNewOutputs(OUTPUTS_AFTER_FAULT);
          assertTrue(app.isAlive(), "the app died during " + fault + "; see " + appLog);
          figure("%-18s %s; %d records sent meanwhile, stream threads replaced %d (tasks failed by the app's handlers"
                  + " %d, threads fenced %d, tasks corrupted %d), max stall %.1f s, %.1f s in all",
              fault, what, traffic.sent.size() - sentBefore, countSince(appLog, logBytes, "replacing it in"),
              countSince(appLog, logBytes, "failing task"), countSince(appLog, logBytes, "thread is being fenced"),
              countSince(appLog, logBytes, "got corrupted"), traffic.takeMaxStallSeconds(), secondsSince(t));
        }

        traffic.drain(Duration.ofSeconds(180));
        assertTrue(app.isAlive(), "the app died by itself; see " + appLog);
        ItSupport.stop(app);
        assertEquals(0, countSince(appLog, 0, "replication: "), "the app warned about its topics' replication");

        EosVerifier.Report report = EosVerifier.verify(bootstrap, registry.url(), OUTPUT, DLQ, traffic.sent,
            traffic.pillBytes);
        Set<String> transientDlq = deadLetteredBesidesPills();
        assertEquals(Set.of(), transientDlq, "records dead-lettered for a transient cause (read_uncommitted)");
        if (rolloutConvergedMs > 0) {
          checkServedAfterRollout();
        }
        long replaced = countSince(appLog, 0, "replacing it in");
        System.out.printf("multi-broker faults: %d records (%d poison pills), %d faults, %d outputs, %d dead letters,"
                + " %d lost, %d duplicated, %d dead-lettered for a transient cause, %d stream threads replaced,"
                + " max stall of a partition %.1f s, %d s in all%n", traffic.sent.size(), report.pills(),
            faults.size(), report.outputs().size(), report.deadLetters().size(), report.lost(), report.duplicated(),
            transientDlq.size(), replaced, traffic.maxPartitionStallSeconds(),
            (System.nanoTime() - started) / 1_000_000_000L);
        figures.forEach(f -> System.out.println("  " + f));
      } catch (Throwable failure) {
        if (appLog != null && Files.exists(appLog)) {
          List<String> lines = Files.readAllLines(appLog, StandardCharsets.ISO_8859_1);
          System.out.println("---- last lines of " + appLog.getFileName() + " ----");
          lines.subList(Math.max(0, lines.size() - 60), lines.size()).forEach(System.out::println);
        }
        throw failure;
      } finally {
        if (app != null && app.isAlive()) {
          app.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        traffic.stop();
        registry.close();
        cluster.close();
      }
    }

    /** Injects {@code fault} and brings the cluster back to full ISR; returns what happened, for the figures. */
    String inject(Admin admin, Fault fault) throws Exception {
      switch (fault) {
        case LEADER_KILL -> {
          int partition = traffic.busiestPartition();
          int leader = cluster.leaderOf(INPUT, partition);
          cluster.kill(leader);
          int next = awaitNewLeader(INPUT, partition, leader);
          traffic.awaitNewOutputs(OUTPUTS_AFTER_FAULT);
          cluster.restart(leader);
          return String.format("SIGKILL of node %d, leader of %s-%d (new leader %d); ISR full %.1f s after restart",
              leader, INPUT, partition, next, cluster.awaitFullIsr(RECOVERY_BOUND).toMillis() / 1e3);
        }
        case COORDINATOR_KILL -> {
          Map<String, Integer> coordinators = transactionCoordinators(admin);
          int coordinator = coordinators.values().iterator().next();
          cluster.kill(coordinator);
          traffic.awaitNewOutputs(OUTPUTS_AFTER_FAULT);
          Map<String, Integer> moved = transactionCoordinators(admin);
          assertTrue(moved.values().stream().noneMatch(c -> c == coordinator), "the coordinator did not move");
          cluster.restart(coordinator);
          return String.format("SIGKILL of node %d, transaction coordinator of %s (moved to %s); ISR full %.1f s after"
              + " restart", coordinator, coordinators.keySet(), moved.values(),
              cluster.awaitFullIsr(RECOVERY_BOUND).toMillis() / 1e3);
        }
        case ROLLING_RESTART -> {
          List<String> steps = new ArrayList<>();
          for (int node = 1; node <= cluster.size(); node++) {
            long t = System.nanoTime();
            cluster.stop(node);
            cluster.restart(node);
            Duration isr = cluster.awaitFullIsr(RECOVERY_BOUND);
            steps.add(String.format("node %d %.1f s (ISR %.1f s)", node, secondsSince(t), isr.toMillis() / 1e3));
            traffic.awaitNewOutputs(OUTPUTS_AFTER_FAULT / 2);
          }
          return "rolling restart (SIGTERM, start, full ISR): " + String.join(", ", steps);
        }
        case PAUSE -> {
          int partition = traffic.busiestPartition();
          int leader = cluster.leaderOf(INPUT, partition);
          long pauseMs = Long.parseLong(KafkaCluster.DEFAULTS.get("replica.lag.time.max.ms")) + 4_000;
          long t = System.nanoTime();
          double moved = -1;
          cluster.node(leader).pause();
          try {
            while (System.nanoTime() - t < pauseMs * 1_000_000L) {
              if (moved < 0 && cluster.leaderOf(INPUT, partition) != leader) {
                moved = secondsSince(t);
              }
              Thread.sleep(250);
            }
          } finally {
            cluster.node(leader).resume();
          }
          return String.format("SIGSTOP of node %d, leader of %s-%d, for %.1f s (leadership moved after %s), then "
              + "SIGCONT; ISR full %.1f s after", leader, INPUT, partition, pauseMs / 1e3,
              moved < 0 ? "never" : String.format("%.1f s", moved),
              cluster.awaitFullIsr(RECOVERY_BOUND).toMillis() / 1e3);
        }
        case ROLLOUT_WHILE_DOWN -> {
          int leader = cluster.leaderOf(CHECKPOINTS, 0);
          cluster.kill(leader);
          ModelCheckpoint v2 = ItSupport.writeBundle(dir.resolve("bundles"), MODEL, "2", 2);
          rolloutPublishedMs = System.currentTimeMillis();
          ItSupport.publish(bootstrap, registry.url(), CHECKPOINTS, v2);
          rolloutConvergedMs = awaitStatus("2", rolloutPublishedMs);
          traffic.awaitNewOutputs(OUTPUTS_AFTER_FAULT);
          cluster.restart(leader);
          return String.format("v2 published while node %d (leader of %s) was down: LOADED %.2f s after publication;"
              + " ISR full %.1f s after restart", leader, CHECKPOINTS, (rolloutConvergedMs - rolloutPublishedMs) / 1e3,
              cluster.awaitFullIsr(RECOVERY_BOUND).toMillis() / 1e3);
        }
        case QUORUM_LEADER_KILL -> {
          int leader = cluster.quorumLeader();
          long t = System.nanoTime();
          cluster.kill(leader);
          int next = awaitQuorumLeaderOtherThan(leader);
          double elected = secondsSince(t);
          traffic.awaitNewOutputs(OUTPUTS_AFTER_FAULT);
          cluster.restart(leader);
          return String.format("SIGKILL of node %d, the quorum leader: node %d leads after %.1f s; ISR full %.1f s"
              + " after restart", leader, next, elected, cluster.awaitFullIsr(RECOVERY_BOUND).toMillis() / 1e3);
        }
        default -> throw new IllegalArgumentException(fault.name());
      }
    }

    /** Transactional id → coordinator node of the app's producers, once it has one with a coordinator. */
    Map<String, Integer> transactionCoordinators(Admin admin) throws InterruptedException {
      Map<String, Integer> out = new TreeMap<>();
      ItSupport.waitFor(RECOVERY_BOUND, () -> {
        out.clear();
        try {
          Collection<TransactionListing> listed = admin.listTransactions().all().get(15, TimeUnit.SECONDS);
          List<String> ids = listed.stream().map(TransactionListing::transactionalId)
              .filter(id -> id.startsWith(APPLICATION_ID + "-")).toList();
          if (ids.isEmpty()) {
            return false;
          }
          Map<String, TransactionDescription> described = admin.describeTransactions(ids).all()
              .get(15, TimeUnit.SECONDS);
          described.forEach((id, d) -> out.put(id, d.coordinatorId()));
          return !out.isEmpty();
        } catch (Exception notYet) {
          return false;
        }
      }, "the app's transactional ids and their coordinator");
      return out;
    }

    int awaitNewLeader(String topic, int partition, int old) throws InterruptedException {
      int[] leader = {-1};
      ItSupport.waitFor(RECOVERY_BOUND, () -> {
        try {
          leader[0] = cluster.leaderOf(topic, partition);
          return leader[0] >= 0 && leader[0] != old;
        } catch (IllegalStateException notYet) {
          return false;
        }
      }, "a new leader of " + topic + "-" + partition);
      return leader[0];
    }

    int awaitQuorumLeaderOtherThan(int old) throws InterruptedException {
      int[] leader = {-1};
      ItSupport.waitFor(RECOVERY_BOUND, () -> {
        try {
          leader[0] = cluster.quorumLeader();
          return leader[0] >= 0 && leader[0] != old;
        } catch (IllegalStateException notYet) {
          return false;
        }
      }, "a new quorum leader");
      assertNotEquals(old, leader[0]);
      return leader[0];
    }

    /** Waits for the instance's LOADED status of {@code version} issued after {@code sinceMs}; returns when. */
    long awaitStatus(String version, long sinceMs) throws InterruptedException {
      long[] at = {-1};
      ItSupport.waitFor(Duration.ofSeconds(120), () -> {
        for (RolloutStatus s : traffic.statuses) {
          if (version.equals(s.version()) && s.timestamp() >= sinceMs) {
            assertTrue(s.loaded(), "v" + version + " was refused: " + s);
            at[0] = s.timestamp();
            return true;
          }
        }
        return false;
      }, "LOADED of v" + version);
      return at[0];
    }

    /** Every record sent after the instance reported v2 was served by v2. */
    void checkServedAfterRollout() {
      int checked = 0;
      for (Sent s : traffic.sent) {
        Traffic.Seen out = traffic.seen.get(s.id());
        if (s.expectedReason() == null && s.sentAtMs() > rolloutConvergedMs && out != null) {
          assertEquals("2", out.version(), s.id() + " sent after the instance reported v2");
          checked++;
        }
      }
      assertTrue(checked >= OUTPUTS_AFTER_FAULT / 2, "too few records to check v2: " + checked);
    }

    /** Keys in the dead-letter topic, aborted transactions included, that are not poison pills. */
    Set<String> deadLetteredBesidesPills() {
      Set<String> keys = new TreeSet<>();
      for (ConsumerRecord<String, byte[]> r : ItSupport.readAll(bootstrap, DLQ, new ByteArrayDeserializer(),
          "read_uncommitted")) {
        if (!traffic.pillBytes.containsKey(r.key())) {
          keys.add(r.key());
        }
      }
      return keys;
    }

    void startApp() throws Exception {
      Properties p = new Properties();
      ItSupport.appConfig("brokers", bootstrap, registry.url(), dir.resolve("app"), INPUT, OUTPUT, CHECKPOINTS, STATUS,
          MODEL).forEach((k, v) -> p.setProperty(k, String.valueOf(v)));
      p.setProperty(StreamsConfig.APPLICATION_ID_CONFIG, APPLICATION_ID);
      p.setProperty(NlpConfig.DLQ_TOPIC_CONFIG, DLQ);
      p.setProperty(NlpConfig.BATCH_MAX_SIZE_CONFIG, "16");
      p.setProperty(NlpConfig.HTTP_PORT_CONFIG, "-1");
      p.setProperty(NlpConfig.ERROR_RETRY_BACKOFF_MS_CONFIG, "200");
      p.setProperty(NlpConfig.HEALTH_THREAD_REPLACEMENTS_MAX_CONFIG, "100");
      p.setProperty(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(2 << 20));
      Path config = dir.resolve("app.properties");
      try (Writer out = Files.newBufferedWriter(config)) {
        p.store(out, "multi-broker fault test");
      }
      appLog = dir.resolve("app.log");
      long startedAt = System.currentTimeMillis();
      app = ItSupport.startApp(config, appLog);
      ItSupport.waitFor(Duration.ofSeconds(120), () -> {
        assertTrue(app.isAlive(), "the app exited during start-up; see " + appLog);
        return traffic.statuses.stream().anyMatch(s -> s.loaded() && s.timestamp() >= startedAt);
      }, "the app to load its model");
    }

    private void figure(String format, Object... args) {
      String f = String.format(format, args);
      figures.add(f);
      System.out.println("multi-broker: " + f);
    }
  }

  private static double secondsSince(long nanos) {
    return (System.nanoTime() - nanos) / 1e9;
  }

  /** Lines holding {@code text} in {@code log} from byte {@code fromByte} on. */
  private static long countSince(Path log, long fromByte, String text) throws IOException {
    byte[] all = Files.readAllBytes(log);
    String added = new String(all, (int) Math.min(fromByte, all.length), (int) Math.max(0, all.length - fromByte),
        StandardCharsets.UTF_8);
    return added.lines().filter(l -> l.contains(text)).count();
  }
}
