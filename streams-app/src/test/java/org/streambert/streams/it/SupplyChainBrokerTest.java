package org.streambert.streams.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.bert.model.MaliciousSavedModel;
import org.streambert.schemas.avro.EnrichedText;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.avro.TextRecord;
import org.streambert.schemas.embedded.KafkaBrokerProcess;
import org.streambert.schemas.registry.EmbeddedSchemaRegistry;
import org.streambert.schemas.rollout.RolloutStatus;
import org.streambert.schemas.signing.CheckpointSignatures;
import org.streambert.schemas.signing.SigningKey;
import org.streambert.schemas.signing.TrustedKeys;
import org.streambert.streams.NlpConfig;
import org.streambert.streams.NlpService;

/**
 * Issue #10 on a real broker with the real TensorFlow loader: one app trusting one key serves a signed v1 while texts
 * flow; then each bad checkpoint event of the issue is refused with a reason naming its rule, {@code /ready} stays
 * ready on v1, every input gets exactly one output (v1) without a gap, and a good signed v2 still rolls out at the
 * end (the loader was never blocked).
 */
class SupplyChainBrokerTest {

  private static final String NAME = "supply";
  private static final String MODEL = "tiny-supply";
  private static final KeyPair TRUSTED = CheckpointSignatures.generateKeyPair();
  private static final SigningKey KEY = new SigningKey("trainer-1", TRUSTED.getPrivate());
  private static final SigningKey STRANGER = new SigningKey("trainer-1",
      CheckpointSignatures.generateKeyPair().getPrivate());
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  /** One bad event: how to make it from a fresh good (unsigned) checkpoint, and the rule its refusal must name. */
  private record Case(String version, String rule, Make make) {}

  @FunctionalInterface
  private interface Make {
    ModelCheckpoint apply(ModelCheckpoint good) throws Exception;
  }

  @Test
  void shouldRefuseEveryBadCheckpointAndKeepServingWithoutAGap() throws Exception {
    Path store = dir.resolve("store");
    Path outside = dir.resolve("outside");
    Path stolen = dir.resolve("stolen.txt");
    Path secret = Files.writeString(dir.resolve("secret.txt"), "root:x:0:0");
    ExecutorService httpThreads = Executors.newCachedThreadPool();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    HttpServer other = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(httpThreads);
    other.setExecutor(httpThreads);
    String base = "http://127.0.0.1:" + server.getAddress().getPort();
    Map<String, Path> served = new ConcurrentHashMap<>(); // http path prefix -> bundle dir
    server.createContext("/models/", ex -> serveBundle(ex, served));
    server.createContext("/redirect/", ex -> {
      ex.getResponseHeaders().add("Location", "http://127.0.0.1:" + other.getAddress().getPort() + "/models/"
          + ex.getRequestURI().getPath().substring("/redirect/".length()));
      ex.sendResponseHeaders(302, -1);
      ex.close();
    });
    other.createContext("/models/", ex -> serveBundle(ex, served));
    server.createContext("/trickle/", ex -> {
      ex.sendResponseHeaders(200, 0);
      try (OutputStream out = ex.getResponseBody()) {
        for (int i = 0; i < 600; i++) { // at most a minute; the app hangs up at its deadline
          out.write(' ');
          out.flush();
          Thread.sleep(100);
        }
      } catch (IOException | InterruptedException e) {
        // the app hung up
      }
    });
    server.start();
    other.start();

    List<Case> cases = List.of(
        new Case("unsigned", "signature:", cp -> cp),
        new Case("wrong-key", "signature:", cp -> CheckpointSignatures.sign(cp, STRANGER)),
        new Case("tampered-event", "signature:", cp -> ModelCheckpoint.newBuilder(CheckpointSignatures.sign(cp, KEY))
            .setBundleUri(cp.getBundleUri().replace("/store/", "/outside/")).build()),
        new Case("tampered-manifest", "manifest.sha256:", cp -> {
          rewrite(Path.of(URI.create(cp.getBundleUri())).resolve("MANIFEST.json"), m -> m.put("extra", 1));
          return CheckpointSignatures.sign(cp, KEY);
        }),
        new Case("outside-allow-list", "uri.allowed:", cp -> CheckpointSignatures.sign(moveTo(cp, outside), KEY)),
        new Case("etc", "uri.allowed:", cp -> CheckpointSignatures.sign(
            ModelCheckpoint.newBuilder(cp).setBundleUri("file:///etc/").build(), KEY)),
        new Case("redirect", "uri.redirect:", cp -> {
          served.put("redirect-bundle", Path.of(URI.create(cp.getBundleUri())));
          return CheckpointSignatures.sign(ModelCheckpoint.newBuilder(cp)
              .setBundleUri(base + "/redirect/redirect-bundle/").build(), KEY);
        }),
        new Case("symlink", "bundle.links:", cp -> {
          Path bundle = Path.of(URI.create(cp.getBundleUri()));
          Path vocab = bundle.resolve("vocab.txt");
          Path copy = Files.copy(vocab, dir.resolve("vocab-outside.txt"));
          Files.delete(vocab);
          Files.createSymbolicLink(vocab, copy);
          return CheckpointSignatures.sign(cp, KEY);
        }),
        new Case("forbidden-op", "graph.ops:", cp -> {
          Path bundle = Path.of(URI.create(cp.getBundleUri()));
          MaliciousSavedModel.addFileCopyInitOp(bundle.resolve("saved_model"), secret, stolen);
          String sha = rehash(bundle, "saved_model/saved_model.pb");
          return CheckpointSignatures.sign(ModelCheckpoint.newBuilder(cp).setManifestSha256(sha).build(), KEY);
        }),
        new Case("huge-body", "max.bytes:", cp -> {
          Path bundle = Path.of(URI.create(cp.getBundleUri()));
          served.put("huge-bundle", bundle);
          return CheckpointSignatures.sign(ModelCheckpoint.newBuilder(cp)
              .setBundleUri(base + "/models/huge-bundle/").build(), KEY);
        }),
        new Case("trickle", "fetch.timeout:", cp -> CheckpointSignatures.sign(ModelCheckpoint.newBuilder(cp)
            .setBundleUri(base + "/trickle/").build(), KEY)),
        new Case("no-golden", "golden.required:", cp -> CheckpointSignatures.sign(ModelCheckpoint.newBuilder(cp)
            .setGoldenExamples(List.of()).build(), KEY)));

    String bootstrap;
    String input = NAME + "-input";
    String output = NAME + "-enriched";
    String checkpoints = NAME + "-checkpoints";
    String status = NAME + "-status";
    List<String> produced = new CopyOnWriteArrayList<>();
    List<EnrichedText> outputs = new ArrayList<>();
    List<RolloutStatus> statuses = new ArrayList<>();
    AtomicBoolean feeding = new AtomicBoolean(true);
    Thread feeder = null;
    try (KafkaBrokerProcess broker = KafkaBrokerProcess.start(dir.resolve("broker"), Map.of());
        EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.start(0)) {
      bootstrap = broker.bootstrapServers();
      ItSupport.createTopics(bootstrap, 1, List.of(input, output, status), checkpoints);
      ItSupport.publish(bootstrap, registry.url(), checkpoints,
          CheckpointSignatures.sign(ItSupport.writeBundle(store, MODEL, "1", 1), KEY));

      Map<String, Object> props = ItSupport.appConfig(NAME, bootstrap, registry.url(), dir, input, output, checkpoints,
          status, MODEL);
      props.put(NlpConfig.HTTP_PORT_CONFIG, 0);
      props.put(NlpConfig.MODEL_TRUSTED_KEYS_CONFIG, TrustedKeys.entry("trainer-1", TRUSTED.getPublic()));
      props.put(NlpConfig.MODEL_URI_ALLOWED_CONFIG, store.toUri() + "," + base + "/");
      props.put(NlpConfig.MODEL_MAX_BYTES_CONFIG, 4L << 20); // the tiny bundle is well under 1 MB
      props.put(NlpConfig.MODEL_FETCH_TIMEOUT_MS_CONFIG, 2_000L);

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
        }, "signed v1 to be loaded");
        String ready = "http://127.0.0.1:" + app.httpPort() + "/ready";

        feeder = ItSupport.startFeeder(producer, input, NAME, 50, feeding, produced);

        int seed = 10;
        for (Case c : cases) {
          ModelCheckpoint good = ItSupport.writeBundle(store, MODEL, c.version(), seed++);
          ItSupport.publish(bootstrap, registry.url(), checkpoints, c.make().apply(good));
          ItSupport.waitFor(Duration.ofSeconds(60), () -> {
            poll.run();
            return statuses.stream().anyMatch(s -> s.version().equals(c.version()));
          }, "the rollout status of " + c.version());
          RolloutStatus s = statuses.stream().filter(x -> x.version().equals(c.version())).findFirst().orElseThrow();
          assertEquals(RolloutStatus.REFUSED, s.status(), c.version() + ": " + s);
          assertTrue(s.reason().contains(c.rule()), c.version() + " should be refused by " + c.rule() + ": "
              + s.reason());
          assertFalse(s.reason().contains("root:x"), "a reason never quotes fetched content: " + s.reason());
          assertEquals("1", s.servingVersion(), c.version());
          assertEquals(200, status(ready), "/ready after " + c.version());
        }
        assertFalse(Files.exists(stolen), "the forbidden initialiser never ran");

        ModelCheckpoint v2 = CheckpointSignatures.sign(ItSupport.writeBundle(store, MODEL, "2", 2), KEY);
        ItSupport.publish(bootstrap, registry.url(), checkpoints, v2);
        ItSupport.waitFor(Duration.ofSeconds(60), () -> {
          poll.run();
          return statuses.stream().anyMatch(s -> s.loaded() && s.version().equals("2"));
        }, "signed v2 to roll out after every refusal");
        feeding.set(false);
        feeder.join(10_000);
        ItSupport.waitFor(Duration.ofSeconds(60), () -> {
          poll.run();
          return outputs.size() >= produced.size();
        }, "an output for every input");

        assertEquals(produced, outputs.stream().map(EnrichedText::getId).toList(), "one output per input, in order");
        assertTrue(outputs.stream().allMatch(o -> o.getModelVersion().equals("1") || o.getModelVersion().equals("2")),
            "only the signed versions served");
        assertEquals(cases.size(), app.models().refusals(), "refusals counted");
      }
    } finally {
      feeding.set(false);
      if (feeder != null) {
        feeder.join(10_000);
      }
      server.stop(0);
      other.stop(0);
      httpThreads.shutdownNow();
    }
  }

  /** Serves {@code /models/<name>/<file>} from the registered bundle; {@code huge-bundle}'s variables are endless. */
  private static void serveBundle(HttpExchange ex, Map<String, Path> served) throws IOException {
    String[] parts = ex.getRequestURI().getPath().split("/", 4); // "", "models", name, file
    Path bundle = parts.length == 4 ? served.get(parts[2]) : null;
    Path file = bundle == null ? null : bundle.resolve(parts[3]);
    if (file == null || !Files.isRegularFile(file)) {
      ex.sendResponseHeaders(404, -1);
      ex.close();
      return;
    }
    if (parts[2].equals("huge-bundle") && parts[3].contains("variables.data")) {
      ex.sendResponseHeaders(200, 2L << 30); // claims (and would send) 2 GB
      byte[] chunk = new byte[64 * 1024];
      try (OutputStream out = ex.getResponseBody()) {
        for (long sent = 0; sent < (2L << 30); sent += chunk.length) {
          out.write(chunk);
        }
      } catch (IOException e) {
        // the app hung up
      }
      return;
    }
    byte[] body = Files.readAllBytes(file);
    ex.sendResponseHeaders(200, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  private static int status(String url) throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  /** The same bundle copied under {@code dir}, which is not in the allow-list. */
  private static ModelCheckpoint moveTo(ModelCheckpoint cp, Path dir) {
    Path from = Path.of(URI.create(cp.getBundleUri()));
    Path to = dir.resolve(from.getFileName().toString());
    try (Stream<Path> files = Files.walk(from)) {
      for (Path p : files.toList()) {
        Path dest = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(dest);
        } else {
          Files.copy(p, dest);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return ModelCheckpoint.newBuilder(cp).setBundleUri(to.toUri().toString()).build();
  }

  private static void rewrite(Path json, Consumer<ObjectNode> change) {
    try {
      ObjectNode node = (ObjectNode) JSON.readTree(json.toFile());
      change.accept(node);
      JSON.writeValue(json.toFile(), node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Updates the manifest entry of {@code file} after it changed; returns the manifest's new sha256. */
  private static String rehash(Path bundle, String file) {
    try {
      String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(Files.readAllBytes(bundle.resolve(file))));
      rewrite(bundle.resolve("MANIFEST.json"), m -> ((ObjectNode) m.get("files")).put(file, sha));
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(Files.readAllBytes(bundle.resolve("MANIFEST.json"))));
    } catch (IOException | NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
