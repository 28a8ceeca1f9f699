package org.streambert.schemas.registry;

import java.util.Objects;
import org.apache.avro.Schema;

/**
 * One version of a subject: the registry's answer to a lookup or a version fetch.
 *
 * @param subject the subject, e.g. {@code text-input-value}
 * @param version the subject-local version, starting at 1
 * @param id the registry-global schema id written into the Confluent wire format
 * @param schema the parsed Avro schema
 */
public record RegisteredSchema(String subject, int version, int id, Schema schema) {
  /** Confluent's HTTP status of an invalid schema. */
  private static final int HTTP_UNPROCESSABLE = 422;

  public RegisteredSchema {
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(schema, "schema");
  }

  /**
   * Parses a schema string as the registry does.
   *
   * @throws RestClientException 422/42201 if it is not a valid Avro schema
   */
  public static Schema parse(String schemaString) {
    if (schemaString == null || schemaString.isBlank()) {
      throw new RestClientException("Empty schema", HTTP_UNPROCESSABLE, RestClientException.INVALID_SCHEMA);
    }
    try {
      return new Schema.Parser().parse(schemaString);
    } catch (RuntimeException e) { // SchemaParseException mostly; any parser failure means an invalid schema
      throw new RestClientException("Invalid schema: " + e.getMessage(), HTTP_UNPROCESSABLE,
          RestClientException.INVALID_SCHEMA);
    }
  }

}
