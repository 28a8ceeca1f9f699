package org.streambert.streams.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.StringReader;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.streambert.schemas.AvroSerdeConfig;
import org.streambert.schemas.Topics;
import org.streambert.streams.NlpConfig;

/**
 * No Docker engine or cluster runs where the tests run, so these tests hold deploy/ to the code instead: every file
 * parses, every config key and topic it sets exists in the app, and images, ports and topics agree across files.
 */
class DeployFilesTest {

  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  static final Path DEPLOY = ROOT.resolve("deploy");
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  static final String APP_IMAGE = "streaming-bert/streams-app";
  static final String TRAINER_IMAGE = "streaming-bert/trainer";
  static final int HTTP_PORT = 8080;
  /** Partitions of text-input created by the compose file: the most instances that get work. */
  static final int INPUT_PARTITIONS = 6;
  /** Environment variables of the Dockerfiles meant for the JVM and the C library, not the app's configuration. */
  static final Set<String> PROCESS_ENV = Set.of("JAVA_TOOL_OPTIONS", "MALLOC_ARENA_MAX");

  static JsonNode yaml(Path file) {
    try {
      return YAML.readTree(file.toFile());
    } catch (IOException e) {
      throw new AssertionError(file + " does not parse as YAML: " + e.getMessage(), e);
    }
  }

  static List<Path> manifests() throws IOException {
    try (Stream<Path> s = Files.walk(DEPLOY.resolve("k8s"))) {
      return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
  }

  static JsonNode compose() {
    return yaml(DEPLOY.resolve("docker-compose.yml"));
  }

  static Set<String> topicConstants() throws IllegalAccessException {
    Set<String> topics = new TreeSet<>();
    for (Field f : Topics.class.getFields()) {
      if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
        topics.add((String) f.get(null));
      }
    }
    return topics;
  }

  static Set<String> knownKafkaKeys() {
    Set<String> keys = new HashSet<>();
    keys.addAll(StreamsConfig.configDef().names());
    keys.addAll(ConsumerConfig.configNames());
    keys.addAll(ProducerConfig.configNames());
    keys.addAll(AdminClientConfig.configNames());
    keys.addAll(AvroSerdeConfig.configDef().names());
    return keys;
  }

  /** The key an environment variable sets, by NlpConfig's documented mapping; null when it sets none. */
  static String keyOfEnv(String name) {
    var mapped = NlpConfig.withEnvironment(Map.of(), Map.of(name, "x"));
    return mapped.isEmpty() ? null : mapped.keySet().iterator().next();
  }

  static void assertKnownKey(String key, String where) {
    if (key.startsWith(NlpConfig.PREFIX)) {
      assertTrue(NlpConfig.configDef().names().contains(key), where + " sets unknown app key " + key);
    } else {
      assertTrue(knownKafkaKeys().contains(key), where + " sets " + key + ", which no Kafka or registry config has");
    }
  }

  static List<Properties> configMapProperties() throws IOException {
    List<Properties> result = new ArrayList<>();
    for (Path m : manifests()) {
      JsonNode doc = yaml(m);
      if ("ConfigMap".equals(doc.path("kind").asText()) && doc.path("data").has("app.properties")) {
        Properties p = new Properties();
        p.load(new StringReader(doc.path("data").path("app.properties").asText()));
        assertFalse(p.isEmpty(), m + " has an empty app.properties");
        result.add(p);
      }
    }
    assertEquals(2, result.size(), "expected the base ConfigMap and the overlay's patch");
    return result;
  }

  @Test
  void shouldParseEveryManifestAndTheComposeFile() throws IOException {
    List<Path> manifests = manifests();
    assertTrue(manifests.size() >= 9, "manifests found: " + manifests);
    for (Path m : manifests) {
      JsonNode doc = yaml(m);
      assertTrue(doc.has("kind") || doc.has("apiVersion"), m + " has no kind");
    }
    JsonNode services = compose().path("services");
    for (String s : List.of("kafka", "schema-registry", "create-topics", "trainer", "streams-app")) {
      assertTrue(services.has(s), "compose lacks service " + s);
    }
  }

  @Test
  void shouldSignEveryPublishedCheckpointAndTrustOnlyMountedKeys() throws IOException {
    int trainers = 0;
    for (Path m : manifests()) {
      JsonNode doc = yaml(m);
      for (JsonNode pod : doc.findValues("containers")) {
        for (JsonNode c : pod) {
          if (!c.path("image").asText().startsWith(TRAINER_IMAGE)) {
            continue;
          }
          trainers++;
          String key = null;
          for (JsonNode e : c.path("env")) {
            if (e.path("name").asText().equals("TRAINER_SIGNING_KEY")) {
              key = e.path("value").asText();
            }
          }
          assertTrue(key != null, m + ": trainer container without TRAINER_SIGNING_KEY publishes unsigned events");
          assertTrue(mountedFrom(doc, c, key, "secret"), m + ": " + key + " is not in a mounted Secret");
        }
      }
    }
    assertEquals(4, trainers, "the trainer Job, the nightly and refresh CronJobs and trainer-serve");
    Properties base = configMapProperties().get(0);
    assertEquals("file:///checkpoints/", base.getProperty(NlpConfig.MODEL_URI_ALLOWED_CONFIG));
    String trusted = base.getProperty(NlpConfig.MODEL_TRUSTED_KEYS_FILE_CONFIG);
    JsonNode app = yaml(DEPLOY.resolve("k8s/base/streams-app-deployment.yaml"));
    assertTrue(mountedFrom(app, app.findValues("containers").get(0).get(0), trusted, "configMap"), trusted);

    JsonNode services = compose().path("services");
    assertEquals("/keys/trainer.key", services.path("trainer").path("environment").path("TRAINER_SIGNING_KEY")
        .asText());
    assertEquals("/keys/trainer.key", services.path("trainer-serve").path("environment")
        .path("TRAINER_SIGNING_KEY").asText());
    assertEquals("/keys/trainer.pub", services.path("streams-app").path("environment")
        .path("NLP_MODEL_TRUSTED_KEYS_FILE").asText());
  }

  /** Whether {@code file} lies under a mount of {@code container} whose volume is of {@code kind} (secret, ...). */
  private static boolean mountedFrom(JsonNode doc, JsonNode container, String file, String kind) {
    for (JsonNode mount : container.path("volumeMounts")) {
      if (file.startsWith(mount.path("mountPath").asText() + "/")) {
        for (JsonNode volumes : doc.findValues("volumes")) {
          for (JsonNode v : volumes) {
            if (v.path("name").asText().equals(mount.path("name").asText()) && v.has(kind)) {
              return true;
            }
          }
        }
      }
    }
    return false;
  }

  @Test
  void shouldVerifyEventsInEveryOverlayAndRefreshThemWithinTheirAge() throws IOException {
    // A ConfigMap patch replaces app.properties whole, so every variant must carry the security keys itself.
    for (Properties p : configMapProperties()) {
      assertEquals("/etc/streams-app-keys/trusted.keys", p.getProperty(NlpConfig.MODEL_TRUSTED_KEYS_FILE_CONFIG), p
          + " lets unsigned checkpoint events through");
      assertEquals("file:///checkpoints/", p.getProperty(NlpConfig.MODEL_URI_ALLOWED_CONFIG));
      assertEquals("7d", p.getProperty(NlpConfig.MODEL_MAX_EVENT_AGE_CONFIG));
    }
    JsonNode cron = yaml(DEPLOY.resolve("k8s/base/trainer-refresh-cronjob.yaml"));
    String[] schedule = cron.path("spec").path("schedule").asText().split(" ");
    assertEquals(5, schedule.length, "a five-field cron schedule");
    assertEquals(List.of("*", "*", "*"), List.of(schedule[2], schedule[3], schedule[4]),
        "trainer-refresh must run every day, far inside the instances' 7-day event age");
    JsonNode container = cron.findValues("containers").get(0).get(0);
    List<String> args = new ArrayList<>();
    container.path("args").forEach(a -> args.add(a.asText()));
    assertEquals("refresh", args.get(0));
    assertEquals("bert-nlp", args.get(args.indexOf("--model-name") + 1));
    assertEquals("7d", args.get(args.indexOf("--max-age") + 1), "re-issue only what the instances still accept");
    assertTrue(Files.readString(DEPLOY.resolve("k8s/base/kustomization.yaml")).contains("trainer-refresh-cronjob.yaml"));
  }

  @Test
  void shouldOnlySetConfigKeysTheAppKnows() throws IOException {
    for (Properties p : configMapProperties()) {
      for (String key : p.stringPropertyNames()) {
        assertKnownKey(key, "ConfigMap");
      }
      // every value must also be valid, as the app would parse it at start-up
      new NlpConfig(p);
    }
    compose().path("services").path("streams-app").path("environment").fieldNames().forEachRemaining(env -> {
      String key = keyOfEnv(env);
      if (key == null) {
        fail("compose streams-app sets " + env + ", which maps to no config key");
      }
      assertKnownKey(key, "compose streams-app environment " + env);
    });
    for (String dockerfile : List.of("streams-app.Dockerfile", "streams-app-gpu.Dockerfile")) {
      for (String env : dockerfileEnvNames(DEPLOY.resolve(dockerfile))) {
        if (PROCESS_ENV.contains(env)) {
          continue;
        }
        String key = keyOfEnv(env);
        assertTrue(key != null, dockerfile + " sets " + env + ", which maps to no config key");
        assertKnownKey(key, dockerfile + " ENV " + env);
      }
    }
  }

  @Test
  void shouldNameOnlyTheAppsTopics() throws Exception {
    Set<String> topics = topicConstants();
    for (Properties p : configMapProperties()) {
      for (String key : p.stringPropertyNames()) {
        if (key.startsWith(NlpConfig.PREFIX) && key.endsWith(".topic")) {
          assertTrue(topics.contains(p.getProperty(key)), key + "=" + p.getProperty(key) + " is not a topic of Topics");
        }
      }
    }
    String create = compose().path("services").path("create-topics").path("command").get(0).asText();
    Matcher m = Pattern.compile("--topic (\\S+)").matcher(create);
    Set<String> created = new TreeSet<>();
    while (m.find()) {
      created.add(m.group(1));
    }
    assertEquals(topics, created, "compose creates other topics than Topics names");
    assertTrue(Pattern.compile("--topic " + Topics.MODEL_CHECKPOINTS + " .*cleanup\\.policy=compact").matcher(create)
        .find(), "model-checkpoints must be created compacted");
    Matcher partitions = Pattern.compile("--topic " + Topics.TEXT_INPUT + " --partitions (\\d+)").matcher(create);
    assertTrue(partitions.find());
    assertEquals(INPUT_PARTITIONS, Integer.parseInt(partitions.group(1)));
    JsonNode keda = yaml(DEPLOY.resolve("k8s/base/streams-app-scaledobject.yaml"));
    assertEquals(Topics.TEXT_INPUT, keda.path("spec").path("triggers").get(0).path("metadata").path("topic").asText());
  }

  @Test
  void shouldAgreeOnImagesPortsAndProbesAcrossFiles() throws IOException {
    JsonNode services = compose().path("services");
    assertEquals(APP_IMAGE, services.path("streams-app").path("image").asText().split(":")[0]);
    assertEquals(TRAINER_IMAGE, services.path("trainer").path("image").asText().split(":")[0]);
    assertEquals("deploy/streams-app.Dockerfile", services.path("streams-app").path("build").path("dockerfile").asText());
    assertEquals("deploy/trainer.Dockerfile", services.path("trainer").path("build").path("dockerfile").asText());
    assertEquals(String.valueOf(HTTP_PORT), services.path("streams-app").path("expose").get(0).asText());
    assertEquals(String.valueOf(HTTP_PORT), services.path("streams-app").path("environment").path("NLP_HTTP_PORT")
        .asText());
    assertFalse(services.path("streams-app").has("ports"), "a fixed host port would stop --scale");
    assertFalse(services.path("streams-app").has("container_name"), "a fixed container name would stop --scale");

    String appDockerfile = Files.readString(DEPLOY.resolve("streams-app.Dockerfile"));
    assertTrue(appDockerfile.contains("EXPOSE " + HTTP_PORT));
    assertTrue(appDockerfile.contains("http://127.0.0.1:" + HTTP_PORT + "/ready"), "health check on /ready");

    Set<String> images = new TreeSet<>();
    for (Path m : manifests()) {
      JsonNode doc = yaml(m);
      for (JsonNode c : doc.findValues("containers")) {
        for (JsonNode container : c) {
          if (container.has("image")) { // overlay patches name the container only
            images.add(container.path("image").asText().split(":")[0]);
          }
          for (JsonNode port : container.path("ports")) {
            assertEquals(HTTP_PORT, port.path("containerPort").asInt(), m + " container port");
          }
        }
      }
    }
    assertEquals(Set.of(APP_IMAGE, TRAINER_IMAGE), images);
    JsonNode overlay = yaml(DEPLOY.resolve("k8s/overlays/production/kustomization.yaml"));
    Set<String> overlaid = new TreeSet<>();
    overlay.path("images").forEach(i -> overlaid.add(i.path("name").asText()));
    assertEquals(images, overlaid, "the overlay retags other images than the base uses");

    JsonNode deployment = yaml(DEPLOY.resolve("k8s/base/streams-app-deployment.yaml"));
    JsonNode container = deployment.path("spec").path("template").path("spec").path("containers").get(0);
    assertEquals("/ready", container.path("readinessProbe").path("httpGet").path("path").asText());
    assertTrue(deployment.path("spec").path("replicas").asInt() <= INPUT_PARTITIONS);
    assertTrue(deployment.path("spec").path("template").path("spec").path("terminationGracePeriodSeconds").asInt()
        >= 30, "the grace period must cover a clean close");
    assertTrue(container.path("resources").path("limits").has("memory"));
    assertTrue(container.path("resources").path("requests").has("cpu"));
    JsonNode patch = yaml(DEPLOY.resolve("k8s/overlays/production/streams-app-resources.yaml"));
    assertTrue(patch.path("spec").path("replicas").asInt() <= INPUT_PARTITIONS);
    JsonNode keda = yaml(DEPLOY.resolve("k8s/base/streams-app-scaledobject.yaml"));
    assertTrue(keda.path("spec").path("maxReplicaCount").asInt() <= INPUT_PARTITIONS);
    for (Properties p : configMapProperties()) {
      assertEquals(String.valueOf(HTTP_PORT), p.getProperty(NlpConfig.HTTP_PORT_CONFIG));
    }
  }

  @Test
  void shouldKeepTheHeapAtMostHalfTheContainerMemory() throws IOException {
    for (String f : List.of("streams-app.Dockerfile", "trainer.Dockerfile", "streams-app-gpu.Dockerfile")) {
      String text = Files.readString(DEPLOY.resolve(f));
      Matcher m = Pattern.compile("MaxRAMPercentage=(\\d+)").matcher(text);
      assertTrue(m.find(), f + " sets no MaxRAMPercentage");
      assertTrue(Integer.parseInt(m.group(1)) <= 50, f);
      assertTrue(Pattern.compile("(?m)^USER 10001").matcher(text).find(), f + " must run as a non-root user");
      assertTrue(text.contains("eclipse-temurin:17") || text.contains("openjdk-17"), f + " must run on Java 17");
      if (f.startsWith("streams-app")) {
        assertTrue(Pattern.compile("(?m)^\\s+MALLOC_ARENA_MAX=2 ").matcher(text).find(),
            f + " must limit glibc's malloc arenas (resident memory grew without it in the soak)");
      }
    }
  }

  @Test
  void shouldListTheSameTopicsInTheReadmeTable() throws Exception {
    String readme = Files.readString(ROOT.resolve("README.md"));
    int table = readme.indexOf("| Topic |");
    assertTrue(table >= 0, "README has no topic table");
    int end = readme.indexOf("\n\n", table);
    Matcher m = Pattern.compile("(?m)^\\| `([a-z0-9._-]+)` \\|").matcher(readme.substring(table, end));
    Set<String> listed = new TreeSet<>();
    while (m.find()) {
      listed.add(m.group(1));
    }
    assertEquals(topicConstants(), listed, "README topic table vs Topics");
  }

  @Test
  void shouldDocumentEveryAppConfigKeyInTheOperationsGuide() throws IOException {
    String guide = Files.readString(ROOT.resolve("docs/operations.md"));
    for (String key : NlpConfig.configDef().names()) {
      assertTrue(guide.contains("| `" + key + "` |"), "docs/operations.md's configuration table lacks " + key);
    }
  }

  static List<String> dockerfileEnvNames(Path dockerfile) throws IOException {
    String text = Files.readString(dockerfile).replace("\\\n", " ");
    List<String> names = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.startsWith("ENV ")) {
        Matcher m = Pattern.compile("([A-Z_][A-Z0-9_]*)=").matcher(line.substring(4));
        while (m.find()) {
          names.add(m.group(1).toUpperCase(Locale.ROOT));
        }
      }
    }
    return names;
  }
}
