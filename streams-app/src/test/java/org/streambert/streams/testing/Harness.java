package org.streambert.streams.testing;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.streambert.schemas.SpecificAvroSerde;
import org.streambert.schemas.avro.EnrichedText;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.avro.TextRecord;
import org.streambert.schemas.avro.TrainingExample;
import org.streambert.streams.NlpConfig;
import org.streambert.streams.NlpSerdes;
import org.streambert.streams.NlpTopology;
import org.streambert.streams.ops.NlpMetrics;
import org.streambert.streams.rollout.CheckpointListener;
import org.streambert.streams.serving.ModelHolder;
import org.streambert.streams.serving.QaModel;
import org.streambert.streams.serving.ShadowScorer;

/** A TopologyTestDriver over {@link NlpTopology} with an in-memory schema registry and typed topics. */
public final class Harness implements AutoCloseable {

  public final NlpConfig config;
  public final ModelHolder models;
  public final NlpSerdes serdes;
  public final TopologyTestDriver driver;
  public final TestInputTopic<byte[], byte[]> input;
  public final TestOutputTopic<byte[], EnrichedText> output;
  public final TestOutputTopic<byte[], byte[]> dlq;
  public final TestInputTopic<String, ModelCheckpoint> checkpoints;
  /** The application's metrics, in a simple in-memory registry (read them with {@code metrics.registry()}). */
  public final NlpMetrics metrics = new NlpMetrics(new SimpleMeterRegistry());
  /** Labelling requests, or null when nlp.labeling.topic is not set. */
  public final TestOutputTopic<byte[], TrainingExample> labeling;

  public Harness(Path stateDir, Map<String, ?> overrides, CheckpointListener listener) {
    this(stateDir, overrides, listener, null);
  }

  public Harness(Path stateDir, Map<String, ?> overrides, CheckpointListener listener, ModelHolder holder) {
    this(stateDir, overrides, listener, holder, null);
  }

  /** With a question-answering model (owned by the caller). */
  public Harness(Path stateDir, Map<String, ?> overrides, CheckpointListener listener, ModelHolder holder,
      QaModel qa) {
    this(stateDir, overrides, listener, holder, qa, null);
  }

  /** With shadow scoring of candidates (the scorer is owned by the caller). */
  public Harness(Path stateDir, Map<String, ?> overrides, CheckpointListener listener, ModelHolder holder,
      QaModel qa, ShadowScorer shadow) {
    Map<String, Object> props = new HashMap<>();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "nlp-test-" + UUID.randomUUID());
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    props.put("schema.registry.url", "mock://" + UUID.randomUUID());
    // The driver's tests read the outputs right after each input: batches run on the stream thread unless a test
    // turns overlap on (OverlappedBatchTest does).
    props.put(NlpConfig.BATCH_OVERLAP_CONFIG, false);
    props.putAll(overrides);
    config = new NlpConfig(props);
    models = holder != null ? holder : new ModelHolder(config.modelName());
    serdes = NlpSerdes.fromConfig(config.serdeConfigs());
    Properties streamsProps = config.streamsProperties();
    metrics.bindModels(models);
    streamsProps.put(NlpMetrics.CONFIG_KEY, metrics);
    driver = new TopologyTestDriver(NlpTopology.build(config, new NlpTopology.Models(models, qa, shadow), listener, serdes), streamsProps);
    input = driver.createInputTopic(config.inputTopic(), new ByteArraySerializer(), new ByteArraySerializer());
    output = driver.createOutputTopic(config.outputTopic(), new ByteArrayDeserializer(),
        serdes.enrichedText().deserializer());
    dlq = driver.createOutputTopic(config.dlqTopic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    if (config.labelingTopic().isPresent()) {
      SpecificAvroSerde<TrainingExample> examples = new SpecificAvroSerde<>(TrainingExample.class);
      examples.configure(config.originalsMap(), false);
      labeling = driver.createOutputTopic(config.labelingTopic().get(), new ByteArrayDeserializer(),
          examples.deserializer());
    } else {
      labeling = null;
    }
    checkpoints = driver.createInputTopic(config.checkpointsTopic(), new StringSerializer(),
        serdes.checkpoint().serializer());
  }

  /** Avro wire bytes of a TextRecord. */
  public byte[] avro(String id, String text) {
    return serdes.textRecord().serializer().serialize(config.inputTopic(),
        TextRecord.newBuilder().setId(id).setText(text).setEventTime(Instant.ofEpochMilli(1000)).build());
  }

  /** Avro wire bytes of a TextRecord with metadata. */
  public byte[] avro(String id, String text, Map<String, String> metadata) {
    return serdes.textRecord().serializer().serialize(config.inputTopic(),
        TextRecord.newBuilder().setId(id).setText(text).setMetadata(metadata)
            .setEventTime(Instant.ofEpochMilli(1000)).build());
  }

  /** Pipes an Avro TextRecord keyed by its id. */
  public void send(String id, String text) {
    input.pipeInput(id.getBytes(StandardCharsets.UTF_8), avro(id, text));
  }

  /** Records in the pending store now (waiting for a batch, or in one whose results were not forwarded yet). */
  public long pendingRecords() {
    var store = driver.getKeyValueStore(NlpTopology.PENDING_STORE);
    long n = 0;
    try (var it = store.all()) {
      while (it.hasNext()) {
        it.next();
        n++;
      }
    }
    return n;
  }

  public static String key(TestRecord<byte[], ?> r) {
    return r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
  }

  public static String header(TestRecord<?, ?> r, String name) {
    Header h = r.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    driver.close();
    models.close();
  }
}
