package org.streambert.trainer.data;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.CommonClientConfigs;
import org.streambert.schemas.AvroSerdeConfig;

/**
 * How the trainer reaches Kafka and the schema registry: the bootstrap servers, the registry URL, and any further
 * client settings of a secured cluster — Kafka's ({@code security.protocol}, {@code sasl.*}, {@code ssl.*}, ...) go to
 * every admin, producer and consumer; the registry client's ({@code schema.registry.ssl.*}, {@code basic.auth.*},
 * {@code bearer.auth.*} and every other key of {@link AvroSerdeConfig}) go to every Avro serde. One value serves every place the trainer
 * talks to Kafka.
 *
 * @param bootstrapServers Kafka bootstrap servers
 * @param registryUrl      schema registry URL ({@code http(s)://…} or {@code mock://scope}), or null where no Avro
 *                         is read or written
 * @param settings         further client settings (never printed: they may hold passwords)
 */
public record KafkaClients(String bootstrapServers, String registryUrl, Map<String, String> settings) {

  /** Largest {@code --client-config} file read. */
  public static final long MAX_CONFIG_BYTES = 64 * 1024;

  public KafkaClients {
    Objects.requireNonNull(bootstrapServers, "bootstrapServers");
    settings = Map.copyOf(settings);
  }

  /** Bootstrap servers and registry URL only (an unsecured cluster, or a test's). */
  public static KafkaClients of(String bootstrapServers, String registryUrl) {
    return new KafkaClients(bootstrapServers, registryUrl, Map.of());
  }

  /**
   * With the settings of a Java properties file (at most {@link #MAX_CONFIG_BYTES}); a file that sets
   * {@code bootstrap.servers} or {@code schema.registry.url} is refused (they come from the command line).
   *
   * @throws IllegalArgumentException naming the file when it is too large, unreadable or sets those keys
   */
  public static KafkaClients withConfigFile(String bootstrapServers, String registryUrl, Path file) {
    Properties p = new Properties();
    try {
      if (Files.size(file) > MAX_CONFIG_BYTES) {
        throw new IllegalArgumentException(file + " is larger than " + MAX_CONFIG_BYTES + " bytes");
      }
      try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        p.load(in);
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read client config " + file + ": " + e.getMessage(), e);
    }
    Map<String, String> settings = new TreeMap<>();
    for (String key : p.stringPropertyNames()) {
      if (key.equals(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG)
          || key.equals(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG)) {
        throw new IllegalArgumentException(file + " sets " + key + ": give it on the command line instead");
      }
      settings.put(key, p.getProperty(key));
    }
    return new KafkaClients(bootstrapServers, registryUrl, settings);
  }

  /** Whether {@code key} configures the registry client rather than Kafka. */
  static boolean isRegistryKey(String key) {
    return key.startsWith("schema.registry.") || key.startsWith("basic.auth.") || key.startsWith("bearer.auth.")
        || AvroSerdeConfig.configDef().names().contains(key);
  }

  /** Settings of an admin client, producer or consumer: the bootstrap servers and the Kafka settings. */
  public Properties kafkaProperties() {
    Properties p = new Properties();
    settings.forEach((k, v) -> {
      if (!isRegistryKey(k)) {
        p.put(k, v);
      }
    });
    p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    return p;
  }

  /** Settings of an Avro serde: the registry URL and the registry client's settings. */
  public Map<String, Object> serdeConfigs() {
    if (registryUrl == null) {
      throw new IllegalArgumentException("Avro data needs --schema-registry-url");
    }
    Map<String, Object> configs = new HashMap<>();
    settings.forEach((k, v) -> {
      if (isRegistryKey(k)) {
        configs.put(k, v);
      }
    });
    configs.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registryUrl);
    return configs;
  }

  /** Names the endpoints, never the settings' values. */
  @Override
  public String toString() {
    return "KafkaClients[" + bootstrapServers + ", registry " + registryUrl + ", settings " + settings.keySet() + "]";
  }
}
