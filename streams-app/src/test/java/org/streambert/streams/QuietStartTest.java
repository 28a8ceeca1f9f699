package org.streambert.streams;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.streams.serving.ModelHolder;

/**
 * Kafka Streams has nothing to warn about when it is built from {@link NlpConfig#streamsProperties()}: in particular
 * not the global thread's processing exception handler, which it otherwise warns about at every start (also from
 * the partition assignor's own copy of the configuration).
 */
class QuietStartTest {

  @TempDir
  Path dir;

  @Test
  void shouldBuildKafkaStreamsWithoutGlobalThreadHandlerWarning() {
    Map<String, Object> props = new HashMap<>();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "quiet-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1");
    props.put(StreamsConfig.STATE_DIR_CONFIG, dir.toString());
    props.put("schema.registry.url", "mock://quiet");
    NlpConfig config = new NlpConfig(props);
    Properties streamsProps = config.streamsProperties();
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    try (ModelHolder models = new ModelHolder(config.modelName())) {
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      KafkaStreams streams = new KafkaStreams(NlpTopology.build(config, models, cp -> { },
          NlpSerdes.fromConfig(config.originalsMap())), streamsProps);
      streams.close(Duration.ofSeconds(5));
    } finally {
      System.setErr(err);
    }
    String log = captured.toString(StandardCharsets.UTF_8);
    assertTrue(log.isEmpty() || !log.contains("GlobalThread"), log);
    assertFalse(log.contains("processing.exception.handler.global.enabled"), log);
  }
}
