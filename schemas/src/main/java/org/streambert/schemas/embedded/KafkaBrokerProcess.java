package org.streambert.schemas.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Apache Kafka broker in KRaft mode (broker and controller in one process), run as a child JVM
 * from this process's own classpath ({@code kafka.Kafka} from {@code kafka_2.13}), listening on loopback only.
 *
 * <p>Used by the embedded default mode and by tests whose subject is Kafka behaviour. The launching classpath must
 * hold {@code org.apache.kafka:kafka_2.13} (the broker); this module needs only kafka-clients to compile the class.
 * {@link #start} formats a fresh log directory, starts the broker, and returns once it answers an Admin request;
 * {@link #close} stops it with SIGTERM (a clean shutdown), then kills it if it has not exited within the grace
 * period. A JVM shutdown hook kills a broker that was never closed, so no orphan outlives its parent. The nodes of a
 * multi-broker cluster are the same processes with other node ids and a shared quorum ({@link KafkaCluster}); fault
 * tests {@link #kill}, {@link #pause} and {@link #resume} them.
 */
public final class KafkaBrokerProcess implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(KafkaBrokerProcess.class);

  /** How long {@link #start} waits for the broker to answer. */
  public static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(90);
  /** How long {@link #close} waits for a clean shutdown before killing the process. */
  public static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(20);

  /** Heap of a single broker's JVM. */
  static final String SINGLE_NODE_HEAP = "512m";

  private final Process process;
  private final Node node;
  private final String bootstrapServers;
  private final Thread killer;

  /**
   * How to launch one KRaft node (broker and controller in one process): its id, loopback ports, the controller quorum
   * ({@code controller.quorum.voters}), the cluster id its log directory is formatted with (null: a random one), its
   * maximum heap and the broker properties that override the defaults.
   */
  record Node(Path dataDir, int nodeId, int port, int controllerPort, String quorumVoters, String clusterId,
      String heap, Map<String, String> extraConfigs) {
    Node {
      extraConfigs = Map.copyOf(extraConfigs);
    }
  }

  private KafkaBrokerProcess(Process process, Node node) {
    this.process = process;
    this.node = node;
    this.bootstrapServers = "127.0.0.1:" + node.port();
    this.killer = new Thread(process::destroyForcibly, "kafka-broker-killer");
    Runtime.getRuntime().addShutdownHook(killer);
  }

  /**
   * Formats {@code dataDir} (created if missing) and starts a broker on free loopback ports.
   *
   * @param dataDir      where the broker keeps its logs; its {@code broker.log} holds the broker's output
   * @param extraConfigs broker properties that override the defaults
   */
  public static KafkaBrokerProcess start(Path dataDir, Map<String, String> extraConfigs) {
    return start(dataDir, 0, extraConfigs);
  }

  /**
   * Like {@link #start(Path, Map)}, with the client listener on {@code port} (0: a free port).
   *
   * @throws IllegalStateException if the broker does not come up, e.g. because the port is taken
   */
  public static KafkaBrokerProcess start(Path dataDir, int port, Map<String, String> extraConfigs) {
    try {
      int clientPort = port > 0 ? port : freePort();
      int controllerPort = freePort();
      while (controllerPort == clientPort) { // two probes can get the same ephemeral port; the listeners must differ
        controllerPort = freePort();
      }
      return start(new Node(dataDir, 1, clientPort, controllerPort, "1@127.0.0.1:" + controllerPort, null,
          SINGLE_NODE_HEAP, extraConfigs));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find free ports for the embedded Kafka broker", e);
    }
  }

  /**
   * Stops this broker cleanly (see {@link #close}) and starts a new one on the same data directory, ports and
   * settings, so that clients of {@link #bootstrapServers()} reconnect to it (fault-injection tests).
   */
  public KafkaBrokerProcess restart() {
    close();
    return start(node);
  }

  /** Launches {@code node} and waits until it answers (see {@link #awaitReady()}). */
  static KafkaBrokerProcess start(Node node) {
    KafkaBrokerProcess result = launch(node);
    try {
      result.awaitReady();
    } catch (RuntimeException e) {
      result.close();
      throw e;
    }
    return result;
  }

  /**
   * Formats the node's log directory if it is new and starts its JVM without waiting: the nodes of a multi-node
   * quorum must all be launched before any of them can elect a controller and answer.
   */
  static KafkaBrokerProcess launch(Node node) {
    Path dataDir = node.dataDir();
    int port = node.port();
    int controllerPort = node.controllerPort();
    try {
      Files.createDirectories(dataDir);
      Path logDir = dataDir.resolve("kraft-logs");
      Properties props = new Properties();
      props.setProperty("process.roles", "broker,controller");
      props.setProperty("node.id", String.valueOf(node.nodeId()));
      props.setProperty("controller.quorum.voters", node.quorumVoters());
      props.setProperty("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:"
          + controllerPort);
      props.setProperty("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
      props.setProperty("controller.listener.names", "CONTROLLER");
      props.setProperty("inter.broker.listener.name", "PLAINTEXT");
      props.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
      props.setProperty("log.dirs", logDir.toString());
      props.setProperty("num.partitions", "1");
      props.setProperty("auto.create.topics.enable", "false");
      props.setProperty("offsets.topic.replication.factor", "1");
      props.setProperty("offsets.topic.num.partitions", "4");
      props.setProperty("transaction.state.log.replication.factor", "1");
      props.setProperty("transaction.state.log.min.isr", "1");
      props.setProperty("transaction.state.log.num.partitions", "4");
      props.setProperty("share.coordinator.state.topic.replication.factor", "1");
      props.setProperty("share.coordinator.state.topic.min.isr", "1");
      props.setProperty("group.initial.rebalance.delay.ms", "0");
      props.setProperty("log.flush.interval.messages", "1000000");
      node.extraConfigs().forEach(props::setProperty);
      Path config = dataDir.resolve("server.properties");
      try (var out = Files.newBufferedWriter(config)) {
        props.store(out, "KRaft node " + node.nodeId() + " for streaming-bert");
      }
      Path brokerLog = dataDir.resolve("broker.log");

      if (!Files.exists(logDir.resolve("meta.properties"))) {
        String clusterId = node.clusterId() != null ? node.clusterId() : Uuid.randomUuid().toString();
        Process format = javaProcess(node.heap(), "kafka.tools.StorageTool", "format", "-t", clusterId, "-c",
            config.toString())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(brokerLog.toFile()))
            .start();
        if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
          format.destroyForcibly();
          throw new IllegalStateException("formatting the KRaft log directory failed; see " + brokerLog);
        }
      }

      Process broker = javaProcess(node.heap(), "kafka.Kafka", config.toString())
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(brokerLog.toFile()))
          .start();
      return new KafkaBrokerProcess(broker, node);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the embedded Kafka broker in " + dataDir, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting the embedded Kafka broker", e);
    }
  }

  /** {@code host:port} of the broker's PLAINTEXT listener. */
  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** The broker's data directory. */
  public Path dataDir() {
    return node.dataDir();
  }

  /** The node's {@code node.id} (1 for a single broker). */
  public int nodeId() {
    return node.nodeId();
  }

  /** Whether the broker process is alive. */
  public boolean isAlive() {
    return process.isAlive();
  }

  /** SIGKILL: the broker dies at once, as in a crash (no controlled shutdown); returns once it is gone. */
  public void kill() {
    try {
      process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while killing the Kafka broker", e);
    }
  }

  /** SIGSTOP: the broker freezes (a long GC pause, a stalled VM) with its connections open; see {@link #resume}. */
  public void pause() {
    signal("STOP");
  }

  /** SIGCONT: a {@link #pause paused} broker carries on. */
  public void resume() {
    signal("CONT");
  }

  private void signal(String name) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid()))
          .redirectErrorStream(true).start();
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot signal the Kafka broker", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while signalling the Kafka broker", e);
    }
  }

  /**
   * Stops killing the broker from this JVM's shutdown hook: the caller promises to {@link #close} it on exit itself,
   * after its own clients, so that a SIGTERM to this JVM shuts down clients first and the broker last and cleanly.
   */
  public void leaveShutdownToCaller() {
    try {
      Runtime.getRuntime().removeShutdownHook(killer);
    } catch (IllegalStateException shuttingDown) {
      // too late: the hook runs anyway
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroy(); // SIGTERM: Kafka shuts down cleanly
      try {
        if (!process.waitFor(SHUTDOWN_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
          log.warn("Kafka broker did not stop within {}; killing it", SHUTDOWN_GRACE);
          process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    try {
      Runtime.getRuntime().removeShutdownHook(killer);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs anyway
    }
  }

  /**
   * Waits until the broker listens and answers an Admin request on its own listener.
   *
   * @throws IllegalStateException if it exits or does not answer within {@link #STARTUP_TIMEOUT}
   */
  void awaitReady() {
    Path brokerLog = node.dataDir().resolve("broker.log");
    long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
    awaitListening(brokerLog, deadline); // an Admin client started earlier only logs connection failures
    Properties adminProps = new Properties();
    adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    adminProps.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000");
    adminProps.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "3000");
    try (Admin admin = Admin.create(adminProps)) {
      while (true) {
        if (!process.isAlive()) {
          throw new IllegalStateException("the embedded Kafka broker exited with code " + process.exitValue()
              + " during start-up; see " + brokerLog);
        }
        try {
          admin.describeCluster().nodes().get(3, TimeUnit.SECONDS);
          log.info("Kafka broker {} ready at {} (data in {})", node.nodeId(), bootstrapServers, node.dataDir());
          return;
        } catch (Exception notYet) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("the embedded Kafka broker did not answer within " + STARTUP_TIMEOUT
                + "; see " + brokerLog, notYet);
          }
          Thread.sleep(200);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the Kafka broker", e);
    }
  }

  private void awaitListening(Path brokerLog, long deadline) {
    String[] hostPort = bootstrapServers.split(":");
    while (true) {
      if (!process.isAlive()) {
        throw new IllegalStateException("the embedded Kafka broker exited with code " + process.exitValue()
            + " during start-up; see " + brokerLog);
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])), 500);
        return;
      } catch (IOException notYet) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the embedded Kafka broker did not listen within " + STARTUP_TIMEOUT
              + "; see " + brokerLog, notYet);
        }
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while waiting for the Kafka broker", e);
        }
      }
    }
  }

  private static ProcessBuilder javaProcess(String heap, String mainClass, String... args) {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> cmd = new ArrayList<>();
    cmd.add(java.toString());
    cmd.add("-Xms128m");
    cmd.add("-Xmx" + heap);
    cmd.add("-XX:+UseSerialGC");
    cmd.add("-XX:TieredStopAtLevel=1"); // faster start-up; throughput matters little for one local broker
    cmd.add("-Djava.awt.headless=true");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(mainClass);
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd);
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    }
  }

  /** A fresh directory name for a throwaway broker. */
  public static String randomName() {
    return "kafka-" + UUID.randomUUID();
  }
}
