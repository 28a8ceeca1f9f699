package org.streambert.streams.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.streambert.streams.NlpConfig;
import org.streambert.streams.NlpService;
import org.streambert.streams.ops.LogFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code streams-app run --config app.properties}: runs against an existing Kafka cluster until SIGTERM. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = "Run the NLP topology against an existing Kafka cluster (creates missing topics).")
final class RunCommand implements Callable<Integer> {

  @Option(names = "--config", description = "Properties file: nlp.* keys (see NlpConfig) and Kafka Streams keys; "
      + "environment variables NLP_*, KAFKA_*, SCHEMA_REGISTRY_URL override it.")
  Path configFile;

  @Override
  public Integer call() throws IOException, InterruptedException {
    Map<String, Object> props = new HashMap<>();
    if (configFile != null) {
      Properties file = new Properties();
      try (Reader in = Files.newBufferedReader(configFile)) {
        file.load(in);
      }
      file.forEach((k, v) -> props.put(String.valueOf(k), v));
    }
    // Before the first logger exists (slf4j-simple reads its format once): log lines name this instance.
    Object id = System.getenv().getOrDefault("NLP_INSTANCE_ID", String.valueOf(props.getOrDefault(
        NlpConfig.INSTANCE_ID_CONFIG, "")));
    LogFormat.nameInstance(String.valueOf(id).isBlank() ? NlpConfig.defaultInstanceId() : String.valueOf(id));
    NlpConfig config = new NlpConfig(NlpConfig.withEnvironment(props, System.getenv()));
    NlpService service = NlpService.start(config);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      // SIGTERM: close with a timeout; unfinished batches stay in the changelogged store for the next start.
      service.close();
      stopped.countDown();
    }, "nlp-shutdown"));
    stopped.await();
    return 0;
  }
}
