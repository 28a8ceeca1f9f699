package org.streambert.schemas.registry;

/**
 * An error answer of the Schema Registry (or of the in-memory {@code mock://} registry, which raises the same codes),
 * carrying the HTTP status and Confluent's error code from the {@code {"error_code":..,"message":..}} body.
 * Unchecked, unlike Confluent's, so that registry calls compose with lambdas; an unreachable registry surfaces as
 * {@link java.io.UncheckedIOException} instead (after the configured retries).
 */
public class RestClientException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Malformed request JSON (Confluent's rest-utils answers a JSON parse error with 400 and error code 400). */
  public static final int MALFORMED_REQUEST = 400;
  /** Unknown REST endpoint. */
  public static final int ENDPOINT_NOT_FOUND = 404;
  /** Subject not found. */
  public static final int SUBJECT_NOT_FOUND = 40401;
  /** Version not found in the subject. */
  public static final int VERSION_NOT_FOUND = 40402;
  /** Schema (id, or schema under a subject) not found. */
  public static final int SCHEMA_NOT_FOUND = 40403;
  /** Subject has no subject-level compatibility configured (GET /config/{subject} without defaultToGlobal). */
  public static final int SUBJECT_COMPATIBILITY_NOT_CONFIGURED = 40408;
  /** Schema incompatible with earlier versions under the subject's compatibility level (HTTP 409). */
  public static final int INCOMPATIBLE_SCHEMA = 40901;
  /** Invalid (unparseable or unsupported) schema (HTTP 422). */
  public static final int INVALID_SCHEMA = 42201;
  /** Invalid version, neither a positive integer, -1 nor "latest" (HTTP 422). */
  public static final int INVALID_VERSION = 42202;
  /** Invalid compatibility level (HTTP 422). */
  public static final int INVALID_COMPATIBILITY_LEVEL = 42203;
  /** Error in the registry's backend store (HTTP 500). */
  public static final int STORE_ERROR = 50001;
  /** The client could not parse the registry's error body (Confluent's client uses 50005 for this). */
  public static final int UNPARSEABLE_RESPONSE = 50005;

  private final String registryMessage;
  private final int status;
  private final int errorCode;

  public RestClientException(String message, int status, int errorCode) {
    super(message + " (HTTP " + status + ", error code " + errorCode + ")");
    this.registryMessage = message;
    this.status = status;
    this.errorCode = errorCode;
  }

  /** The HTTP status, e.g. 404. */
  public int status() {
    return status;
  }

  /** Confluent's error code, e.g. 40401. */
  public int errorCode() {
    return errorCode;
  }

  /** The message as the registry sent it, without the status suffix. */
  public String registryMessage() {
    return registryMessage;
  }
}
