package org.streambert.trainer.cli;

import picocli.CommandLine.Option;

/** Where Kafka and the schema registry are. */
public final class KafkaOptions {

  @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]", description = "Kafka bootstrap servers.")
  String bootstrapServers;

  @Option(names = "--schema-registry-url", paramLabel = "URL",
      description = "Schema registry URL (http(s)://... or mock://scope).")
  String schemaRegistryUrl;

  @Option(names = "--client-config", paramLabel = "FILE", description = "Properties file of further client settings "
      + "for a secured cluster: Kafka's (security.protocol, sasl.*, ssl.*) for every admin, producer and consumer, "
      + "and the registry client's (schema.registry.ssl.*, basic.auth.*, bearer.auth.*) for every Avro serde. "
      + "At most 64 KiB; values are never printed.")
  java.nio.file.Path clientConfig;

  /** Where and how to reach Kafka and the registry (with --client-config's settings). */
  org.streambert.trainer.data.KafkaClients clients() {
    return clientConfig == null
        ? org.streambert.trainer.data.KafkaClients.of(bootstrapServers, schemaRegistryUrl)
        : org.streambert.trainer.data.KafkaClients.withConfigFile(bootstrapServers, schemaRegistryUrl, clientConfig);
  }

  void require(String forWhat) {
    if (bootstrapServers == null || schemaRegistryUrl == null) {
      throw new IllegalArgumentException(forWhat + " needs --bootstrap-servers and --schema-registry-url");
    }
  }
}
