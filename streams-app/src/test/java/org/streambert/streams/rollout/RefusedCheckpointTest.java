package org.streambert.streams.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.schemas.avro.Head;
import org.streambert.schemas.avro.HeadType;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.rollout.RolloutStatus;
import org.streambert.streams.serving.ModelHolder;
import org.streambert.streams.serving.ModelLoader;
import org.streambert.streams.testing.Harness;
import org.streambert.streams.testing.TestModels;

/**
 * Checkpoints that cannot become a model — an undecodable event, a load that runs out of memory — are reported by the
 * rollout as REFUSED and counted; the serving model stays.
 */
class RefusedCheckpointTest {

  @TempDir
  Path dir;

  private final List<RolloutStatus> statuses = new CopyOnWriteArrayList<>();
  private ModelHolder holder;
  private ModelRollout rollout;
  private Harness h;

  @AfterEach
  void tearDown() {
    rollout.close();
    h.close();
  }

  @Test
  void shouldPublishRefusedStatusAndKeepServingOnUndecodableEvent() {
    holder = new ModelHolder("bert-nlp");
    holder.swap(TestModels.serving("1", TestModels.RuleForwardPass.standard()));
    rollout = new ModelRollout("test-instance", holder, new TestModels.Loader(), dir.resolve("cache"), statuses::add,
        1e-3, 32);
    h = new Harness(dir.resolve("state"), Map.of(), rollout, holder);
    TestInputTopic<String, byte[]> raw = h.driver.createInputTopic(h.config.checkpointsTopic(),
        new StringSerializer(), new ByteArraySerializer());

    raw.pipeInput("bert-nlp", new byte[] {1, 2, 3});
    raw.pipeInput("another-model", new byte[] {1, 2, 3}); // not this instance's model: not reported

    assertEquals(1, statuses.size(), statuses.toString());
    RolloutStatus s = statuses.get(0);
    assertEquals(RolloutStatus.REFUSED, s.status());
    assertEquals("bert-nlp", s.modelName());
    assertNull(s.version());
    assertTrue(s.reason().contains("UNKNOWN_MAGIC_BYTE"), s.reason());
    assertEquals("1", s.servingVersion());
    assertEquals(1, holder.refusals());
    assertEquals("1", holder.currentVersion());
  }

  @Test
  void shouldRefuseModelWhoseLoadRunsOutOfMemory() throws Exception {
    holder = new ModelHolder("bert-nlp");
    holder.swap(TestModels.serving("1", TestModels.RuleForwardPass.standard()));
    ModelLoader exhausted = bundle -> {
      throw new OutOfMemoryError("Java heap space (simulated: bundle too large)");
    };
    rollout = new ModelRollout("test-instance", holder, exhausted, dir.resolve("cache"), statuses::add, 1e-3, 32);
    h = new Harness(dir.resolve("state"), Map.of(), rollout, holder);
    ModelBundle bundle = TestModels.writeBundle(dir.resolve("bundles").resolve("2"), "bert-nlp", "2", "standard",
        TestModels.VOCAB);
    ModelCheckpoint cp = ModelCheckpoint.newBuilder().setModelName("bert-nlp").setVersion("2")
        .setBundleUri(bundle.dir().toUri().toString()).setManifestSha256(bundle.manifestSha256())
        .setCreatedAt(Instant.parse("2025-01-01T00:00:00Z"))
        .setHeads(List.of(new Head("sentiment", HeadType.CLASSIFICATION, List.of("neg", "pos")),
            new Head("ner", HeadType.TOKEN_CLASSIFICATION, List.of("O", "B-PER", "I-PER"))))
        .setGoldenExamples(List.of()).build();
    h.checkpoints.pipeInput("bert-nlp", cp);
    assertTrue(rollout.awaitIdle(Duration.ofSeconds(30)), "rollout did not finish");
    assertEquals(1, statuses.size(), statuses.toString());
    assertEquals(RolloutStatus.REFUSED, statuses.get(0).status());
    assertTrue(statuses.get(0).reason().contains("OutOfMemoryError"), statuses.get(0).reason());
    assertEquals("1", holder.currentVersion());
  }
}
