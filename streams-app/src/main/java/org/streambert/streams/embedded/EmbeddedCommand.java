package org.streambert.streams.embedded;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.StreamsConfig;
import org.streambert.schemas.AvroSerdeConfig;
import org.streambert.schemas.embedded.KafkaBrokerProcess;
import org.streambert.schemas.registry.EmbeddedSchemaRegistry;
import org.streambert.schemas.signing.SigningKey;
import org.streambert.streams.NlpConfig;
import org.streambert.streams.NlpService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The embedded default mode: the whole loop on this machine with no configuration. It starts a real single-node
 * KRaft broker and a Confluent-API schema registry on loopback, starts the NLP application, runs the trainer (as its
 * own process) on generated data to publish checkpoint v1, enriches sample texts, then publishes v2 by continued
 * fine-tuning and shows the hot swap while texts keep flowing. With {@code --bootstrap-servers} (and
 * {@code --schema-registry-url}) it runs against an existing cluster instead.
 */
@Command(
    name = "embedded",
    mixinStandardHelpOptions = true,
    description = "Run the whole loop on this machine: embedded broker and schema registry, a quick fine-tune, "
        + "checkpoint v1, sample texts, then checkpoint v2 and the hot swap. This is what runs with no arguments.")
public final class EmbeddedCommand implements Callable<Integer> {

  @Option(names = "--data-dir", paramLabel = "DIR",
      description = "Where broker logs, state, data and checkpoints go. Default: a new temporary directory.")
  Path dataDir;

  @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
      description = "Use this Kafka cluster instead of starting an embedded broker.")
  String bootstrapServers;

  @Option(names = "--schema-registry-url", paramLabel = "URL",
      description = "Use this schema registry instead of the embedded one (needed with --bootstrap-servers).")
  String schemaRegistryUrl;

  @Option(names = "--trainer-jar", paramLabel = "JAR",
      description = "The trainer jar to run. Default: $NLP_TRAINER_JAR, else trainer/target/trainer.jar beside "
          + "this program.")
  Path trainerJar;

  @Option(names = "--train-examples", defaultValue = "600",
      description = "Generated training examples per task. Default: ${DEFAULT-VALUE}.")
  int trainExamples;

  @Option(names = "--epochs", defaultValue = "3", description = "Fine-tuning epochs for v1. Default: ${DEFAULT-VALUE}.")
  int epochs;

  @Option(names = "--keep-running", description = "After the demo, leave broker, registry and app running, print "
      + "their addresses and commands to paste, and stop cleanly on Ctrl-C or SIGTERM.")
  boolean keepRunning;

  @Option(names = "--kafka-port", defaultValue = "0", description = "Port of the embedded broker (0: a free one). "
      + "Default: ${DEFAULT-VALUE}.")
  int kafkaPort;

  @Option(names = "--registry-port", defaultValue = "0", description = "Port of the embedded schema registry "
      + "(0: a free one). Default: ${DEFAULT-VALUE}.")
  int registryPort;

  @Option(names = "--http-port", defaultValue = "0", description = "Port of the app's /health, /ready, /metrics "
      + "(0: a free one). Default: ${DEFAULT-VALUE}.")
  int httpPort;

  /** Counted down by {@link #stop()} (the SIGTERM hook, or a test) to end --keep-running. */
  private final CountDownLatch stopRequested = new CountDownLatch(1);
  /** Counted down once everything is closed, so that the SIGTERM hook can wait for it. */
  private final CountDownLatch stopped = new CountDownLatch(1);
  /** The embedded broker while it runs (null with --bootstrap-servers). */
  private volatile KafkaBrokerProcess embeddedBroker;

  @Option(names = "--learning-loop", description = "After a weak v1 (trained on 10%% of the generated data) serves, "
      + "show continuous learning: the app asks for labels where unsure, a simulated labeller answers from the "
      + "ground truth, trainer serve retrains, the candidate is scored in shadow and promoted, the outputs switch.")
  boolean learningLoop;

  private final Demo demo = new Demo(System.out);

  @Override
  public Integer call() throws Exception {
    try {
      return runStack();
    } finally {
      stopped.countDown();
    }
  }

  /** Ends a --keep-running stack (as SIGTERM does) and waits up to {@code timeout} for it to close. */
  boolean stop(Duration timeout) throws InterruptedException {
    stopRequested.countDown();
    return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private Integer runStack() throws Exception {
    Instant started = Instant.now();
    String stateDirLog = "org.slf4j.simpleLogger.log.org.apache.kafka.streams.processor.internals.StateDirectory";
    if (dataDir == null && System.getProperty(stateDirLog) == null) {
      // The demo's data lives in a temporary directory on purpose; Kafka Streams would warn about that at every
      // start. Takes effect when nothing has logged yet (the jar's own JVM), before slf4j-simple reads its settings.
      System.setProperty(stateDirLog, "error");
    }
    Path dir = dataDir != null ? dataDir : Files.createTempDirectory("streaming-bert-");
    Files.createDirectories(dir);
    TrainerProcess trainer = new TrainerProcess(TrainerProcess.locate(trainerJar), demo.out());
    demo.say("data directory: " + dir);

    KafkaBrokerProcess broker = null;
    EmbeddedSchemaRegistry registry = null;
    try {
      String bootstrap = bootstrapServers;
      String registryUrl = schemaRegistryUrl;
      if (bootstrap == null) {
        demo.say("starting a single-node KRaft broker (Apache Kafka) on loopback ...");
        broker = KafkaBrokerProcess.start(dir.resolve("kafka"), kafkaPort, Map.of());
        embeddedBroker = broker;
        bootstrap = broker.bootstrapServers();
        demo.say("broker ready at " + bootstrap);
      }
      if (registryUrl == null) {
        if (bootstrapServers != null) {
          throw new IllegalArgumentException("--bootstrap-servers needs --schema-registry-url");
        }
        registry = EmbeddedSchemaRegistry.start(registryPort);
        registryUrl = registry.url();
        demo.say("schema registry (Confluent REST API, in memory) at " + registryUrl);
      }
      return runLoop(dir, bootstrap, registryUrl, trainer, started);
    } finally {
      if (registry != null) {
        registry.close();
      }
      if (broker != null) {
        broker.close();
      }
    }
  }

  private int runLoop(Path dir, String bootstrap, String registryUrl, TrainerProcess trainer, Instant started)
      throws Exception {
    Map<String, Object> props = new HashMap<>();
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "streaming-bert-embedded");
    props.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("state").toString());
    props.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registryUrl);
    props.put(NlpConfig.MODEL_NAME_CONFIG, Demo.MODEL_NAME);
    props.put(NlpConfig.MODEL_CACHE_DIR_CONFIG, dir.resolve("model-cache").toString());
    // The default path is the signed one: a fresh trainer key for this run, trusted by the app, and bundles only
    // from this run's checkpoint store.
    Path store = dir.resolve("checkpoints");
    Path signingKey = dir.resolve("keys").resolve("trainer.key");
    props.put(NlpConfig.MODEL_TRUSTED_KEYS_CONFIG,
        SigningKey.generate(signingKey, dir.resolve("keys").resolve("trainer.pub"), "embedded-trainer"));
    props.put(NlpConfig.MODEL_URI_ALLOWED_CONFIG, store.toUri().toString());
    props.put(NlpConfig.HTTP_PORT_CONFIG, httpPort);
    if (keepRunning) {
      props.put(NlpConfig.INSTANCE_ID_CONFIG, "embedded");
      // Ctrl-C reaches the broker child too: do not let the app's close wait long for a broker that is stopping.
      props.put(NlpConfig.SHUTDOWN_TIMEOUT_MS_CONFIG, 10_000L);
    }
    NlpConfig config = new NlpConfig(props);

    if (learningLoop) {
      return LearningLoopDemo.run(demo, trainExamples, dir, bootstrap, registryUrl, trainer, started, props);
    }
    try (NlpService service = NlpService.start(config)) {
      demo.say("checkpoints are signed with a key made for this run (" + signingKey + "); the app trusts only its public "
          + "half and only bundles under " + store);
      demo.say("streams app running (topics created; /health, /ready, /metrics on http://127.0.0.1:"
          + service.httpPort() + "); no model yet, so records would wait in the store");

      Path data = dir.resolve("data");
      Path bertConfig = data.resolve("bert_config.json");
      trainer.run(List.of("generate-demo-data", "--out", data.toString(), "--train", "" + trainExamples));
      Demo.demoConfig().write(bertConfig);
      demo.say("fine-tuning v1 (L=2, H=128 BERT, classification + NER, on generated data) ...");
      trainer.run(Demo.fineTuneArgs(data, bertConfig, dir.resolve("run-v1"), "1", store, signingKey, bootstrap,
          registryUrl, List.of("--bert-config", bertConfig.toString(), "--epochs", "" + epochs, "--lr", "5e-4")));
      demo.awaitVersion(service, "1");

      try (DemoTexts texts = new DemoTexts(bootstrap, registryUrl, config, demo.out())) {
        demo.say("enriching sample texts with v1:");
        for (String text : Demo.SAMPLE_TEXTS) {
          texts.send(text);
        }
        texts.printUntil(Demo.SAMPLE_TEXTS.size(), null, false, Duration.ofSeconds(60));

        demo.say("fine-tuning v2 from v1 (continued fine-tuning) while texts keep flowing ...");
        Thread feeder = new Thread(() -> texts.feed(Demo.SAMPLE_TEXTS), "demo-feeder");
        feeder.setDaemon(true);
        feeder.start();
        trainer.run(Demo.fineTuneArgs(data, bertConfig, dir.resolve("run-v2"), "2", store, signingKey, bootstrap,
            registryUrl, List.of("--from-bundle", dir.resolve("run-v1").resolve("bundle").toString(), "--epochs", "1",
                "--lr", "1e-4", "--gate-tolerance", "0.05")));
        demo.awaitVersion(service, "2");
        texts.printUntil(Integer.MAX_VALUE, "2", true, Duration.ofSeconds(60));
        texts.stopFeeding();
        feeder.join(5000);
      }
      demo.say(String.format(Locale.ROOT, "done in %.0f s: v1 served, v2 swapped in without stopping. Data in %s",
          Duration.between(started, Instant.now()).toMillis() / 1000.0, dir));
      if (keepRunning) {
        stayUp(new StackInfo(bootstrap, registryUrl, service.httpPort(), dir, StackInfo.jarCommand(getClass())));
      }
      return 0;
    }
  }

  /** Prints where everything listens and blocks until {@link #stop} or SIGTERM; the callers then close it all. */
  private void stayUp(StackInfo info) throws InterruptedException {
    KafkaBrokerProcess broker = embeddedBroker;
    Thread hook = new Thread(() -> {
      stopRequested.countDown();
      try {
        // The JVM exits when the hooks are done: wait (bounded) until the main thread has closed app and broker.
        if (!stopped.await(60, TimeUnit.SECONDS) && broker != null) {
          broker.close(); // no orphan broker even if the ordered close hangs
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "embedded-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    if (broker != null) {
      // On SIGTERM the main thread closes the app, the registry, then the broker: the broker's own hook would kill
      // it at once, under the app's last commit.
      broker.leaveShutdownToCaller();
    }
    info.lines().forEach(demo::say);
    stopRequested.await();
    demo.say("stopping: app, schema registry, broker ...");
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // SIGTERM: the hook is running and waits for us
    }
  }

}
