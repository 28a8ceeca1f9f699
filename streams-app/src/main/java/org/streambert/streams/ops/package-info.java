/**
 * Running the app in production: the HTTP endpoint ({@code /health}, {@code /ready}, {@code /metrics}), the meter
 * registries and {@link org.streambert.streams.ops.NlpMetrics} (the one facade processors, handlers and rollout
 * record to), the stream threads' supervisor, the rollout-status producer, TensorFlow's native log level and the log
 * line format.
 *
 * <p>May depend on {@code serving} (what serves), {@code rollout} (the status publisher's interface) and
 * {@code errors}; depended on by the API and {@code processor.internals}. A meter that belongs to a part (the
 * duplicate cache) is registered by that part in {@link org.streambert.streams.ops.NlpMetrics#registry()}, so this
 * package never reaches into the processor's machinery.
 */
package org.streambert.streams.ops;
