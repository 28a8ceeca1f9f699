package org.streambert.streams.dsl.internals;

import java.util.Map;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.streams.ops.NlpMetrics;
import org.streambert.streams.processor.internals.BatchInferProcessor;
import org.streambert.streams.processor.internals.BatchOptions;
import org.streambert.streams.processor.internals.CheckpointProcessor;
import org.streambert.streams.processor.internals.PendingRecord;
import org.streambert.streams.rollout.CheckpointListener;
import org.streambert.streams.serving.ModelHolder;

/**
 * The one implementation of the NLP step, as the parts a topology is assembled from: the changelogged pending store
 * (sequence number → {@link PendingRecord}), the {@link BatchInferProcessor} over it (punctuation, token-budget
 * batching within the transaction, dead letters, labelling requests), and the checkpoint global store with its
 * {@link CheckpointProcessor} feeding the rollout. The standalone program wires them under its historical names; a DSL
 * step wires them under its own prefix and routes the batch processor's outputs to its own nodes ({@link
 * #batchProcessor(ModelHolder, BatchOptions, Map, NlpMetrics)}).
 */
public final class BatchStage {

  /** The batch processor's output children, by the name it forwards to. */
  public static final String ENRICHED = BatchInferProcessor.OUTPUT_SINK;
  public static final String DEAD_LETTERS = BatchInferProcessor.DLQ_SINK;
  public static final String LABELLING = BatchInferProcessor.LABELING_SINK;
  public static final String EMBEDDINGS = BatchInferProcessor.EMBEDDINGS_SINK;

  private BatchStage() {
  }

  /** The pending store: changelogged, no caching (a batch's deletions must commit with its outputs). */
  public static StoreBuilder<KeyValueStore<Long, PendingRecord>> pendingStore(String name) {
    return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.Long(), PendingRecord.serde())
        .withCachingDisabled();
  }

  /** The batch processor, forwarding to the children its constants name (the program's sinks). */
  public static ProcessorSupplier<byte[], PendingRecord, byte[], Object> batchProcessor(ModelHolder models,
      BatchOptions options) {
    return () -> new BatchInferProcessor(models, options);
  }

  /**
   * The batch processor of a step: what it forwards to {@link #ENRICHED}, {@link #DEAD_LETTERS}, {@link #LABELLING}
   * or {@link #EMBEDDINGS} goes to the child {@code children} maps that name to (dropped when unmapped), and its
   * metrics go to {@code metrics} (null: the application's, from the Streams configuration).
   */
  public static ProcessorSupplier<byte[], PendingRecord, byte[], Object> batchProcessor(ModelHolder models,
      BatchOptions options, Map<String, String> children, NlpMetrics metrics) {
    Map<String, String> routes = Map.copyOf(children);
    return () -> new RoutedProcessor<>(new BatchInferProcessor(models, options), routes, metrics);
  }

  /** The checkpoint global store (in memory, not logged: the compacted topic is its log). */
  public static StoreBuilder<KeyValueStore<String, ModelCheckpoint>> checkpointStore(String name,
      Serde<ModelCheckpoint> serde) {
    return Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), Serdes.String(), serde)
        .withLoggingDisabled();
  }

  /** The processor of the checkpoint global store (values arrive as bytes: see {@link CheckpointProcessor}). */
  public static ProcessorSupplier<String, byte[], Void, Void> checkpointProcessor(String storeName, String modelName,
      CheckpointListener listener, String topic, Deserializer<ModelCheckpoint> decoder) {
    return () -> new CheckpointProcessor(storeName, modelName, listener, topic, decoder);
  }
}
