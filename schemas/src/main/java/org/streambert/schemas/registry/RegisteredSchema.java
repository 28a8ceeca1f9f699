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
  public RegisteredSchema {
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(schema, "schema");
  }
}
