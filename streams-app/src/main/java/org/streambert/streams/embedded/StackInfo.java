package org.streambert.streams.embedded;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What the embedded stack prints when it stays up: where the broker, registry and app listen, and commands to paste
 * (this jar's produce/consume, kcat for metadata and the JSON rollout topic, curl for the endpoints).
 *
 * @param bootstrap   the broker's bootstrap address
 * @param registryUrl the schema registry's URL
 * @param httpPort    the app's HTTP port
 * @param dataDir     the data directory
 * @param jar         how to call this program ({@code java -jar …}), see {@link #jarCommand}
 */
public record StackInfo(String bootstrap, String registryUrl, int httpPort, Path dataDir, String jar) {

  /** {@code java -jar <this jar>}, or the build's path when not running from a jar (tests, IDE). */
  public static String jarCommand(Class<?> mainClass) {
    try {
      Path source = Path.of(mainClass.getProtectionDomain().getCodeSource().getLocation().toURI());
      if (Files.isRegularFile(source) && source.toString().endsWith(".jar")) {
        return "java -jar " + source;
      }
    } catch (Exception unknown) {
      // fall through to the documented build path
    }
    return "java -jar streams-app/target/streams-app.jar";
  }

  /** The lines to print, without trailing newlines. */
  public List<String> lines() {
    String registry = " --property schema.registry.url=" + registryUrl;
    return List.of(
        "the stack keeps running; Ctrl-C or SIGTERM stops it cleanly",
        "  Kafka bootstrap:  " + bootstrap,
        "  Schema registry:  " + registryUrl,
        "  App HTTP:         http://127.0.0.1:" + httpPort + " (/health, /ready, /metrics)",
        "  Data directory:   " + dataDir,
        "send a text (TextRecord Avro; key = id):",
        "  echo '{\"id\": \"doc-1\", \"text\": \"Alice Smith visited Paris on Monday.\"}' | " + jar
            + " produce --bootstrap-server " + bootstrap + registry,
        "read the results (label, score, entities marked):",
        "  " + jar + " consume --bootstrap-server " + bootstrap + registry + " --from-beginning --format readable",
        "with kcat (Debian's build has no Avro; rollout reports are JSON):",
        "  kcat -L -b " + bootstrap,
        "  kcat -C -b " + bootstrap + " -t model-rollout-status -e",
        "metrics:",
        "  curl -s http://127.0.0.1:" + httpPort + "/metrics | grep ^nlp_");
  }
}
