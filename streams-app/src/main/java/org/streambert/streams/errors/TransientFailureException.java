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

  /**
   * Rethrows {@code failure} as a {@link TransientFailureException} if a retry may survive it (see
   * {@link #isTransient}), so that the task fails and its transaction aborts instead of the records being
   * dead-lettered for a fault that says nothing about them; returns normally otherwise.
   *
   * @param what what failed, for the message (e.g. "inference")
   */
  public static void rethrowIfTransient(RuntimeException failure, String what) {
    if (isTransient(failure)) {
      throw failure instanceof TransientFailureException t ? t
          : new TransientFailureException(what + " failed transiently: " + failure, failure);
    }
  }
}
