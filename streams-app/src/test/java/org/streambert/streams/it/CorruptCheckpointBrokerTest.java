package org.streambert.streams.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.schemas.avro.EnrichedText;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.avro.TextRecord;
import org.streambert.schemas.embedded.KafkaBrokerProcess;
import org.streambert.schemas.registry.EmbeddedSchemaRegistry;
import org.streambert.schemas.rollout.RolloutStatus;
import org.streambert.streams.NlpConfig;
import org.streambert.streams.NlpService;

/**
 * Issue 5 §7 (b): on a real broker, with the real TensorFlow loader, a corrupt checkpoint published while records
 * flow is refused (a REFUSED record on the rollout-status topic) and the records after the refusal are still enriched,
 * by the old version.
 */
class CorruptCheckpointBrokerTest {

  static final int AFTER_REFUSAL = 40;

  @TempDir
  static Path shared;

  static KafkaBrokerProcess broker;
  static EmbeddedSchemaRegistry registry;

  @TempDir
  Path dir;

  @BeforeAll
  static void startBroker() {
    broker = KafkaBrokerProcess.start(shared.resolve("broker"), Map.of());
    registry = EmbeddedSchemaRegistry.start(0);
  }

  @AfterAll
  static void stopBroker() {
    if (registry != null) {
      registry.close();
    }
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void shouldRefuseABundleModifiedAfterHashingWhileOutputsContinueOnTheOldVersion() throws Exception {
    RolloutStatus refused = refusedWhileFlowing("modified-file", v2 -> {
      Path variables = Path.of(URI.create(v2.getBundleUri())).resolve("saved_model").resolve("variables");
      try (Stream<Path> files = Files.list(variables)) {
        Path data = files.filter(f -> f.getFileName().toString().startsWith("variables.data")).findFirst()
            .orElseThrow();
        Files.write(data, new byte[] {1, 2, 3}, StandardOpenOption.APPEND);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return v2;
    });
    assertTrue(refused.reason().contains("variables.data"), refused.reason());
  }

  @Test
  void shouldRefuseACheckpointWithAWrongManifestHashWhileOutputsContinueOnTheOldVersion() throws Exception {
    RolloutStatus refused = refusedWhileFlowing("wrong-hash", v2 -> {
      char[] sha = v2.getManifestSha256().toCharArray();
      sha[0] = sha[0] == '0' ? '1' : '0';
      return ModelCheckpoint.newBuilder(v2).setManifestSha256(new String(sha)).build();
    });
    assertTrue(refused.reason().toLowerCase(Locale.ROOT).contains("sha"), refused.reason());
  }

  /**
   * Serves v1, keeps producing, publishes v2 spoiled by {@code spoil}, waits for its refusal, produces
   * {@link #AFTER_REFUSAL} more records, and checks that every input got exactly one output of version 1. Returns
   * the refusal.
   */
  private RolloutStatus refusedWhileFlowing(String name, UnaryOperator<ModelCheckpoint> spoil) throws Exception {
    String bootstrap = broker.bootstrapServers();
    String model = "tiny-" + name;
    String input = name + "-input";
    String output = name + "-enriched";
    String checkpoints = name + "-checkpoints";
    String status = name + "-status";
    ItSupport.createTopics(bootstrap, 1, List.of(input, output, status), checkpoints);
    ItSupport.publish(bootstrap, registry.url(), checkpoints, ItSupport.writeBundle(dir.resolve("bundles"), model,
        "1", 1));

    Map<String, Object> props = ItSupport.appConfig(name, bootstrap, registry.url(), dir, input, output, checkpoints,
        status, model);
    props.put(NlpConfig.HTTP_PORT_CONFIG, -1);

    List<String> produced = new CopyOnWriteArrayList<>();
    List<EnrichedText> outputs = new ArrayList<>();
    List<RolloutStatus> statuses = new ArrayList<>();
    AtomicBoolean feeding = new AtomicBoolean(true);
    Thread feeder = null;
    try (NlpService app = NlpService.start(new NlpConfig(props));
        KafkaConsumer<String, EnrichedText> reader = ItSupport.committedReader(bootstrap, output,
            ItSupport.enrichedDeserializer(registry.url()));
        KafkaConsumer<String, String> statusReader = ItSupport.committedReader(bootstrap, status,
            new StringDeserializer());
        KafkaProducer<String, TextRecord> producer = ItSupport.textProducer(bootstrap, registry.url())) {
      Runnable poll = () -> {
        reader.poll(Duration.ofMillis(100)).forEach(r -> outputs.add(r.value()));
        statusReader.poll(Duration.ZERO).forEach(r -> statuses.add(RolloutStatus.fromJson(r.value())));
      };
      ItSupport.waitFor(Duration.ofSeconds(60), () -> {
        poll.run();
        return statuses.stream().anyMatch(s -> s.loaded() && s.version().equals("1"));
      }, "v1 to be loaded");

      // Records flow at about 40/s from now until the end.
      feeder = ItSupport.startFeeder(producer, input, name, 25, feeding, produced);
      ItSupport.waitFor(Duration.ofSeconds(60), () -> {
        poll.run();
        return outputs.size() >= 10;
      }, "outputs of v1");

      ModelCheckpoint v2 = spoil.apply(ItSupport.writeBundle(dir.resolve("bundles"), model, "2", 2));
      ItSupport.publish(bootstrap, registry.url(), checkpoints, v2);
      ItSupport.waitFor(Duration.ofSeconds(60), () -> {
        poll.run();
        return statuses.stream().anyMatch(s -> s.version().equals("2"));
      }, "the rollout status of v2");
      RolloutStatus v2Status = statuses.stream().filter(s -> s.version().equals("2")).findFirst().orElseThrow();
      int producedBeforeRefusal = produced.size();
      ItSupport.waitFor(Duration.ofSeconds(60), () -> produced.size() >= producedBeforeRefusal + AFTER_REFUSAL,
          AFTER_REFUSAL + " inputs after the refusal");
      feeding.set(false);
      feeder.join(10_000);
      ItSupport.waitFor(Duration.ofSeconds(60), () -> {
        poll.run();
        return outputs.size() >= produced.size();
      }, "an output for every input");

      assertEquals(RolloutStatus.REFUSED, v2Status.status(), "v2 was not refused: " + v2Status);
      assertEquals("1", v2Status.servingVersion(), "version serving after the refusal");
      assertEquals("1", app.models().currentVersion());
      assertEquals(1, app.models().refusals(), "refusals counted");
      List<String> afterRefusal = produced.subList(producedBeforeRefusal, produced.size());
      List<EnrichedText> outputsAfterRefusal = outputs.stream().filter(o -> afterRefusal.contains(o.getId()))
          .toList();
      assertEquals(afterRefusal, outputsAfterRefusal.stream().map(EnrichedText::getId).toList(),
          "outputs of the inputs produced after the refusal");
      outputsAfterRefusal.forEach(o -> assertEquals("1", o.getModelVersion(), "version of " + o.getId()));
      assertEquals(produced, outputs.stream().map(EnrichedText::getId).toList(), "one output per input, in order");
      outputs.forEach(o -> assertEquals("1", o.getModelVersion(), "version of " + o.getId()));
      return v2Status;
    } finally {
      feeding.set(false);
      if (feeder != null) {
        feeder.join(10_000);
      }
    }
  }
}
