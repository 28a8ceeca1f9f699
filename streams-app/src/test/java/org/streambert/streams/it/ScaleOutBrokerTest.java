package org.streambert.streams.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.StreamsGroupDescription;
import org.apache.kafka.clients.admin.StreamsGroupMemberAssignment;
import org.apache.kafka.clients.admin.StreamsGroupMemberDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.schemas.AvroSerdeConfig;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.embedded.KafkaBrokerProcess;
import org.streambert.schemas.registry.EmbeddedSchemaRegistry;
import org.streambert.schemas.rollout.RolloutStatus;
import org.streambert.streams.NlpConfig;
import org.streambert.streams.it.EosVerifier.Sent;
import org.streambert.streams.it.Traffic.Seen;

/**
 * Issue 23 §2–3: the application scaled out on a real KRaft broker, after Kafka's own {@code streams_eos_test}. App
 * instances run as child JVMs ({@code StreamsApp run --config}, {@code exactly_once_v2}, a real tiny TensorFlow BERT
 * from published checkpoints) over {@value #PARTITIONS} input partitions while a producer writes a steady stream
 * (≈{@value #RATE} records/s) with poison pills among it, and the suite, one step after the other:
 *
 * <ol>
 *   <li>scales 1 → 3 instances (two join) → 2 (one closed with SIGTERM);</li>
 *   <li>SIGKILLs an instance while it is inside a batch (its forward pass is held up until the kill), lets the
 *       other take over, and restarts it;</li>
 *   <li>restarts every instance one by one (a rolling restart), switching {@code num.standby.replicas} from 0 to 1,
 *       then SIGKILLs an instance inside a batch again, so that the takeover is measured without and with a standby
 *       of the pending store;</li>
 *   <li>publishes v2 (every instance loads it), a v3 whose manifest hash is wrong (every instance refuses it and keeps
 *       v2), and a rollback to v1 as a new event naming v1 — all during traffic.</li>
 * </ol>
 *
 * A read_committed verifier ({@link EosVerifier}) then checks that every input is in the output or the dead-letter
 * topic exactly once, in input order per partition; that no output was made by the refused v3; that every record sent
 * after all instances reported a version, and committed before the next event, was served by that version; and that
 * no instance logged a Micrometer double registration. The figures (records, instances, faults, lost, duplicated,
 * max stall, takeover and rollout convergence times) are printed for docs/reliability.md. The suite runs twice: with
 * the classic rebalance protocol (every step), and with the streams rebalance protocol of KIP-1071
 * ({@code group.protocol=streams}, standby replicas configured on the broker, static membership) through steps 1 and 2,
 * the ones whose work the rebalance protocol does (steps 3 and 4 run the same code under either protocol).
 */
class ScaleOutBrokerTest {

  static final int PARTITIONS = 6;
  static final int RATE = 40;
  static final String MODEL = "tiny-scale";
  static final String INPUT = "scale-input";
  static final String OUTPUT = "scale-enriched";
  static final String DLQ = "scale-dlq";
  static final String CHECKPOINTS = "scale-checkpoints";
  static final String STATUS = "scale-rollout-status";
  static final int SESSION_TIMEOUT_MS = 6_000;
  static final int TRANSACTION_TIMEOUT_MS = 5_000;
  /** The bound asserted on every rollout's convergence (measured figures are printed). */
  static final Duration CONVERGENCE_BOUND = Duration.ofSeconds(60);
  static final Pattern RESTORED = Pattern.compile(
      "restored store " + "nlp-pending" + " from \\S+-changelog-(\\d+): (\\d+) records in (-?\\d+) ms");

  enum Protocol {
    CLASSIC, STREAMS
  }

  @TempDir
  Path dir;

  @Test
  void shouldDeliverEveryRecordOnceWhileInstancesScaleDieRestartAndRollOutModels() throws Exception {
    new Run(Protocol.CLASSIC).run();
  }

  @Test
  void shouldDeliverEveryRecordOnceWithTheStreamsRebalanceProtocolAndStaticMembership() throws Exception {
    new Run(Protocol.STREAMS).run();
  }

  /** An app instance: its child JVM, configuration, log and hold directory. */
  private static final class Instance {
    final String id;
    final Path config;
    final Path holdDir;
    final List<Path> logs = new ArrayList<>();
    Process process;
    long startedAtMs;

    Instance(String id, Path config, Path holdDir) {
      this.id = id;
      this.config = config;
      this.holdDir = holdDir;
    }

    Path log() {
      return logs.get(logs.size() - 1);
    }
  }

  /** One run of the scenario with one rebalance protocol. */
  private final class Run {
    final Protocol protocol;
    final String applicationId;
    KafkaBrokerProcess broker;
    EmbeddedSchemaRegistry registry;
    String bootstrap;
    final Map<String, Instance> instances = new LinkedHashMap<>();
    /** The instances started and not stopped or killed since. */
    final Set<String> running = ConcurrentHashMap.newKeySet();
    Traffic traffic;
    List<Sent> sent;
    Map<String, Sent> sentById;
    /** Outputs as the live read_committed reader saw them: id → (partition, version, when). */
    Map<String, Seen> seen;
    List<RolloutStatus> statuses;
    /** Pending-store records restored by a survivor after a kill, without and with a standby replica. */
    long restoredWithoutStandby = -1;
    long restoredWithStandby = -1;
    int faults;
    int maxInstances;
    final List<String> figures = new ArrayList<>();

    Run(Protocol protocol) {
      this.protocol = protocol;
      this.applicationId = "nlp-scale-" + protocol.name().toLowerCase();
    }

    void run() throws Exception {
      long started = System.nanoTime();
      Map<String, String> brokerConfig = new HashMap<>();
      brokerConfig.put("transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000");
      if (protocol == Protocol.STREAMS) {
        // KIP-1071: the broker owns the session and the standby replicas of a streams group.
        brokerConfig.put("group.streams.min.session.timeout.ms", String.valueOf(SESSION_TIMEOUT_MS));
        brokerConfig.put("group.streams.session.timeout.ms", String.valueOf(SESSION_TIMEOUT_MS));
        brokerConfig.put("group.streams.min.heartbeat.interval.ms", "1000");
        brokerConfig.put("group.streams.heartbeat.interval.ms", "1500");
        brokerConfig.put("group.streams.num.standby.replicas", "1");
      }
      broker = KafkaBrokerProcess.start(dir.resolve("broker"), brokerConfig);
      registry = EmbeddedSchemaRegistry.start(0);
      bootstrap = broker.bootstrapServers();
      traffic = new Traffic(bootstrap, registry.url(), INPUT, OUTPUT, STATUS, PARTITIONS);
      sent = traffic.sent;
      sentById = traffic.sentById;
      seen = traffic.seen;
      statuses = traffic.statuses;
      try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
        ItSupport.createTopics(bootstrap, PARTITIONS, List.of(INPUT, OUTPUT, DLQ, STATUS), CHECKPOINTS);
        ModelCheckpoint v1 = ItSupport.writeBundle(dir.resolve("bundles"), MODEL, "1", 1);
        ItSupport.publish(bootstrap, registry.url(), CHECKPOINTS, v1);

        // 1 instance, then traffic.
        traffic.startReader();
        start("i1", 0);
        traffic.startFeeder(RATE, 97); // a pill every ~2.5 s, the 300 KB CJK text one in seven
        awaitOutputs(200);
        awaitGroup(admin, Set.of("i1"));

        // Scale out 1 -> 3, then in 3 -> 2.
        long t = System.nanoTime();
        start("i2", 0);
        start("i3", 0);
        awaitGroup(admin, Set.of("i1", "i2", "i3"));
        maxInstances = 3;
        figure("scale 1 -> 3: group of 3 with tasks after %.1f s", secondsSince(t));
        awaitNewOutputs(100);
        t = System.nanoTime();
        stop("i3");
        awaitGroup(admin, Set.of("i1", "i2"));
        faults += 2;
        figure("scale 3 -> 2 (SIGTERM): group of 2 with tasks after %.1f s", secondsSince(t));
        awaitNewOutputs(100);

        // SIGKILL inside a batch, without standby replicas (classic) / with the broker's (streams).
        killInBatchAndRestart(admin, "i2", "i1", protocol == Protocol.STREAMS ? "standby 1 (broker)" : "no standby");

        // The streams-protocol run stops its steps here: what follows (rolling restart, a second kill, rollouts) runs
        // the same code whatever the rebalance protocol, and the classic run covers it (the suite's time budget).
        boolean allSteps = protocol == Protocol.CLASSIC;
        long pub1 = 0;
        long pub3 = 0;
        long conv1 = 0;
        long conv2 = 0;
        long conv3 = 0;
        if (allSteps) {
          // Rolling restart; the classic run switches num.standby.replicas from 0 to 1 on the way.
          t = System.nanoTime();
          for (String id : List.of("i1", "i2")) {
            stop(id);
            start(id, 1);
            awaitGroup(admin, Set.of("i1", "i2"));
            awaitNewOutputs(50);
          }
          faults += 2;
          figure("rolling restart of 2 instances: %.1f s", secondsSince(t));

          // SIGKILL inside a batch again, now with a standby of every task.
          killInBatchAndRestart(admin, "i1", "i2", "standby 1");

          // Rollouts during traffic: v2, a refused v3, a rollback to v1 as a new event.
          ModelCheckpoint v2 = ItSupport.writeBundle(dir.resolve("bundles"), MODEL, "2", 2);
          long pub2 = publish(v2);
          conv2 = awaitConvergence("2", RolloutStatus.LOADED, pub2);
          awaitServedAfter(conv2);
          ModelCheckpoint v3 = ItSupport.writeBundle(dir.resolve("bundles"), MODEL, "3", 3);
          char[] sha = v3.getManifestSha256().toCharArray();
          sha[0] = sha[0] == '0' ? '1' : '0';
          pub3 = publish(ModelCheckpoint.newBuilder(v3).setManifestSha256(new String(sha)).build());
          conv3 = awaitConvergence("3", RolloutStatus.REFUSED, pub3);
          awaitServedAfter(conv3);
          pub1 = publish(ItSupport.rollbackTo(v1));
          conv1 = awaitConvergence("1", RolloutStatus.LOADED, pub1);
          awaitServedAfter(conv1);
          faults += 3;
        }

        // Drain, then verify.
        traffic.drain(Duration.ofSeconds(120));
        for (String id : running) {
          assertTrue(instances.get(id).process.isAlive(), id + " died by itself; see " + instances.get(id).log());
        }
        for (String id : new ArrayList<>(running)) {
          stop(id);
        }

        EosVerifier.Report report = EosVerifier.verify(bootstrap, registry.url(), OUTPUT, DLQ, sent,
            traffic.pillBytes);
        Set<String> versions = new TreeSet<>();
        report.outputs().forEach(r -> versions.add(r.value().getModelVersion()));
        if (allSteps) {
          assertFalse(versions.contains("3"), "the refused v3 served a record");
          assertEquals(Set.of("1", "2"), versions, "outputs of v1 and v2, as published");
          checkServedVersion("2", conv2, pub3);
          checkServedVersion("2", conv3, pub1);
          checkServedVersion("1", conv1, Long.MAX_VALUE);
        } else {
          assertEquals(Set.of("1"), versions, "outputs of v1, the only version published");
        }
        for (Instance i : instances.values()) {
          for (Path log : i.logs) {
            assertEquals(0, count(log, "has been already registered"), "Micrometer double registration in " + log);
          }
        }
        if (restoredWithoutStandby >= 0) {
          assertTrue(restoredWithStandby < restoredWithoutStandby, "a standby replica restores less: "
              + restoredWithStandby + " records with one, " + restoredWithoutStandby + " without");
        }
        System.out.printf("scale-out (%s protocol): %d records (%d poison pills), up to %d instances, %d faults, "
                + "%d outputs, %d dead letters, %d lost, %d duplicated, max stall %.1f s (of a partition: %.1f s),"
                + " %d s in all%n",
            protocol.name().toLowerCase(), sent.size(), report.pills(), maxInstances, faults,
            report.outputs().size(), report.deadLetters().size(), report.lost(), report.duplicated(),
            traffic.maxStallSeconds(), traffic.maxPartitionStallSeconds(),
            (System.nanoTime() - started) / 1_000_000_000L);
        figures.forEach(f -> System.out.println("  " + f));
      } catch (Throwable failure) {
        for (Instance i : instances.values()) {
          for (Path log : i.logs) {
            List<String> lines = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
            System.out.println("---- last lines of " + log.getFileName() + " ----");
            lines.subList(Math.max(0, lines.size() - 40), lines.size()).forEach(System.out::println);
          }
        }
        throw failure;
      } finally {
        for (Instance i : instances.values()) {
          if (i.process != null && i.process.isAlive()) {
            i.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
          }
        }
        traffic.stop();
        registry.close();
        broker.close();
      }
    }

    private void figure(String format, Object... args) {
      String f = String.format(format, args);
      figures.add(f);
      System.out.println(protocol + ": " + f);
    }

    /** Writes the instance's configuration (once) and starts it; waits for its LOADED status. */
    void start(String id, int standbyReplicas) throws Exception {
      Instance instance = instances.get(id);
      Path holdDir = dir.resolve("holds").resolve(id);
      Files.createDirectories(holdDir);
      Path config = writeConfig(id, standbyReplicas);
      if (instance == null) {
        instance = new Instance(id, config, holdDir);
        instances.put(id, instance);
      }
      Files.deleteIfExists(holdDir.resolve(HoldableModelLoader.HOLD));
      Files.deleteIfExists(holdDir.resolve(HoldableModelLoader.IN_BATCH));
      Path log = dir.resolve(id + "-" + (instance.logs.size() + 1) + ".log");
      instance.logs.add(log);
      instance.startedAtMs = System.currentTimeMillis();
      instance.process = ItSupport.startApp(config, log,
          List.of("-D" + HoldableModelLoader.DIR_PROPERTY + "=" + holdDir));
      running.add(id);
      Instance started = instance;
      ItSupport.waitFor(Duration.ofSeconds(90), () -> {
        assertTrue(started.process.isAlive(), id + " exited during start-up; see " + log);
        return statuses.stream().anyMatch(s -> id.equals(s.instance()) && s.loaded()
            && s.timestamp() >= started.startedAtMs);
      }, id + " to load its model");
    }

    /** SIGTERM: the instance closes cleanly (a dynamic member leaves the group, a static one stays in it). */
    void stop(String id) throws InterruptedException {
      running.remove(id);
      Process p = instances.get(id).process;
      p.destroy();
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), id + " did not close within 60 s");
    }

    /**
     * Holds up the forward pass of {@code victim} until it is inside a batch, SIGKILLs it, measures how long until
     * every partition it owned has new committed outputs (made by {@code survivor}) and what the survivor's restore
     * of the pending store took, then restarts the victim with the same state directory.
     */
    void killInBatchAndRestart(Admin admin, String victim, String survivor, String standby) throws Exception {
      Instance v = instances.get(victim);
      Set<Integer> owned = group(admin).get(victim);
      assertTrue(owned != null && !owned.isEmpty(), victim + " owns no partition: " + group(admin));
      long survivorLogBytes = Files.size(instances.get(survivor).log());
      Files.writeString(v.holdDir.resolve(HoldableModelLoader.HOLD), "4000");
      ItSupport.waitFor(Duration.ofSeconds(60), () -> Files.exists(v.holdDir.resolve(HoldableModelLoader.IN_BATCH)),
          victim + " to be inside a batch");
      long killedAtMs = System.currentTimeMillis();
      running.remove(victim);
      v.process.destroyForcibly();
      assertTrue(v.process.waitFor(30, TimeUnit.SECONDS));
      assertEquals(137, v.process.exitValue(), "not killed by SIGKILL");
      faults++;
      // Takeover of a partition: from the kill to the first committed output of a record sent after it there (only
      // the new owner can have made it).
      Map<Integer, Long> takeover = new TreeMap<>();
      ItSupport.waitFor(Duration.ofSeconds(120), () -> {
        for (Map.Entry<String, Seen> e : seen.entrySet()) {
          Sent s = sentById.get(e.getKey());
          if (s != null && s.sentAtMs() > killedAtMs && owned.contains(s.partition())) {
            takeover.merge(s.partition(), e.getValue().atMs() - killedAtMs, Math::min);
          }
        }
        return takeover.keySet().containsAll(owned);
      }, "outputs on " + victim + "'s partitions " + owned + " after the kill");
      long worst = takeover.values().stream().mapToLong(Long::longValue).max().orElse(0);
      List<long[]> restores = restoresSince(instances.get(survivor).log(), survivorLogBytes, owned);
      assertEquals(owned, restores.stream().map(r -> (int) r[0]).collect(Collectors.toSet()),
          survivor + " logged the restore of each moved pending store");
      long restored = restores.stream().mapToLong(r -> r[1]).sum();
      if (standby.startsWith("no")) {
        restoredWithoutStandby = restored;
      } else {
        restoredWithStandby = Math.max(restoredWithStandby, restored);
      }
      figure("SIGKILL of %s inside a batch (%s): partitions %s committed again after %.1f s (worst); %s restored %s",
          victim, standby, owned, worst / 1e3, survivor, restores.isEmpty() ? "nothing"
              : restores.stream().map(r -> "p" + r[0] + ": " + r[1] + " records in " + r[2] + " ms").toList());
      start(victim, protocol == Protocol.STREAMS ? 0 : standbyReplicas(v));
      awaitGroup(admin, Set.of("i1", "i2"));
      awaitNewOutputs(50);
    }

    private int standbyReplicas(Instance instance) throws IOException {
      Properties p = new Properties();
      try (var in = Files.newBufferedReader(instance.config)) {
        p.load(in);
      }
      return Integer.parseInt(p.getProperty(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, "0"));
    }

    /** The pending-store restorations logged since {@code fromByte}: {partition, records, ms} of {@code owned}. */
    private List<long[]> restoresSince(Path log, long fromByte, Set<Integer> owned) throws IOException {
      byte[] all = Files.readAllBytes(log);
      String added = new String(all, (int) Math.min(fromByte, all.length), (int) Math.max(0, all.length - fromByte),
          StandardCharsets.UTF_8);
      List<long[]> out = new ArrayList<>();
      Matcher m = RESTORED.matcher(added);
      while (m.find()) {
        int p = Integer.parseInt(m.group(1));
        if (owned.contains(p)) {
          out.add(new long[] {p, Long.parseLong(m.group(2)), Long.parseLong(m.group(3))});
        }
      }
      return out;
    }

    private Path writeConfig(String id, int standbyReplicas) throws IOException {
      Properties p = new Properties();
      ItSupport.appConfig(id, bootstrap, registry.url(), dir.resolve(id), INPUT, OUTPUT, CHECKPOINTS, STATUS, MODEL)
          .forEach((k, v) -> p.setProperty(k, String.valueOf(v)));
      p.setProperty(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
      p.setProperty(StreamsConfig.CLIENT_ID_CONFIG, id);
      p.setProperty(NlpConfig.DLQ_TOPIC_CONFIG, DLQ);
      p.setProperty(NlpConfig.BATCH_MAX_SIZE_CONFIG, "16");
      p.setProperty(NlpConfig.BATCH_MAX_DELAY_MS_CONFIG, "50");
      p.setProperty(NlpConfig.HTTP_PORT_CONFIG, "-1");
      p.setProperty(NlpConfig.MODEL_LOADER_CLASS_CONFIG, HoldableModelLoader.class.getName());
      p.setProperty(NlpConfig.ERROR_RETRY_BACKOFF_MS_CONFIG, "200");
      p.setProperty(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG),
          String.valueOf(TRANSACTION_TIMEOUT_MS));
      p.setProperty(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(2 << 20));
      if (protocol == Protocol.STREAMS) {
        p.setProperty(StreamsConfig.GROUP_PROTOCOL_CONFIG, "streams");
        p.setProperty(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, id);
      } else {
        p.setProperty(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, String.valueOf(SESSION_TIMEOUT_MS));
        p.setProperty(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "1500");
        p.setProperty(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, String.valueOf(standbyReplicas));
      }
      Path file = dir.resolve(id + ".properties");
      try (Writer out = Files.newBufferedWriter(file)) {
        p.store(out, "scale-out test instance " + id);
      }
      return file;
    }

    /** Instance id → active input partitions, from the broker's description of the group. */
    Map<String, Set<Integer>> group(Admin admin) throws Exception {
      Map<String, Set<Integer>> members = new TreeMap<>();
      if (protocol == Protocol.STREAMS) {
        StreamsGroupDescription g = admin.describeStreamsGroups(List.of(applicationId)).describedGroups()
            .get(applicationId).get(10, TimeUnit.SECONDS);
        if (g.groupState() != GroupState.STABLE) {
          return Map.of();
        }
        for (StreamsGroupMemberDescription m : g.members()) {
          if (!m.assignment().equals(m.targetAssignment())) {
            return Map.of(); // still reconciling
          }
          Set<Integer> partitions = members.computeIfAbsent(instanceOf(m.clientId()), k -> new TreeSet<>());
          for (StreamsGroupMemberAssignment.TaskIds tasks : m.assignment().activeTasks()) {
            partitions.addAll(tasks.partitions());
          }
        }
      } else {
        ConsumerGroupDescription g = admin.describeConsumerGroups(List.of(applicationId)).describedGroups()
            .get(applicationId).get(10, TimeUnit.SECONDS);
        if (g.groupState() != GroupState.STABLE) {
          return Map.of();
        }
        for (MemberDescription m : g.members()) {
          Set<Integer> partitions = members.computeIfAbsent(instanceOf(m.clientId()), k -> new TreeSet<>());
          for (TopicPartition tp : m.assignment().topicPartitions()) {
            if (tp.topic().equals(INPUT)) {
              partitions.add(tp.partition());
            }
          }
        }
      }
      return members;
    }

    private String instanceOf(String clientId) {
      int cut = clientId.indexOf("-StreamThread");
      return cut < 0 ? clientId : clientId.substring(0, cut);
    }

    /** Waits until the group is stable with exactly {@code ids}, each owning at least one input partition. */
    void awaitGroup(Admin admin, Set<String> ids) throws InterruptedException {
      Map<String, Set<Integer>> last = new HashMap<>();
      ItSupport.waitFor(Duration.ofSeconds(120), () -> {
        try {
          Map<String, Set<Integer>> g = group(admin);
          last.clear();
          last.putAll(g);
          int assigned = g.values().stream().mapToInt(Set::size).sum();
          return g.keySet().equals(ids) && g.values().stream().noneMatch(Set::isEmpty) && assigned == PARTITIONS;
        } catch (Exception e) {
          return false;
        }
      }, "a stable group of " + ids + " (last seen " + last + ")");
    }

    void awaitOutputs(int count) throws InterruptedException {
      traffic.awaitOutputs(count);
    }

    void awaitNewOutputs(int count) throws InterruptedException {
      traffic.awaitNewOutputs(count);
    }

    /** Publishes a checkpoint event through the suites' one helper; returns when (epoch ms). */
    long publish(ModelCheckpoint event) throws Exception {
      long at = System.currentTimeMillis();
      ItSupport.publish(bootstrap, registry.url(), CHECKPOINTS, event);
      return at;
    }

    /**
     * Waits until every running instance reported {@code status} for {@code version} after {@code publishedAt};
     * returns when the last one did (epoch ms) and records the convergence time.
     */
    long awaitConvergence(String version, String status, long publishedAt) throws InterruptedException {
      Map<String, Long> reported = new TreeMap<>();
      ItSupport.waitFor(CONVERGENCE_BOUND, () -> {
        for (RolloutStatus s : statuses) {
          if (version.equals(s.version()) && s.timestamp() >= publishedAt) {
            if (!status.equals(s.status())) {
              throw new AssertionError("expected " + status + " of version " + version + ", got " + s);
            }
            reported.putIfAbsent(s.instance(), s.timestamp());
          }
        }
        return reported.keySet().containsAll(running);
      }, "every instance to report " + status + " of version " + version + " (have " + reported + ")");
      long last = reported.values().stream().mapToLong(Long::longValue).max().orElseThrow();
      figure("v%s published: %s on every instance after %.2f s", version, status, (last - publishedAt) / 1e3);
      return last;
    }

    /** Waits until records sent after {@code sinceMs} are committed, so the check of their version has records. */
    void awaitServedAfter(long sinceMs) throws InterruptedException {
      ItSupport.waitFor(Duration.ofSeconds(60), () -> sent.stream().filter(s -> s.expectedReason() == null
          && s.sentAtMs() > sinceMs && seen.containsKey(s.id())).count() >= 40, "40 outputs of records sent after "
          + sinceMs);
    }

    /**
     * Every record sent after all instances reported a version ({@code sinceMs}) and committed before the next
     * event was published ({@code untilMs}) was served by that version.
     */
    void checkServedVersion(String version, long sinceMs, long untilMs) {
      int checked = 0;
      for (Sent s : sent) {
        Seen out = seen.get(s.id());
        if (s.expectedReason() == null && s.sentAtMs() > sinceMs && out != null && out.atMs() < untilMs) {
          assertEquals(version, out.version(), s.id() + " sent after every instance reported v" + version);
          checked++;
        }
      }
      assertTrue(checked >= 40, "too few records to check v" + version + ": " + checked);
    }
  }

  private static double secondsSince(long nanos) {
    return (System.nanoTime() - nanos) / 1e9;
  }

  private static long count(Path log, String text) throws IOException {
    try (var lines = Files.lines(log, StandardCharsets.ISO_8859_1)) {
      return lines.filter(l -> l.contains(text)).count();
    }
  }
}
