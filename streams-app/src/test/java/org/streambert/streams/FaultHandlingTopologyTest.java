package org.streambert.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.avro.ModelStage;
import org.streambert.streams.rollout.CheckpointListener;
import org.streambert.streams.testing.Harness;
import org.streambert.streams.testing.TestModels;
import org.streambert.streams.testing.TestModels.RuleForwardPass;
import org.tensorflow.exceptions.TFResourceExhaustedException;

/** Poison input is dead-lettered with a reason; transient and batch-processor failures fail the task instead. */
class FaultHandlingTopologyTest {

  @TempDir
  Path dir;

  private Harness h;
  private final RuleForwardPass pass = RuleForwardPass.standard();
  private final List<String> undecodable = new CopyOnWriteArrayList<>();
  private final List<ModelCheckpoint> received = new CopyOnWriteArrayList<>();

  private Harness start(Map<String, ?> overrides) {
    CheckpointListener listener = new CheckpointListener() {
      @Override
      public void onCheckpoint(ModelCheckpoint checkpoint) {
        received.add(checkpoint);
      }

      @Override
      public void onUndecodable(String key, String reason) {
        undecodable.add(key + ": " + reason);
      }
    };
    h = new Harness(dir, overrides, listener);
    h.models.swap(TestModels.serving("1", pass));
    return h;
  }

  @AfterEach
  void close() {
    if (h != null) {
      h.close();
    }
  }

  /** Header of the input's registered TextRecord schema, then {@code body}. */
  private byte[] avroWith(Body body) throws IOException {
    byte[] valid = h.avro("x", "x");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(valid, 0, 5);
    BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
    body.write(encoder);
    encoder.flush();
    return out.toByteArray();
  }

  interface Body {
    void write(BinaryEncoder e) throws IOException;
  }

  @Test
  void shouldDeadLetterStringAndMapCountBombsAndKeepProcessing() throws IOException {
    start(Map.of(NlpConfig.BATCH_MAX_SIZE_CONFIG, 1));
    byte[] stringBomb = avroWith(e -> e.writeLong(Integer.MAX_VALUE));
    byte[] mapBomb = avroWith(e -> {
      e.writeString("id");
      e.writeString("text");
      e.writeIndex(0);
      e.writeIndex(1);
      e.writeMapStart();
      e.setItemCount(1 << 30);
      e.startItem();
      e.writeString("k");
      e.writeString("v");
    });
    h.input.pipeInput("s".getBytes(StandardCharsets.UTF_8), stringBomb);
    h.input.pipeInput("m".getBytes(StandardCharsets.UTF_8), mapBomb);
    h.send("ok", "good");
    List<TestRecord<byte[], byte[]>> dead = h.dlq.readRecordsToList();
    assertEquals(List.of("s", "m"), dead.stream().map(Harness::key).toList());
    for (TestRecord<byte[], byte[]> d : dead) {
      assertEquals("UNDECODABLE", Harness.header(d, "nlp.error.reason"));
      assertTrue(Harness.header(d, "__streams.errors.message").contains("LIMIT_EXCEEDED"),
          Harness.header(d, "__streams.errors.message"));
    }
    assertEquals("ok", Harness.key(h.output.readRecord()));
  }

  @Test
  void shouldSizeStringLimitToMaxChars() throws IOException {
    start(Map.of(NlpConfig.BATCH_MAX_SIZE_CONFIG, 1, NlpConfig.TEXT_MAX_CHARS_CONFIG, 10));
    // 4 * 10 + 65,536 bytes is the derived limit: a 70,000-byte string is refused by the decoder itself
    h.send("long", "a".repeat(70_000));
    TestRecord<byte[], byte[]> dead = h.dlq.readRecord();
    assertEquals("UNDECODABLE", Harness.header(dead, "nlp.error.reason"));
    assertTrue(Harness.header(dead, "__streams.errors.message").contains("LIMIT_EXCEEDED"));
  }

  @Test
  void shouldFailTaskAndDeadLetterNothingWhenInferenceFailsTransiently() {
    start(Map.of(NlpConfig.BATCH_MAX_SIZE_CONFIG, 1));
    pass.failWith = new TFResourceExhaustedException("OOM when allocating tensor");
    assertThrows(StreamsException.class, () -> h.send("a", "good"));
    assertTrue(h.output.isEmpty());
    assertTrue(h.dlq.isEmpty(), "a transient failure says nothing about the record");

    pass.failWith = null; // the fault passes: the pending record runs again, once
    h.send("b", "good");
    h.driver.advanceWallClockTime(Duration.ofMillis(100));
    assertEquals(List.of("a", "b"), h.output.readRecordsToList().stream().map(Harness::key).toList());
    assertTrue(h.dlq.isEmpty());
  }

  @Test
  void shouldSkipUndecodableCheckpointEventsAndKeepReadingTheTopic() throws IOException {
    start(Map.of());
    ModelCheckpoint cp = ModelCheckpoint.newBuilder().setModelName(h.config.modelName()).setVersion("2")
        .setBundleUri("file:///m/2").setManifestSha256("00").setCreatedAt(Instant.ofEpochMilli(1))
        .setHeads(List.of()).setGoldenExamples(List.of()).setStage(ModelStage.PROMOTED).build();
    byte[] valid = h.serdes.checkpoint().serializer().serialize(h.config.checkpointsTopic(), cp);
    ByteArrayOutputStream bomb = new ByteArrayOutputStream();
    bomb.write(valid, 0, 5);
    BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(bomb, null);
    encoder.writeLong(Integer.MAX_VALUE); // modelName: a 2 GiB string
    encoder.flush();
    TestInputTopic<String, byte[]> raw = h.driver.createInputTopic(h.config.checkpointsTopic(),
        new StringSerializer(), new ByteArraySerializer());
    raw.pipeInput(h.config.modelName(), bomb.toByteArray());
    raw.pipeInput(h.config.modelName(), new byte[] {7, 7, 7});
    assertEquals(2, undecodable.size(), undecodable.toString());
    assertTrue(undecodable.get(0).contains("LIMIT_EXCEEDED"), undecodable.get(0));
    assertTrue(undecodable.get(1).contains("UNKNOWN_MAGIC_BYTE"), undecodable.get(1));
    raw.pipeInput(h.config.modelName(), valid);
    assertEquals(List.of(cp), received, "the global thread lives on and applies the next good event");
  }

  @Test
  void shouldDeadLetterJsonNestingBombInJsonMode() {
    start(Map.of(NlpConfig.BATCH_MAX_SIZE_CONFIG, 1, NlpConfig.INPUT_FORMAT_CONFIG, "json"));
    byte[] bomb = ("{\"text\":" + "[".repeat(200_000) + "]".repeat(200_000) + "}").getBytes(StandardCharsets.UTF_8);
    h.input.pipeInput("deep".getBytes(StandardCharsets.UTF_8), bomb);
    h.input.pipeInput("ok".getBytes(StandardCharsets.UTF_8), "{\"text\": \"good\"}".getBytes(StandardCharsets.UTF_8));
    TestRecord<byte[], byte[]> dead = h.dlq.readRecord();
    assertEquals("deep", Harness.key(dead));
    assertEquals("UNDECODABLE", Harness.header(dead, "nlp.error.reason"));
    assertEquals("ok", Harness.key(h.output.readRecord()));
  }
}
