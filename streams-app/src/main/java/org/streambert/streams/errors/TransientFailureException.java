package org.streambert.streams.errors;

import org.apache.kafka.common.errors.RetriableException;
import org.streambert.schemas.AvroSerdeException;
import org.tensorflow.exceptions.TFResourceExhaustedException;

/**
 * A failure that says nothing about the record: the registry is unreachable, TensorFlow ran out of memory, a store or
 * producer call failed. It is never dead-lettered: the processing exception handler fails the task, so that under
 * exactly_once_v2 the transaction aborts and the replaced stream thread retries the same records after a backoff.
 */
public final class TransientFailureException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public TransientFailureException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * Whether retrying later may succeed: this type, a transient {@link AvroSerdeException} (registry unavailable), a
   * Kafka {@link RetriableException}, TensorFlow's resource exhaustion or an {@link OutOfMemoryError}, anywhere in
   * the cause chain.
   */
  public static boolean isTransient(Throwable failure) {
    int depth = 0;
    for (Throwable t = failure; t != null && depth < 16; t = t.getCause(), depth++) {
      if (t instanceof TransientFailureException || t instanceof RetriableException
          || t instanceof TFResourceExhaustedException || t instanceof OutOfMemoryError
          || t instanceof AvroSerdeException a && a.reason().isTransient()) {
        return true;
      }
    }
    return false;
  }
}
