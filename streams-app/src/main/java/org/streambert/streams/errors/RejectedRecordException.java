package org.streambert.streams.errors;

/**
 * A record this application will not process; its raw bytes go to the dead-letter topic with {@link #reason()} in
 * header {@value #REASON_HEADER}, beside Kafka's {@code __streams.errors.*} headers.
 */
public final class RejectedRecordException extends RuntimeException {

  /** Header of a dead-letter record with the machine-readable reason, one of {@link Reason}. */
  public static final String REASON_HEADER = "nlp.error.reason";

  /** Why a record went to the dead-letter topic (value of header {@code nlp.error.reason}). */
  public enum Reason {
    /** The deserializer could not decode the value (bad Avro, unknown schema id, malformed JSON). */
    UNDECODABLE,
    /** A null value (tombstone) where a text was expected. */
    EMPTY_RECORD,
    /** The text is empty or whitespace only. */
    BLANK_TEXT,
    /** The text has more code points than nlp.text.max.chars. */
    TEXT_TOO_LONG,
    /** Text mode: the value is not valid UTF-8. */
    INVALID_UTF8,
    /** Text mode: the value decodes but holds control characters other than tab and line breaks (binary data). */
    NOT_TEXT,
    /** The text runs in more windows than nlp.text.max.windows (policy dlq). */
    TOO_MANY_WINDOWS,
    /** Inference failed for this record even alone (after its batch failed). */
    INFERENCE_FAILED,
    /**
     * The model scored this record NaN or infinite (a class score, an entity score, the embedding or a QA answer):
     * never written as a result (issue 29).
     */
    NON_FINITE_SCORE,
    /** Any other exception while processing the record. */
    PROCESSING_FAILED
  }

  private final Reason reason;

  public RejectedRecordException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
