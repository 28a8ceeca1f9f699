package org.streambert.streams.ops;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs every state restoration of this instance: a store partition restored from its changelog (the pending store of
 * a task that moved here, the checkpoint store at start), with the records it replayed and the time it took, so that
 * an operator sees what a takeover cost (with standby replicas a moved task restores only what its standby lacked).
 * Thread-safe: Kafka Streams calls it from its restoring threads.
 */
public final class RestoreLog implements StateRestoreListener {

  private static final Logger LOG = LoggerFactory.getLogger(RestoreLog.class);

  private final Map<TopicPartition, Long> startedNanos = new ConcurrentHashMap<>();

  @Override
  public void onRestoreStart(TopicPartition partition, String store, long startOffset, long endOffset) {
    startedNanos.put(partition, System.nanoTime());
    LOG.debug("restoring store {} from {} offsets {} to {}", store, partition, startOffset, endOffset);
  }

  @Override
  public void onBatchRestored(TopicPartition partition, String store, long batchEndOffset, long numRestored) {
    // per batch: nothing; the end says it all
  }

  @Override
  public void onRestoreEnd(TopicPartition partition, String store, long totalRestored) {
    Long started = startedNanos.remove(partition);
    LOG.info("restored store {} from {}: {} records in {} ms", store, partition, totalRestored,
        started == null ? -1 : (System.nanoTime() - started) / 1_000_000);
  }

  @Override
  public void onRestoreSuspended(TopicPartition partition, String store, long totalRestored) {
    startedNanos.remove(partition);
    LOG.info("restoring store {} from {} suspended after {} records (the task moved on)", store, partition,
        totalRestored);
  }
}
