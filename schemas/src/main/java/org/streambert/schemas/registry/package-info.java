/**
 * Confluent-compatible Schema Registry access: the client interface and its REST implementation, the client's settings
 * ({@code RegistryClientConfig}), {@code SchemaRegistryClients} (the client a configuration names, {@code mock://}
 * included), the in-memory {@code MockSchemaRegistry} and the {@code EmbeddedSchemaRegistry} server. The stores and
 * the REST handler live in {@code registry.internals}.
 *
 * <p>Depends on its own internals only; used by the serdes ({@code schemas}) and by whoever runs a registry.
 */
package org.streambert.schemas.registry;
