package org.streambert.streams.dsl.internals;

import java.util.Map;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.streams.ops.NlpMetrics;
import org.streambert.streams.processor.internals.BatchOptions;
import org.streambert.streams.processor.internals.PendingRecord;
import org.streambert.streams.rollout.CheckpointListener;
import org.streambert.streams.serving.ModelHolder;

/**
 * The NLP step wired into a {@link StreamsBuilder}: the pending store and the batch node behind a stream of validated
 * records, and the checkpoint global store feeding the rollout. The one assembly of {@link BatchStage}'s parts, used
 * by the library's {@code NlpStep} (under the user's prefix) and by the program's {@code NlpTopology} (under its
 * historical names); each adds its own input validation before and its own children after the batch node.
 */
public final class StepGraph {

  /**
   * The names of one step's parts.
   *
   * @param batch            the batch node
   * @param pendingStore     the changelogged pending store
   * @param checkpointStore  the checkpoint global store
   * @param checkpointSource the name of the global store's source ({@code Consumed.withName})
   * @param checkpointsTopic the compacted checkpoint topic
   * @param modelName        the model whose checkpoint events the store hands to the rollout
   */
  public record Names(String batch, String pendingStore, String checkpointStore, String checkpointSource,
      String checkpointsTopic, String modelName) {
  }

  private StepGraph() {
  }

  /**
   * Adds the step behind {@code validated}.
   *
   * @param routes  where the batch node's outputs go ({@link BatchStage#batchProcessor(ModelHolder, BatchOptions,
   *                Map, NlpMetrics)}), or null to forward to children named as its constants (the program's sinks)
   * @param metrics the step's metrics, or null for the application's
   * @return the batch node's stream: add its children under the names it forwards to
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static KStream<byte[], Object> attach(StreamsBuilder builder, KStream<byte[], PendingRecord> validated,
      Names names, ModelHolder models, BatchOptions options, Map<String, String> routes, NlpMetrics metrics,
      CheckpointListener checkpoints, Serde<ModelCheckpoint> checkpointSerde) {
    builder.addGlobalStore(BatchStage.checkpointStore(names.checkpointStore(), checkpointSerde),
        names.checkpointsTopic(), Consumed.with(Serdes.String(), Serdes.ByteArray())
            .withName(names.checkpointSource()),
        BatchStage.checkpointProcessor(names.checkpointStore(), names.modelName(), checkpoints,
            names.checkpointsTopic(), checkpointSerde.deserializer()));
    builder.addStateStore(BatchStage.pendingStore(names.pendingStore()));
    ProcessorSupplier<byte[], PendingRecord, byte[], Object> batch = routes == null
        ? BatchStage.batchProcessor(models, options)
        : BatchStage.batchProcessor(models, options, routes, metrics);
    return validated.process(batch, Named.as(names.batch()), names.pendingStore());
  }
}
