/**
 * Machinery of the registry: the in-memory schema store with Confluent's compatibility rules (shared by the mock
 * client and the embedded server), the client over that store and the REST handler. Used by {@code registry} only;
 * may use its types.
 */
package org.streambert.schemas.registry.internals;
