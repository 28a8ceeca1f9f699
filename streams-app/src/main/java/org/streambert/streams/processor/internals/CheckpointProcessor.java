package org.streambert.streams.processor.internals;

import java.util.List;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streambert.schemas.CheckpointKeys;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.streams.errors.TransientFailureException;
import org.streambert.streams.rollout.CheckpointListener;

/**
 * Maintains the global checkpoint store (model name → latest accepted PROMOTED ModelCheckpoint, model name +
 * {@link CheckpointKeys#CANDIDATE_SUFFIX} → latest accepted CANDIDATE/RETIRED one) on every instance and tells the
 * rollout about each event with its offset; only an event the rollout accepts replaces the stored one. On start it
 * hands the rollout the stored checkpoints of the followed model, or, where the store has none (the compacted topic
 * may have lost the accepted event to a replayed one), the event the rollout accepted last in an earlier run, so a
 * restarted instance loads the model it served before.
 *
 * <p>Kafka Streams 4.4 restores a global store added with {@code Topology.addGlobalStore} by running the topic's
 * records through a fresh instance of this processor (reprocessing on restore, KAFKA-7663), so a restart replays the
 * compacted topic from the beginning (the store is in memory) through the same checks as live events. A read-only
 * store (KIP-813's {@code addReadOnlyStateStore}) would be restored by copying bytes past the processor: keep this a
 * global store with its processor.
 *
 * <p>The global stream thread cannot be replaced, so no event may kill it: values arrive as bytes and are decoded
 * here. An undecodable event (bad bytes, unknown schema id, over the decode limits) is skipped — the stored
 * checkpoint and the serving model stay — and reported through {@link CheckpointListener#onUndecodable} (the
 * rollout publishes a {@code REFUSED} status). A transient failure (registry unreachable) is retried with a doubling
 * backoff for up to {@link #RETRY_FOR_MS}; only then does it escape and stop the global thread (and /health says so).
 */
public final class CheckpointProcessor implements Processor<String, byte[], Void, Void> {

  private static final Logger LOG = LoggerFactory.getLogger(CheckpointProcessor.class);
  /** How long a transient decode failure of one event is retried before the global thread gives up. */
  static final long RETRY_FOR_MS = 300_000;
  private static final long MAX_BACKOFF_MS = 30_000;

  private final String storeName;
  private final String modelName;
  private final CheckpointListener listener;
  private final Deserializer<ModelCheckpoint> decoder;
  private KeyValueStore<String, ModelCheckpoint> store;
  private ProcessorContext<Void, Void> context;
  private final String topic;

  /** @param decoder decodes the checkpoint topic's values (Confluent wire format) */
  public CheckpointProcessor(String storeName, String modelName, CheckpointListener listener, String topic,
      Deserializer<ModelCheckpoint> decoder) {
    this.storeName = storeName;
    this.modelName = modelName;
    this.listener = listener;
    this.topic = topic;
    this.decoder = decoder;
  }

  @Override
  public void init(ProcessorContext<Void, Void> context) {
    this.context = context;
    store = context.getStateStore(storeName);
    // The serving slot, then the candidate in shadow (or its retirement): both survive a restart.
    for (String key : List.of(modelName, CheckpointKeys.candidate(modelName))) {
      ModelCheckpoint stored = store.get(key);
      if (stored == null) {
        stored = listener.lastAccepted(key);
        if (stored != null) {
          store.put(key, stored);
        }
      }
      if (stored != null) {
        listener.onCheckpoint(stored);
      }
    }
  }

  @Override
  public void process(Record<String, byte[]> record) {
    ModelCheckpoint cp;
    try {
      cp = decode(record.value());
    } catch (TransientFailureException e) {
      throw e;
    } catch (RuntimeException e) {
      LOG.warn("skipping undecodable event on {} (key {}): {}; the serving model stays", topic, record.key(),
          e.toString());
      listener.onUndecodable(record.key(), e.toString());
      return;
    }
    String key = record.key() != null ? record.key() : cp == null ? null : cp.getModelName();
    if (key == null) {
      return;
    }
    if (cp == null) {
      store.delete(key);
      return;
    }
    RecordMetadata at = context.recordMetadata().orElse(null);
    if (listener.onArrival(cp, at == null ? -1 : at.partition(), at == null ? -1 : at.offset())) {
      store.put(key, cp);
    } // else: a forged, misplaced or replayed event does not replace the stored checkpoint a restart would load
  }

  /** Decodes, retrying transient failures with a doubling backoff for up to {@link #RETRY_FOR_MS}. */
  private ModelCheckpoint decode(byte[] value) {
    long giveUp = System.currentTimeMillis() + RETRY_FOR_MS;
    long backoff = 500;
    while (true) {
      try {
        return decoder.deserialize(topic, value);
      } catch (RuntimeException e) {
        if (!TransientFailureException.isTransient(e) || System.currentTimeMillis() + backoff > giveUp) {
          if (TransientFailureException.isTransient(e)) {
            throw new TransientFailureException("checkpoint event still undecodable after " + RETRY_FOR_MS
                + " ms: " + e.getMessage(), e);
          }
          throw e;
        }
        LOG.warn("checkpoint event cannot be decoded now ({}); retrying in {} ms", e.toString(), backoff);
        try {
          Thread.sleep(backoff);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw new TransientFailureException("interrupted while retrying a checkpoint event", e);
        }
        backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
      }
    }
  }
}
