package org.streambert.streams.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.streams.testing.Harness;
import org.streambert.streams.testing.TestModels;

/** An undecodable checkpoint event is reported by the rollout as REFUSED and counted; the serving model stays. */
class UndecodableCheckpointTest {

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
}
