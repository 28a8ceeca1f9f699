package org.streambert.streams.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.streambert.bert.inference.PredictorConfig;
import org.streambert.bert.model.ForwardPass;
import org.streambert.bert.model.ForwardResult;
import org.streambert.streams.NlpSerdes;
import org.streambert.streams.dsl.NlpStep;
import org.streambert.streams.dsl.NlpStepOptions;
import org.streambert.streams.dsl.NlpStepResult;
import org.streambert.streams.serving.ModelHolder;
import org.streambert.streams.serving.ServingModel;
import org.streambert.streams.testing.TestModels;
import org.streambert.streams.testing.TestModels.RuleForwardPass;

/**
 * A user's application with the NLP step between two stateful operators of its own, run as a child JVM by
 * {@link StepExactlyOnceBrokerTest}: {@code step-in} → numbering (a per-key counter in a store: value becomes
 * {@code n|value}) → the step ({@link TestModels}' rule, each forward pass slowed down and marked by a file while it
 * runs) → {@code step-enriched} ({@code n|value|label}), and {@code count()} per key → {@code step-counts}.
 *
 * <p>Arguments: bootstrap servers, state directory, marker file (exists while a forward pass runs).
 */
public final class StepEosApp {

  static final String INPUT = "step-in";
  static final String ENRICHED = "step-enriched";
  static final String COUNTS = "step-counts";
  static final String CHECKPOINTS = "step-checkpoints";
  /** Forward-pass time per record: a batch of 8 takes ~120 ms, so a kill mostly lands inside one. */
  static final long SLEEP_MS_PER_RECORD = 15;

  private StepEosApp() {
  }

  public static void main(String[] args) throws Exception {
    String bootstrap = args[0];
    Path stateDir = Path.of(args[1]);
    Path marker = Path.of(args[2]);
    try (ModelHolder holder = new ModelHolder("bert-nlp")) {
      holder.swap(ServingModel.create("bert-nlp", "1", "sha-1", new TestModels.WhitespaceTokenizer(TestModels.VOCAB),
          new MarkedPass(RuleForwardPass.standard(), marker), TestModels.CLASS_HEAD, TestModels.TOKEN_HEAD,
          PredictorConfig.builder().maxLength(32).docStride(30).maxBatchSize(64).build()));
      NlpStep<String, String, String> step = NlpStep.<String, String>builder("sentiment")
          .serdes(Serdes.String(), Serdes.String())
          .text(v -> v.substring(v.indexOf('|') + 1))
          .options(NlpStepOptions.defaults().withCheckpointsTopic(CHECKPOINTS)
              .withBatch(8, Duration.ofMillis(50), 16_384))
          .checkpointSerde(NlpSerdes.fromConfig(Map.of("schema.registry.url", "mock://step-eos")).checkpoint())
          .models(holder, cp -> { })
          .build((v, e) -> v + "|" + e.label());
      Properties props = new Properties();
      props.put(StreamsConfig.APPLICATION_ID_CONFIG, "step-eos");
      props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
      props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
      props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 200);
      props.put("session.timeout.ms", "6000");
      props.put("heartbeat.interval.ms", "1500");
      try (KafkaStreams streams = new KafkaStreams(topology(step), props)) {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown));
        streams.setStateListener((now, before) -> {
          if (now == KafkaStreams.State.ERROR) {
            System.err.println("streams failed; exiting");
            stopped.countDown();
          }
        });
        streams.start();
        stopped.await();
        if (streams.state() == KafkaStreams.State.ERROR) {
          System.exit(1);
        }
      }
    }
  }

  static Topology topology(NlpStep<String, String, String> step) {
    StreamsBuilder builder = new StreamsBuilder();
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore("numbers"), Serdes.String(),
        Serdes.Long()));
    KStream<String, String> numbered = builder.stream(INPUT, Consumed.with(Serdes.String(), Serdes.String()))
        .processValues(Numbering::new, Named.as("numbering"), "numbers");
    NlpStepResult<String, String, String> result = step.apply(builder, numbered);
    result.enriched().to(ENRICHED, Produced.with(Serdes.String(), Serdes.String()));
    result.enriched().groupByKey(Grouped.with("by-key", Serdes.String(), Serdes.String()))
        .count(Materialized.<String, Long, KeyValueStore<Bytes, byte[]>>as("counts").withKeySerde(Serdes.String())
            .withValueSerde(Serdes.Long()))
        .toStream(Named.as("count-changes"))
        .to(COUNTS, Produced.with(Serdes.String(), Serdes.Long()));
    return builder.build();
  }

  /** The user's stateful operator before the step: numbers each key's records 1, 2, 3, ... */
  private static final class Numbering implements FixedKeyProcessor<String, String, String> {
    private FixedKeyProcessorContext<String, String> context;
    private KeyValueStore<String, Long> numbers;

    @Override
    public void init(FixedKeyProcessorContext<String, String> context) {
      this.context = context;
      this.numbers = context.getStateStore("numbers");
    }

    @Override
    public void process(FixedKeyRecord<String, String> record) {
      Long last = numbers.get(record.key());
      long n = last == null ? 1 : last + 1;
      numbers.put(record.key(), n);
      context.forward(record.withValue(n + "|" + record.value()));
    }
  }

  /** The rule forward pass, slowed down, with a marker file that exists while it runs. */
  private static final class MarkedPass implements ForwardPass {
    private final ForwardPass inner;
    private final Path marker;

    MarkedPass(ForwardPass inner, Path marker) {
      this.inner = inner;
      this.marker = marker;
    }

    @Override
    public ForwardResult run(int batch, int seqLen, int[] inputIds, int[] inputMask, int[] segmentIds) {
      try {
        Files.writeString(marker, "in batch");
        Thread.sleep(SLEEP_MS_PER_RECORD * batch);
        ForwardResult out = inner.run(batch, seqLen, inputIds, inputMask, segmentIds);
        Files.deleteIfExists(marker);
        return out;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public int hiddenSize() {
      return inner.hiddenSize();
    }

    @Override
    public int numClasses() {
      return inner.numClasses();
    }

    @Override
    public int numTokenLabels() {
      return inner.numTokenLabels();
    }

    @Override
    public void close() {
      inner.close();
    }
  }
}
