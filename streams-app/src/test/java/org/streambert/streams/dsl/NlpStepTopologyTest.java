package org.streambert.streams.dsl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.streams.NlpSerdes;
import org.streambert.streams.errors.RejectedRecordException;
import org.streambert.streams.serving.ModelHolder;
import org.streambert.streams.testing.TestModels;
import org.streambert.streams.testing.TestModels.RuleForwardPass;

/**
 * The DSL step inside a user's own topology, driven by TopologyTestDriver: the user's key and value type (a ticket
 * with its own serde), the result function, the dead letters, two steps in one topology, the pending store while no
 * model serves. The model is {@link TestModels}' rule ("good" → pos 0.9, alice/bob → PER, "boom" throws).
 */
class NlpStepTopologyTest {

  /** The user's own value type. */
  record Ticket(String customer, String body) {
  }

  /** The user's own serde: "customer|body" in UTF-8. */
  static final Serde<Ticket> TICKETS = Serdes.serdeFrom(
      (Serializer<Ticket>) (topic, t) -> t == null ? null
          : (t.customer() + "|" + t.body()).getBytes(StandardCharsets.UTF_8),
      (Deserializer<Ticket>) (topic, b) -> {
        if (b == null) {
          return null;
        }
        String s = new String(b, StandardCharsets.UTF_8);
        int bar = s.indexOf('|');
        return new Ticket(s.substring(0, bar), s.substring(bar + 1));
      });

  @TempDir
  Path dir;

  private final Serde<ModelCheckpoint> checkpoints =
      NlpSerdes.fromConfig(Map.of("schema.registry.url", "mock://step-test")).checkpoint();
  private final ModelHolder holder = new ModelHolder("bert-nlp");
  private final RuleForwardPass pass = RuleForwardPass.standard();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private TopologyTestDriver driver;

  @AfterEach
  void close() {
    if (driver != null) {
      driver.close();
    }
    holder.close();
  }

  private NlpStep<Long, Ticket, String> step(String name, NlpStepOptions options, ModelHolder models) {
    return NlpStep.<Long, Ticket>builder(name)
        .serdes(Serdes.Long(), TICKETS)
        .text(Ticket::body)
        .options(options)
        .checkpointSerde(checkpoints)
        .models(models, cp -> { })
        .metrics(registry)
        .build((ticket, e) -> ticket.customer() + ":" + e.label() + ":" + e.entities().stream()
            .map(x -> x.type() + "=" + x.text() + "@" + x.start()).toList());
  }

  private Properties props() {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, "step-test");
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    p.put(StreamsConfig.STATE_DIR_CONFIG, dir.toString());
    return p;
  }

  /** tickets → step → enriched-tickets (+ ticket-dlq). */
  private TestInputTopic<Long, Ticket> start(NlpStep<Long, Ticket, String> step) {
    StreamsBuilder builder = new StreamsBuilder();
    KStream<Long, Ticket> tickets = builder.stream("tickets", Consumed.with(Serdes.Long(), TICKETS));
    NlpStepResult<Long, Ticket, String> r = step.apply(builder, tickets);
    r.enriched().to("enriched-tickets", Produced.with(Serdes.Long(), Serdes.String()));
    r.deadLetters().to("ticket-dlq", Produced.with(Serdes.Long(), TICKETS));
    driver = new TopologyTestDriver(builder.build(), props());
    return driver.createInputTopic("tickets", Serdes.Long().serializer(), TICKETS.serializer());
  }

  private TestOutputTopic<Long, String> enriched() {
    return driver.createOutputTopic("enriched-tickets", Serdes.Long().deserializer(), Serdes.String().deserializer());
  }

  private TestOutputTopic<Long, Ticket> deadLetters() {
    return driver.createOutputTopic("ticket-dlq", Serdes.Long().deserializer(), TICKETS.deserializer());
  }

  /** Synchronous batches: the driver reads the outputs right after each input (overlap has its own tests). */
  private static NlpStepOptions batchOf(int size) {
    return NlpStepOptions.defaults().withBatch(size, Duration.ofMillis(100), 16_384).withBatchOverlap(false);
  }

  @Test
  void shouldEnrichTheUsersValueUnderItsOwnKeyInInputOrder() {
    holder.swap(TestModels.serving("1", pass));
    TestInputTopic<Long, Ticket> in = start(step("sentiment", batchOf(3), holder));
    in.pipeInput(7L, new Ticket("ann", "good day alice"));
    in.pipeInput(8L, new Ticket("bo", "bad day"));
    assertTrue(enriched().isEmpty(), "a batch of 3 waits for its third record or its delay");
    in.pipeInput(7L, new Ticket("ann", "hello bob"));
    List<KeyValue<Long, String>> out = enriched().readKeyValuesToList();
    assertEquals(List.of(KeyValue.pair(7L, "ann:pos:[PER=alice@9]"), KeyValue.pair(8L, "bo:neg:[]"),
        KeyValue.pair(7L, "ann:neg:[PER=bob@6]")), out);
    assertEquals(List.of(3), pass.batchSizes, "one forward pass for the batch");
  }

  @Test
  void shouldFlushAPartialBatchWhenWallClockTimePassesItsDelay() {
    holder.swap(TestModels.serving("1", pass));
    TestInputTopic<Long, Ticket> in = start(step("sentiment", batchOf(10), holder));
    in.pipeInput(1L, new Ticket("ann", "good"));
    assertTrue(enriched().isEmpty());
    driver.advanceWallClockTime(Duration.ofMillis(150));
    assertEquals(List.of(KeyValue.pair(1L, "ann:pos:[]")), enriched().readKeyValuesToList());
  }

  @Test
  void shouldKeepRecordsInThePendingStoreWhileNoModelServesAndRunThemInOrderOnceOneDoes() {
    TestInputTopic<Long, Ticket> in = start(step("sentiment", batchOf(2), holder));
    in.pipeInput(1L, new Ticket("ann", "good day"));
    in.pipeInput(2L, new Ticket("bo", "bad day"));
    in.pipeInput(1L, new Ticket("ann", "hello"));
    driver.advanceWallClockTime(Duration.ofSeconds(5));
    assertTrue(enriched().isEmpty(), "nothing is output without a model");
    assertTrue(deadLetters().isEmpty(), "nothing is dead-lettered for want of a model");
    KeyValueStore<Long, Object> pending = driver.getKeyValueStore("sentiment-pending");
    assertEquals(3, pending.approximateNumEntries(), "the records wait in the step's pending store");

    holder.swap(TestModels.serving("1", pass));
    driver.advanceWallClockTime(Duration.ofMillis(150));
    assertEquals(List.of(KeyValue.pair(1L, "ann:pos:[]"), KeyValue.pair(2L, "bo:neg:[]"),
        KeyValue.pair(1L, "ann:neg:[]")), enriched().readKeyValuesToList());
    assertEquals(0, pending.approximateNumEntries());
  }

  @Test
  void shouldSendRecordsItCannotEnrichToTheDeadLettersAsTheyCameWithTheReason() {
    holder.swap(TestModels.serving("1", pass));
    TestInputTopic<Long, Ticket> in = start(step("sentiment", batchOf(1), holder));
    in.pipeInput(1L, new Ticket("ann", "   "));
    in.pipeInput(2L, new Ticket("bo", "boom"));
    in.pipeInput(3L, (Ticket) null);
    in.pipeInput(4L, new Ticket("cy", "good"));
    var dlq = deadLetters().readRecordsToList();
    assertEquals(List.of(1L, 2L, 3L), dlq.stream().map(r -> r.key()).toList());
    assertEquals(new Ticket("bo", "boom"), dlq.get(1).value(), "the user's value, as it came in");
    assertEquals(List.of("BLANK_TEXT", "INFERENCE_FAILED", "EMPTY_RECORD"),
        dlq.stream().map(r -> header(r.headers().lastHeader(RejectedRecordException.REASON_HEADER))).toList());
    assertEquals("tickets", header(dlq.get(1).headers().lastHeader("__streams.errors.topic")));
    assertEquals(List.of(KeyValue.pair(4L, "cy:pos:[]")), enriched().readKeyValuesToList());
    Counter blank = registry.find("nlp.records.dead.lettered").tags("reason", "BLANK_TEXT", "nlp_step", "sentiment")
        .counter();
    assertNotNull(blank, "the step's metrics carry its name as a tag");
    assertEquals(1.0, blank.count());
  }

  @Test
  void shouldDeadLetterTooLongTextsAndFailingTextFunctionsWithoutStoppingTheOthers() {
    holder.swap(TestModels.serving("1", pass));
    NlpStep<Long, Ticket, String> step = NlpStep.<Long, Ticket>builder("sentiment")
        .serdes(Serdes.Long(), TICKETS)
        .text(t -> {
          if (t.customer().equals("bug")) {
            throw new IllegalStateException("the user's text function failed");
          }
          return t.body();
        })
        .options(batchOf(1).withTextMaxChars(10)).checkpointSerde(checkpoints).models(holder, cp -> { })
        .build((t, e) -> e.label());
    TestInputTopic<Long, Ticket> in = start(step);
    in.pipeInput(1L, new Ticket("ann", "good good good"));
    in.pipeInput(2L, new Ticket("bug", "good"));
    in.pipeInput(3L, new Ticket("cy", "good"));
    var dlq = deadLetters().readRecordsToList();
    assertEquals(List.of("TEXT_TOO_LONG", "PROCESSING_FAILED"),
        dlq.stream().map(r -> header(r.headers().lastHeader(RejectedRecordException.REASON_HEADER))).toList());
    assertTrue(header(dlq.get(1).headers().lastHeader("__streams.errors.message")).contains("text function failed"));
    assertEquals(List.of(KeyValue.pair(3L, "pos")), enriched().readKeyValuesToList());
  }

  @Test
  void shouldAskForLabelsOfUnsureTextsAndCarryTheEmbeddingWhenAsked() {
    holder.swap(TestModels.serving("1", pass));
    // "hello": neg 0.8 against pos 0.2, a margin of 0.6 under 0.7; "good": 0.9 against 0.1 is sure enough.
    NlpStepOptions options = batchOf(1).withLabelling(0.7, 0.0, 0.0, 1.0).withEmbeddings(true);
    NlpStep<Long, Ticket, String> step = NlpStep.<Long, Ticket>builder("sentiment")
        .serdes(Serdes.Long(), TICKETS).text(Ticket::body).options(options).checkpointSerde(checkpoints)
        .models(holder, cp -> { })
        .build((ticket, e) -> e.label() + ":" + (e.embedding() == null ? "none" : e.embedding().size()));
    StreamsBuilder builder = new StreamsBuilder();
    NlpStepResult<Long, Ticket, String> r = step.apply(builder,
        builder.stream("tickets", Consumed.with(Serdes.Long(), TICKETS)));
    r.enriched().to("enriched-tickets", Produced.with(Serdes.Long(), Serdes.String()));
    r.labellingRequests().mapValues(example -> example.getText(), Named.as("example-text"))
        .to("label-me", Produced.with(Serdes.String(), Serdes.String()));
    driver = new TopologyTestDriver(builder.build(), props());
    TestInputTopic<Long, Ticket> in = driver.createInputTopic("tickets", Serdes.Long().serializer(),
        TICKETS.serializer());
    in.pipeInput(1L, new Ticket("ann", "good day"));
    in.pipeInput(2L, new Ticket("bo", "hello"));
    assertEquals(List.of("pos:4", "neg:4"), enriched().readValuesToList(), "the rule model's 4-wide pooled vector");
    assertEquals(List.of("hello"), driver.createOutputTopic("label-me", Serdes.String().deserializer(),
        Serdes.String().deserializer()).readValuesToList());
  }

  @Test
  void shouldRunTwoStepsWithTheirOwnModelsAndNamesInOneTopology() {
    RuleForwardPass flipped = new RuleForwardPass(TestModels.VOCAB, true);
    holder.swap(TestModels.serving("1", pass));
    ModelHolder other = new ModelHolder("other");
    other.swap(TestModels.serving("7", flipped));
    NlpStep<Long, Ticket, String> first = step("sentiment", batchOf(1), holder);
    NlpStep<Long, Ticket, String> second = step("flipped", batchOf(1).withModelName("other")
        .withCheckpointsTopic("other-checkpoints"), other);
    StreamsBuilder builder = new StreamsBuilder();
    KStream<Long, Ticket> tickets = builder.stream("tickets", Consumed.with(Serdes.Long(), TICKETS));
    first.apply(builder, tickets).enriched().to("a", Produced.with(Serdes.Long(), Serdes.String()));
    second.apply(builder, tickets).enriched().to("b", Produced.with(Serdes.Long(), Serdes.String()));
    Topology topology = builder.build();
    String description = topology.describe().toString();
    for (String node : List.of("sentiment-batch", "flipped-batch", "sentiment-pending", "flipped-pending",
        "sentiment-checkpoints", "flipped-checkpoints")) {
      assertTrue(description.contains(node), node + " in\n" + description);
    }
    driver = new TopologyTestDriver(topology, props());
    driver.createInputTopic("tickets", Serdes.Long().serializer(), TICKETS.serializer())
        .pipeInput(5L, new Ticket("ann", "good day"));
    assertEquals("ann:pos:[]", driver.createOutputTopic("a", Serdes.Long().deserializer(),
        Serdes.String().deserializer()).readValue());
    assertEquals("ann:neg:[]", driver.createOutputTopic("b", Serdes.Long().deserializer(),
        Serdes.String().deserializer()).readValue());
    other.close();
  }

  @Test
  void shouldRefuseAStepWithoutModelSourceABadNameOrASecondTopology() {
    assertThrows(IllegalArgumentException.class, () -> NlpStep.builder("has space"));
    assertThrows(IllegalStateException.class, () -> NlpStep.<Long, Ticket>builder("s").serdes(Serdes.Long(), TICKETS)
        .text(Ticket::body).checkpointSerde(checkpoints).build((t, e) -> t));
    NlpStep<Long, Ticket, String> s = step("sentiment", batchOf(1), holder);
    StreamsBuilder builder = new StreamsBuilder();
    s.apply(builder, builder.stream("tickets", Consumed.with(Serdes.Long(), TICKETS)));
    StreamsBuilder another = new StreamsBuilder();
    assertThrows(IllegalStateException.class,
        () -> s.apply(another, another.stream("tickets", Consumed.with(Serdes.Long(), TICKETS))));
  }

  private static String header(Header h) {
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }
}
