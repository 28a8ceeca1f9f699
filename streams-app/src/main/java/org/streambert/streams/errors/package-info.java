/**
 * What can go wrong with a record, as types: {@link org.streambert.streams.errors.RejectedRecordException} with its
 * dead-letter {@link org.streambert.streams.errors.RejectedRecordException.Reason} (the values of header
 * {@code nlp.error.reason}) and {@link org.streambert.streams.errors.TransientFailureException} (a failure a retry may
 * survive: never dead-lettered).
 *
 * <p>The lowest package of the module: depends on {@code schemas}, Kafka and TensorFlow's exception types only; every
 * other package may depend on it.
 */
package org.streambert.streams.errors;
