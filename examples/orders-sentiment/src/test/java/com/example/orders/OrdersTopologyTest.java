package com.example.orders;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.streams.dsl.NlpStep;
import org.streambert.streams.dsl.NlpStepOptions;
import org.streambert.streams.testkit.CheckpointPublisher;
import org.streambert.streams.testkit.FakeBert;

/** The shop's topology with the NLP step under TopologyTestDriver, with the test kit's fake model. */
class OrdersTopologyTest {

  @TempDir
  Path dir;

  private final FakeBert model = FakeBert.builder("sentiment")
      .label("neg", "broken", "late", "refund").label("pos", "great", "love")
      .entity("PRODUCT", "kettle", "toaster").build();
  private final Serde<ModelCheckpoint> checkpointSerde = CheckpointPublisher.checkpointSerde();
  private NlpStep<String, Order, ScoredOrder> sentiment;
  private TopologyTestDriver driver;
  private TestInputTopic<String, Order> orders;
  private TestOutputTopic<String, ScoredOrder> scored;
  private TestOutputTopic<String, Long> unhappy;
  private CheckpointPublisher checkpoints;

  @BeforeEach
  void start() {
    sentiment = OrdersTopology.sentimentStep()
        .options(NlpStepOptions.defaults().withModelName("sentiment").withBatch(8, Duration.ofMillis(100), 4096))
        .checkpointSerde(checkpointSerde)
        .rollout(FakeBert.loader(), dir.resolve("models"))
        .build(OrdersTopology::score);
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "orders");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("state").toString());
    driver = new TopologyTestDriver(OrdersTopology.build(sentiment), props);
    orders = driver.createInputTopic(OrdersTopology.ORDERS, Serdes.String().serializer(),
        OrdersTopology.ORDER_SERDE.serializer());
    scored = driver.createOutputTopic(OrdersTopology.SCORED, Serdes.String().deserializer(),
        OrdersTopology.SCORED_SERDE.deserializer());
    unhappy = driver.createOutputTopic(OrdersTopology.UNHAPPY_COUNTS, Serdes.String().deserializer(),
        Serdes.Long().deserializer());
    checkpoints = new CheckpointPublisher(driver, sentiment, checkpointSerde, dir.resolve("bundles"));
  }

  @AfterEach
  void stop() {
    driver.close();
    sentiment.close();
  }

  @Test
  void shouldScoreEachOrderAndCountUnhappyOrdersPerCustomer() throws Exception {
    assertEquals(Optional.of("1"), checkpoints.publish(model, "1"));
    Order late = new Order("o1", "c1", "Kettle came late", 25.0);
    orders.pipeInput("c1", late);
    orders.pipeInput("c2", new Order("o2", "c2", "love the toaster", 40.0));
    orders.pipeInput("c1", new Order("o3", "c1", "broken on arrival, refund please", 25.0));
    assertTrue(scored.isEmpty(), "the batch waits for more orders or its delay");

    driver.advanceWallClockTime(Duration.ofMillis(150));

    List<KeyValue<String, ScoredOrder>> out = scored.readKeyValuesToList();
    assertEquals(List.of("c1", "c2", "c1"), out.stream().map(kv -> kv.key).toList());
    assertEquals(new ScoredOrder(late, "neg", 0.9f, List.of("Kettle")), out.get(0).value);
    assertEquals(List.of("pos", "neg"), List.of(out.get(1).value.sentiment(), out.get(2).value.sentiment()));
    assertEquals(Map.of("c1", 2L), unhappy.readKeyValuesToMap());
  }

  @Test
  void shouldHoldOrdersUntilAModelIsServing() throws Exception {
    orders.pipeInput("c1", new Order("o1", "c1", "great kettle", 25.0));
    driver.advanceWallClockTime(Duration.ofSeconds(10));
    assertTrue(scored.isEmpty(), "no model yet: the order waits in the step's pending store");

    checkpoints.publish(model, "1");
    driver.advanceWallClockTime(Duration.ofMillis(150));
    assertEquals("pos", scored.readValue().sentiment());
  }
}
