package org.streambert.schemas.registry;

import java.util.Map;

/** Creates the registry client a serde configuration names. */
public final class SchemaRegistryClients {

  private SchemaRegistryClients() {
  }

  /**
   * A client for the configuration's {@link RegistryClientConfig#SCHEMA_REGISTRY_URL_CONFIG}: the shared in-memory
   * registry of that scope for {@code mock://<scope>} (see {@link MockSchemaRegistry}), else a
   * {@link RestSchemaRegistryClient}.
   *
   * @throws org.apache.kafka.common.config.ConfigException if the URL is missing or a setting is invalid
   */
  public static SchemaRegistryClient forConfig(Map<String, ?> configs) {
    RegistryClientConfig config = new RegistryClientConfig(configs);
    String mockScope = config.mockScope();
    return mockScope != null ? MockSchemaRegistry.clientFor(mockScope) : new RestSchemaRegistryClient(config);
  }
}
