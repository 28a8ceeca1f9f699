package org.streambert.streams.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.embedded.KafkaBrokerProcess;
import org.streambert.schemas.registry.EmbeddedSchemaRegistry;
import org.streambert.schemas.rollout.RolloutStatus;
import org.streambert.schemas.signing.CheckpointSignatures;
import org.streambert.schemas.signing.SigningKey;
import org.streambert.schemas.signing.TrustedKeys;
import org.streambert.streams.NlpConfig;
import org.streambert.streams.NlpService;

/**
 * Issue 29 item 5 on a real broker: the behaviour depends on Kafka Streams restoring the global checkpoint store by
 * replaying the compacted topic (all of a slot's events not compacted yet, oldest first, within milliseconds). With
 * v1 and v2 good and the newest, v3, refused at load (its manifest hash does not match its bundle), a brand-new
 * instance serves v2 — not v1, which it used to serve, and not nothing — publishes the refusal of v3, and says
 * {@code ready} for v2; a brand-new instance of a slot whose only event is refused serves nothing and {@code /ready}
 * says why.
 */
class NewInstanceFallbackBrokerTest {

  private static final String NAME = "fallback";
  private static final KeyPair PAIR = CheckpointSignatures.generateKeyPair();
  private static final SigningKey TRAINER = new SigningKey("trainer", PAIR.getPrivate());

  @TempDir
  Path dir;

  private final List<RolloutStatus> statuses = new CopyOnWriteArrayList<>();

  @Test
  void shouldServeTheNewestAcceptableEventOnANewInstanceOrNothingWithTheReasonOnReady() throws Exception {
    Path store = dir.resolve("store");
    String input = NAME + "-input";
    String output = NAME + "-enriched";
    String checkpoints = NAME + "-checkpoints";
    String status = NAME + "-status";
    try (KafkaBrokerProcess broker = KafkaBrokerProcess.start(dir.resolve("broker"), Map.of());
        EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.start(0)) {
      String bootstrap = broker.bootstrapServers();
      ItSupport.createTopics(bootstrap, 1, List.of(input, output, status), checkpoints);
      // The group's history: v1, then v2 (served by the running instances), then v3, refused by all of them.
      ItSupport.publishSigned(bootstrap, registry.url(), checkpoints,
          ItSupport.writeBundle(store, "tiny", "1", 1), TRAINER);
      ItSupport.publishSigned(bootstrap, registry.url(), checkpoints,
          ItSupport.writeBundle(store, "tiny", "2", 2), TRAINER);
      ItSupport.publishSigned(bootstrap, registry.url(), checkpoints, ModelCheckpoint.newBuilder(
          ItSupport.writeBundle(store, "tiny", "3", 3)).setManifestSha256("0".repeat(64)).build(), TRAINER);
      // Another slot whose only event is refused.
      ItSupport.publishSigned(bootstrap, registry.url(), checkpoints, ModelCheckpoint.newBuilder(
          ItSupport.writeBundle(store, "lonely", "7", 7)).setManifestSha256("0".repeat(64)).build(), TRAINER);

      try (KafkaConsumer<String, String> statusReader = ItSupport.committedReader(bootstrap, status,
          new StringDeserializer())) {
        Runnable poll = () -> statusReader.poll(Duration.ofMillis(50))
            .forEach(r -> statuses.add(RolloutStatus.fromJson(r.value())));

        try (NlpService newcomer = NlpService.start(new NlpConfig(config(bootstrap, registry.url(), "new", "tiny",
            input, output, checkpoints, status, store)))) {
          ItSupport.waitFor(Duration.ofSeconds(90), () -> {
            poll.run();
            return "2".equals(newcomer.models().currentVersion())
                && statuses.stream().anyMatch(s -> RolloutStatus.REFUSED.equals(s.status()) && "3".equals(s.version()));
          }, "the new instance to serve v2 and report v3's refusal (statuses: " + statuses + ")");
          assertTrue(statuses.stream().filter(s -> RolloutStatus.REFUSED.equals(s.status()))
              .allMatch(s -> "3".equals(s.version()) && s.reason().contains("sha256")), statuses.toString());
          assertTrue(statuses.stream().noneMatch(s -> s.loaded() && "1".equals(s.version())),
              "v1, the oldest event, never served: " + statuses);
          ItSupport.waitFor(Duration.ofSeconds(30), () -> get(newcomer.httpPort(), "/ready").startsWith("200"),
              "/ready once Kafka Streams runs");
          assertTrue(get(newcomer.httpPort(), "/ready").contains("ready: model tiny 2"));
        }

        try (NlpService lonely = NlpService.start(new NlpConfig(config(bootstrap, registry.url(), "lonely",
            "lonely", input, output, checkpoints, status, store)))) {
          ItSupport.waitFor(Duration.ofSeconds(60), () -> {
            poll.run();
            return statuses.stream().anyMatch(s -> "lonely".equals(s.modelName())
                && RolloutStatus.REFUSED.equals(s.status()));
          }, "the refusal of lonely 7 (statuses: " + statuses + ")");
          assertNull(lonely.models().currentVersion());
          String ready = get(lonely.httpPort(), "/ready");
          assertTrue(ready.startsWith("503") && ready.contains("no model 'lonely' loaded yet; last checkpoint "
              + "refused: ") && ready.contains("sha256"), ready);
        }
      }
    }
  }

  private static Map<String, Object> config(String bootstrap, String registryUrl, String instance, String model,
      String input, String output, String checkpoints, String status, Path store) {
    Map<String, Object> props = ItSupport.appConfig(NAME + "-" + instance, bootstrap, registryUrl,
        Path.of(store.getParent().toString(), instance), input, output, checkpoints, status, model);
    props.put(NlpConfig.HTTP_PORT_CONFIG, 0);
    props.put(NlpConfig.HTTP_BIND_ADDRESS_CONFIG, "127.0.0.1");
    props.put(NlpConfig.MODEL_TRUSTED_KEYS_CONFIG, TrustedKeys.entry("trainer", PAIR.getPublic()));
    props.put(NlpConfig.MODEL_URI_ALLOWED_CONFIG, store.toUri().toString());
    return props;
  }

  /** "status body" of a GET on the app's endpoint ("000 ..." when it cannot be reached). */
  private static String get(int port, String path) {
    try {
      HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + path).toURL()
          .openConnection();
      c.setConnectTimeout(2_000);
      c.setReadTimeout(2_000);
      try {
        int code = c.getResponseCode();
        try (InputStream in = code < 400 ? c.getInputStream() : c.getErrorStream()) {
          return code + " " + (in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
      } finally {
        c.disconnect();
      }
    } catch (IOException e) {
      return "000 " + e;
    }
  }
}
