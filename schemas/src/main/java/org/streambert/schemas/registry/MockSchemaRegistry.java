package org.streambert.schemas.registry;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.streambert.schemas.registry.internals.SchemaStore;
import org.streambert.schemas.registry.internals.StoreClient;

/**
 * In-memory registries for tests, one per scope, as selected by {@code schema.registry.url=mock://<scope>} (Confluent's
 * test convention). Every client of a scope sees the same subjects and ids; the compatibility rules are those of
 * {@link EmbeddedSchemaRegistry} (one shared implementation). Scopes live until {@link #dropScope(String)}.
 */
public final class MockSchemaRegistry {
  /** URL prefix that selects a mock registry. */
  public static final String MOCK_URL_PREFIX = RegistryClientConfig.MOCK_URL_PREFIX;

  private static final ConcurrentMap<String, SchemaStore> SCOPES = new ConcurrentHashMap<>();

  private MockSchemaRegistry() {}

  /** A client of the registry of {@code scope}, creating the scope on first use. */
  public static SchemaRegistryClient clientFor(String scope) {
    return new StoreClient(SCOPES.computeIfAbsent(scope, s -> new SchemaStore()));
  }

  /** Forgets the registry of {@code scope}; clients created before keep the old state, new ones start empty. */
  public static void dropScope(String scope) {
    SCOPES.remove(scope);
  }
}
