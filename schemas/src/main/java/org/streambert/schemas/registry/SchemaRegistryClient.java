package org.streambert.schemas.registry;

import java.util.List;
import org.apache.avro.Schema;

/**
 * A Confluent-compatible Schema Registry client. Errors answered by the registry raise {@link RestClientException}
 * (with Confluent's error codes); an unreachable registry raises {@link java.io.UncheckedIOException}.
 * Implementations are thread-safe.
 */
public interface SchemaRegistryClient {

  /**
   * Registers {@code schema} under {@code subject} ({@code POST /subjects/{subject}/versions}).
   *
   * @return the schema's global id; the existing id if the same schema is already registered anywhere
   * @throws RestClientException 409/40901 if incompatible with the subject's versions, 422/42201 if invalid
   */
  int register(String subject, Schema schema);

  /**
   * Finds {@code schema} among the versions of {@code subject} ({@code POST /subjects/{subject}}).
   *
   * @throws RestClientException 404/40401 unknown subject, 404/40403 schema not in the subject
   */
  RegisteredSchema lookup(String subject, Schema schema);

  /**
   * The schema with the given global id ({@code GET /schemas/ids/{id}}).
   *
   * @throws RestClientException 404/40403 unknown id
   */
  Schema schemaById(int id);

  /**
   * The latest version of {@code subject} ({@code GET /subjects/{subject}/versions/latest}).
   *
   * @throws RestClientException 404/40401 unknown subject
   */
  RegisteredSchema latest(String subject);

  /**
   * One version of {@code subject} ({@code GET /subjects/{subject}/versions/{version}}).
   *
   * @throws RestClientException 404/40401 unknown subject, 404/40402 unknown version
   */
  RegisteredSchema version(String subject, int version);

  /** The versions of {@code subject}, ascending ({@code GET /subjects/{subject}/versions}); 40401 if unknown. */
  List<Integer> versions(String subject);

  /** All subjects ({@code GET /subjects}). */
  List<String> subjects();

  /**
   * Whether {@code schema} could be registered under {@code subject} now
   * ({@code POST /compatibility/subjects/{subject}/versions/latest}): true for a subject without versions.
   */
  boolean isCompatible(String subject, Schema schema);

  /** The global compatibility level ({@code GET /config}). */
  CompatibilityLevel globalCompatibility();

  /** Sets the global compatibility level ({@code PUT /config}). */
  void setGlobalCompatibility(CompatibilityLevel level);

  /**
   * The compatibility level in force for {@code subject}: its own if configured, else the global one
   * ({@code GET /config/{subject}?defaultToGlobal=true}).
   */
  CompatibilityLevel compatibility(String subject);

  /** Sets the subject-level compatibility ({@code PUT /config/{subject}}). */
  void setCompatibility(String subject, CompatibilityLevel level);
}
