package org.streambert.streams.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.schemas.avro.TextRecord;
import org.streambert.schemas.embedded.KafkaBrokerProcess;
import org.streambert.streams.NlpConfig;
import org.streambert.streams.NlpSerdes;
import org.streambert.streams.NlpService;
import org.streambert.streams.serving.ModelHolder;
import org.streambert.streams.testing.TestModels;
import org.streambert.streams.testing.TestModels.RuleForwardPass;

/**
 * The Grafana dashboard in deploy/grafana queries only metrics that a real scrape of the app's {@code /metrics}
 * holds, and that scrape follows Prometheus' conventions: the app runs on a real broker, enriches records and
 * dead-letters one, then the test scrapes it and parses every query of the dashboard.
 */
class MetricsDashboardBrokerTest {

  static final Path DASHBOARD = DeployFilesTest.DEPLOY.resolve("grafana/dashboards/streaming-bert.json");
  /** Names in a PromQL expression that are metrics, not functions or keywords: ours, Kafka's, the JVM's. */
  private static final Pattern METRIC = Pattern.compile("\\b((?:nlp|kafka|jvm|process|system)_[a-z0-9_]+)\\b");
  private static final Pattern SERIES = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]");

  @TempDir
  Path dir;

  @Test
  void shouldServeEveryMetricTheDashboardQueries() throws Exception {
    Set<String> queried = dashboardMetrics();
    assertTrue(queried.size() >= 10, "the dashboard queries too little: " + queried);
    try (KafkaBrokerProcess broker = KafkaBrokerProcess.start(dir.resolve("broker"), Map.of())) {
      String registry = "mock://" + UUID.randomUUID();
      Map<String, Object> props = new HashMap<>();
      props.put(StreamsConfig.APPLICATION_ID_CONFIG, "nlp-metrics-test");
      props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
      props.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("state").toString());
      props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
      props.put("schema.registry.url", registry);
      props.put(NlpConfig.HTTP_PORT_CONFIG, 0);
      props.put(NlpConfig.INSTANCE_ID_CONFIG, "metrics-test");
      props.put(NlpConfig.BATCH_MAX_SIZE_CONFIG, 4);
      props.put(NlpConfig.METRICS_KAFKA_REFRESH_MS_CONFIG, 500L);
      ModelHolder models = new ModelHolder("bert-nlp");
      models.swap(TestModels.serving("7", RuleForwardPass.standard()));
      NlpSerdes serdes = NlpSerdes.fromConfig(Map.of("schema.registry.url", registry));
      try (NlpService app = NlpService.start(new NlpConfig(props), new TestModels.Loader(), models)) {
        Map<String, Object> pp = new HashMap<>();
        pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        try (var producer = new KafkaProducer<>(pp, new StringSerializer(), new ByteArraySerializer())) {
          for (int i = 0; i < 8; i++) {
            producer.send(new ProducerRecord<>("text-input", "k" + i, serdes.textRecord().serializer().serialize(
                "text-input", TextRecord.newBuilder().setId("r" + i).setText("good day alice " + i)
                    .setEventTime(Instant.now()).build())));
          }
          producer.send(new ProducerRecord<>("text-input", "bad", new byte[] {0, 0, 0, 0, 99}));
        }
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        URI uri = URI.create("http://127.0.0.1:" + app.httpPort() + "/metrics");
        String scrape = "";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
          HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
              HttpResponse.BodyHandlers.ofString());
          assertEquals(200, r.statusCode());
          assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
          scrape = r.body();
          // Kafka's per-partition and per-task metrics appear once partitions are assigned and fetched.
          if (value(scrape, "nlp_records_enriched_total") >= 8 && seriesNames(scrape).containsAll(queried)
              && value(scrape, "nlp_records_dead_lettered_total{", "reason=\"UNDECODABLE\"") >= 1) {
            break;
          }
          Thread.sleep(200);
        }
                Set<String> served = seriesNames(scrape);
        Set<String> missing = new TreeSet<>(queried);
        missing.removeAll(served);
        assertTrue(missing.isEmpty(), "the dashboard queries metrics /metrics lacks: " + missing);

        assertEquals(8.0, value(scrape, "nlp_records_enriched_total"), scrape);
        assertEquals(1.0, value(scrape, "nlp_records_dead_lettered_total{", "reason=\"UNDECODABLE\""));
        assertEquals(1.0, value(scrape, "nlp_model_info{"), "the serving version");
        assertTrue(scrape.contains("model_version=\"7\""), "model_info names the version");
        assertTrue(scrape.contains("instance_id=\"metrics-test\""), "every series names its instance");
        assertTrue(value(scrape, "nlp_infer_seconds_count") >= 2, "histogram count of batches");
        assertTrue(scrape.contains("nlp_infer_seconds_bucket{"), "infer latency is a histogram");
        assertTrue(scrape.contains("nlp_record_latency_seconds_bucket{"));
        // Prometheus naming of our metrics: _total only on counters, no microsecond units left.
        for (String line : scrape.split("\n")) {
          if (line.startsWith("# TYPE nlp_") && line.split(" ")[2].endsWith("_total")) {
            assertEquals("counter", line.split(" ")[3], line);
          }
          assertFalse(line.contains("micros"), line);
        }
      }
    }
  }

  /** Every metric name in the expressions of the dashboard's panels. */
  static Set<String> dashboardMetrics() throws Exception {
    JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
    List<String> exprs = new ArrayList<>();
    collectExprs(dashboard, exprs);
    Set<String> names = new TreeSet<>();
    for (String expr : exprs) {
      // Label matchers and grouping clauses name labels, not metrics.
      String bare = expr.replaceAll("\\{[^}]*}", "").replaceAll("(by|without)\\s*\\([^)]*\\)", "");
      Matcher m = METRIC.matcher(bare);
      boolean any = false;
      while (m.find()) {
        names.add(m.group(1));
        any = true;
      }
      assertTrue(any, "query without a known metric: " + expr);
    }
    return names;
  }

  private static void collectExprs(JsonNode node, List<String> out) {
    if (node.isObject()) {
      node.fields().forEachRemaining(e -> {
        if ((e.getKey().equals("expr") || e.getKey().equals("definition")) && e.getValue().isTextual()) {
          out.add(e.getValue().asText());
        } else {
          collectExprs(e.getValue(), out);
        }
      });
    } else if (node.isArray()) {
      node.forEach(n -> collectExprs(n, out));
    }
  }

  private static Set<String> seriesNames(String scrape) {
    Set<String> names = new TreeSet<>();
    for (String line : scrape.split("\n")) {
      Matcher m = SERIES.matcher(line);
      if (!line.startsWith("#") && m.find()) {
        names.add(m.group(1));
      }
    }
    return names;
  }

  /** Sum of the values of every series whose line starts with {@code prefix} and holds every label fragment. */
  private static double value(String scrape, String prefix, String... labels) {
    double sum = 0;
    for (String line : scrape.split("\n")) {
      if (line.startsWith(prefix) && Arrays.stream(labels).allMatch(line::contains)) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }
}
