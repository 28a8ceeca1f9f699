package org.streambert.schemas;

import org.apache.kafka.common.errors.SerializationException;

/**
 * Why an Avro record could not be serialized or deserialized, with the topic, subject and schema id involved.
 * A Kafka {@link SerializationException}, so Kafka Streams hands it to the deserialization exception handler; such a
 * handler should fail rather than dead-letter a record when {@link Reason#isTransient()} (the registry was down, the
 * record itself may be fine).
 */
public class AvroSerdeException extends SerializationException {
  private static final long serialVersionUID = 1L;

  /** Schema id value used when no id is involved or known. */
  public static final int NO_SCHEMA_ID = -1;

  /** The case that failed. */
  public enum Reason {
    /** Deserializer: a zero-length payload (null is a tombstone and deserializes to null instead). */
    EMPTY_PAYLOAD(false),
    /** Deserializer: byte 0 is not the Confluent magic byte 0. */
    UNKNOWN_MAGIC_BYTE(false),
    /** Deserializer: the payload ends inside the 5-byte header or inside the Avro body. */
    TRUNCATED_PAYLOAD(false),
    /** Deserializer: the Avro body does not decode with the writer schema (or has trailing bytes). */
    MALFORMED_PAYLOAD(false),
    /**
     * Deserializer: the payload declares a string, bytes value or collection count over the configured limits
     * ({@code avro.limits.*}), checked before anything is allocated for it.
     */
    LIMIT_EXCEEDED(false),
    /** Deserializer: the registry does not know the payload's schema id (40403). */
    UNKNOWN_SCHEMA_ID(false),
    /** Deserializer: the reader schema cannot resolve the writer schema, or no reader class exists for it. */
    UNRESOLVABLE_WRITER_SCHEMA(false),
    /** Serializer: the registry refused the record's schema as incompatible (409/40901) or invalid (42201). */
    SCHEMA_REFUSED(false),
    /** Serializer with auto.register.schemas=false: the record's schema is not registered under the subject. */
    SCHEMA_NOT_REGISTERED(false),
    /** Serializer with use.latest.version=true: the subject's latest schema cannot read the record. */
    INCOMPATIBLE_WITH_LATEST(false),
    /** Serializer: the record does not match its own schema (e.g. null in a non-null field). */
    INVALID_RECORD(false),
    /** The registry could not be reached or answered 5xx after retries. */
    REGISTRY_UNAVAILABLE(true),
    /** The registry answered another, unexpected error. */
    REGISTRY_ERROR(false);

    private final boolean isTransient;

    Reason(boolean isTransient) {
      this.isTransient = isTransient;
    }

    /** Whether retrying the same record later may succeed. */
    public boolean isTransient() {
      return isTransient;
    }
  }

  private final Reason reason;
  private final String topic;
  private final String subject;
  private final int schemaId;

  /**
   * @param schemaId the schema id involved, or {@link #NO_SCHEMA_ID}
   */
  public AvroSerdeException(Reason reason, String topic, String subject, int schemaId, String detail,
      Throwable cause) {
    super(reason + " (topic '" + topic + "', subject '" + subject + "'"
        + (schemaId == NO_SCHEMA_ID ? "" : ", schema id " + schemaId) + "): " + detail, cause);
    this.reason = reason;
    this.topic = topic;
    this.subject = subject;
    this.schemaId = schemaId;
  }

  public Reason reason() {
    return reason;
  }

  public String topic() {
    return topic;
  }

  public String subject() {
    return subject;
  }

  /** The schema id involved, or {@link #NO_SCHEMA_ID}. */
  public int schemaId() {
    return schemaId;
  }
}
