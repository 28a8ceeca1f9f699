package org.streambert.streams.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.signing.SigningKey;
import org.streambert.schemas.signing.TrustedKeys;
import org.streambert.streams.dsl.NlpStep;
import org.streambert.streams.dsl.NlpStepOptions;
import org.streambert.streams.rollout.ModelSourcePolicy;

/** The kit as a user runs it: a String stream, the step with the fake model's rollout, checkpoints published. */
class FakeBertStepTest {

  @TempDir
  Path dir;

  private final FakeBert v1 = FakeBert.builder("reviews").label("neg", "bad", "broken").label("pos", "good")
      .entity("PRODUCT", "kettle").build();
  /** The same model with its keywords swapped: "good" now votes neg. */
  private final FakeBert v2 = FakeBert.builder("reviews").label("neg", "good").label("pos", "bad", "broken")
      .entity("PRODUCT", "kettle").build();
  private final Serde<ModelCheckpoint> serde = CheckpointPublisher.checkpointSerde();
  private NlpStep<String, String, String> step;
  private TopologyTestDriver driver;
  private TestInputTopic<String, String> in;
  private TestOutputTopic<String, String> out;
  private CheckpointPublisher checkpoints;

  @BeforeEach
  void start() {
    step = NlpStep.<String, String>builder("reviews")
        .serdes(Serdes.String(), Serdes.String())
        .text(v -> v)
        .options(NlpStepOptions.defaults().withModelName("reviews").withBatch(4, Duration.ofMillis(50), 4096))
        .checkpointSerde(serde)
        .rollout(FakeBert.loader(), dir.resolve("cache"))
        .build((text, e) -> e.modelVersion() + ":" + e.label() + ":" + e.entities().stream()
            .map(x -> x.type() + "@" + x.start() + "-" + x.end()).toList());
    StreamsBuilder builder = new StreamsBuilder();
    step.apply(builder, builder.stream("reviews", Consumed.with(Serdes.String(), Serdes.String())))
        .enriched().to("scored", Produced.with(Serdes.String(), Serdes.String()));
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "testkit-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("state").toString());
    driver = new TopologyTestDriver(builder.build(), props);
    in = driver.createInputTopic("reviews", Serdes.String().serializer(), Serdes.String().serializer());
    out = driver.createOutputTopic("scored", Serdes.String().deserializer(), Serdes.String().deserializer());
    checkpoints = new CheckpointPublisher(driver, step, serde, dir.resolve("bundles"));
  }

  @AfterEach
  void stop() {
    driver.close();
    step.close();
  }

  @Test
  void shouldEnrichByTheFakeModelsRulesOnceItsCheckpointIsPublished() throws Exception {
    assertEquals(Optional.of("1"), checkpoints.publish(v1, "1"));
    in.pipeInput("r1", "a good kettle");
    in.pipeInput("r2", "Broken again");
    assertTrue(out.isEmpty(), "a batch of 4 waits for its delay");
    driver.advanceWallClockTime(Duration.ofMillis(60));
    assertEquals(List.of(KeyValue.pair("r1", "1:pos:[PRODUCT@7-13]"), KeyValue.pair("r2", "1:neg:[]")),
        out.readKeyValuesToList());
  }

  @Test
  void shouldHoldRecordsUntilTheFirstCheckpointThenSwapToTheNextOne() throws Exception {
    in.pipeInput("r1", "good");
    driver.advanceWallClockTime(Duration.ofSeconds(1));
    assertTrue(out.isEmpty(), "no model yet: the record waits in the pending store");
    assertEquals(Optional.of("1"), checkpoints.publish(v1, "1"));
    driver.advanceWallClockTime(Duration.ofMillis(60));
    assertEquals("1:pos:[]", out.readValue());

    assertEquals(Optional.of("2"), checkpoints.publish(v2, "2"));
    in.pipeInput("r2", "good");
    driver.advanceWallClockTime(Duration.ofMillis(60));
    assertEquals("2:neg:[]", out.readValue(), "the swapped-in model's rules");
  }

  @Test
  void shouldKeepServingWhenAnEventIsRefused() throws Exception {
    checkpoints.publish(v1, "1");
    ModelCheckpoint tampered = ModelCheckpoint.newBuilder(v2.checkpoint(dir.resolve("b2"), "2"))
        .setManifestSha256("0".repeat(64)).build();
    assertEquals(Optional.of("1"), checkpoints.publish(tampered), "a bundle that fails its hash is refused");
    assertEquals(1, step.refusedCheckpoints());
    in.pipeInput("r1", "good");
    driver.advanceWallClockTime(Duration.ofMillis(60));
    assertEquals("1:pos:[]", out.readValue());
  }

  @Test
  void shouldServeOnlyEventsSignedByTheTrustedKeyWhenThePolicyTrustsOne() throws Exception {
    SigningKey key = CheckpointPublisher.signingKey(dir.resolve("keys"), "trainer-1");
    ModelSourcePolicy trusting = new ModelSourcePolicy(TrustedKeys.of(key), List.of(),
        ModelSourcePolicy.DEFAULT_MAX_BYTES, ModelSourcePolicy.DEFAULT_FETCH_TIMEOUT, true);
    stop();
    step = NlpStep.<String, String>builder("signed")
        .serdes(Serdes.String(), Serdes.String())
        .text(v -> v)
        .options(NlpStepOptions.defaults().withModelName("reviews").withBatch(1, Duration.ofMillis(50), 4096))
        .checkpointSerde(serde)
        .rollout(FakeBert.loader(), dir.resolve("signed-cache"))
        .policy(trusting)
        .build((text, e) -> e.modelVersion() + ":" + e.label());
    StreamsBuilder builder = new StreamsBuilder();
    step.apply(builder, builder.stream("reviews", Consumed.with(Serdes.String(), Serdes.String())))
        .enriched().to("scored", Produced.with(Serdes.String(), Serdes.String()));
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "testkit-signed");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("signed-state").toString());
    driver = new TopologyTestDriver(builder.build(), props);
    CheckpointPublisher publisher = new CheckpointPublisher(driver, step, serde, dir.resolve("signed-bundles"));

    assertEquals(Optional.empty(), publisher.publish(v1, "1"), "an unsigned event is refused");
    assertEquals(Optional.of("2"), publisher.signedBy(key).publish(v1, "2"));
    driver.createInputTopic("reviews", Serdes.String().serializer(), Serdes.String().serializer())
        .pipeInput("r1", "good");
    assertEquals("2:pos", driver.createOutputTopic("scored", Serdes.String().deserializer(),
        Serdes.String().deserializer()).readValue());
  }

  @Test
  void shouldRefuseRulesThatAreNotWholeWords() {
    assertThrows(IllegalArgumentException.class, () -> FakeBert.builder("m").label("a", "two words").label("b"));
    assertThrows(IllegalArgumentException.class, () -> FakeBert.builder("m").label("only").build());
  }
}
