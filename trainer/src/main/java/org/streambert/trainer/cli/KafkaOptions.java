package org.streambert.trainer.cli;

import picocli.CommandLine.Option;

/** Where Kafka and the schema registry are. */
public final class KafkaOptions {

  @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]", description = "Kafka bootstrap servers.")
  String bootstrapServers;

  @Option(names = "--schema-registry-url", paramLabel = "URL",
      description = "Schema registry URL (http(s)://... or mock://scope).")
  String schemaRegistryUrl;

  void require(String forWhat) {
    if (bootstrapServers == null || schemaRegistryUrl == null) {
      throw new IllegalArgumentException(forWhat + " needs --bootstrap-servers and --schema-registry-url");
    }
  }
}
