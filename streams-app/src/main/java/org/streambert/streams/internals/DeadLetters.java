package org.streambert.streams.internals;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Count of records sent to the dead-letter topic, per application id. Static because Kafka Streams creates the
 * exception handlers by reflection, so they cannot be handed an object; the metrics read it from here.
 */
public final class DeadLetters {

  private static final Map<String, AtomicLong> COUNTS = new ConcurrentHashMap<>();

  private DeadLetters() {
  }

  public static AtomicLong counter(String applicationId) {
    return COUNTS.computeIfAbsent(String.valueOf(applicationId), id -> new AtomicLong());
  }
}
