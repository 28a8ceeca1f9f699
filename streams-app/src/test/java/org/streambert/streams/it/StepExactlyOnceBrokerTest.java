package org.streambert.streams.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.schemas.embedded.KafkaBrokerProcess;

/**
 * The library step's exactly-once guarantee inside a user's topology, on a real broker: {@link StepEosApp} numbers
 * each key's records in a store of its own before the step and counts the enriched records per key after it, under
 * exactly_once_v2; it is SIGKILLed while a batch runs (its forward pass marks itself with a file) and restarted. Read
 * with read_committed afterwards: every input enriched exactly once, each key's numbers 1..n in input order (the
 * store before the step neither lost nor repeated an update), and each key's last committed count equal to its inputs
 * (the count after the step neither). The same run under at_least_once fails here (a key numbered past its inputs,
 * records enriched twice): the checks see what exactly-once prevents.
 */
class StepExactlyOnceBrokerTest {

  static final int KEYS = 10;
  static final int PER_KEY = 40;

  @TempDir
  Path dir;

  @Test
  void shouldKeepTheUsersStateBeforeAndAfterTheStepExactlyOnceWhenKilledMidBatch() throws Exception {
    long started = System.nanoTime();
    Map<String, String> brokerConfig = Map.of("transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000");
    try (KafkaBrokerProcess broker = KafkaBrokerProcess.start(dir.resolve("broker"), brokerConfig)) {
      String bootstrap = broker.bootstrapServers();
      ItSupport.createTopics(bootstrap, 2, List.of(StepEosApp.INPUT, StepEosApp.ENRICHED, StepEosApp.COUNTS),
          StepEosApp.CHECKPOINTS);
      // Per key, in order: "<key>-<i> good day" for even i, "<key>-<i> bad day" for odd i, keys interleaved.
      Map<String, List<String>> sentByKey = new LinkedHashMap<>();
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(ItSupport.producerProps(bootstrap),
          new StringSerializer(), new StringSerializer())) {
        for (int i = 0; i < PER_KEY; i++) {
          for (int k = 0; k < KEYS; k++) {
            String key = "k" + k;
            String value = key + "-" + i + (i % 2 == 0 ? " good day" : " bad day");
            producer.send(new ProducerRecord<>(StepEosApp.INPUT, key, value));
            sentByKey.computeIfAbsent(key, x -> new ArrayList<>()).add(value);
          }
        }
        producer.flush();
      }

      Path marker = dir.resolve("in-batch");
      Process first = start(bootstrap, marker, "app-1.log");
      Process second = null;
      try (KafkaConsumer<String, String> reader = ItSupport.committedReader(bootstrap, StepEosApp.ENRICHED,
          new StringDeserializer())) {
        List<String> seen = new ArrayList<>();
        try {
          ItSupport.waitFor(Duration.ofSeconds(90), () -> {
            assertTrue(first.isAlive(), "the app died by itself");
            reader.poll(Duration.ofMillis(100)).forEach(r -> seen.add(r.value()));
            return seen.size() >= 80 && Files.exists(marker);
          }, "80 committed outputs and a batch running");
        } catch (AssertionError e) {
          System.out.printf("%d outputs seen; app-1.log:%n%s%n", seen.size(), tail(dir.resolve("app-1.log")));
          throw e;
        }
        first.destroyForcibly();
        assertTrue(first.waitFor(30, TimeUnit.SECONDS));
        assertEquals(137, first.exitValue(), "not killed by SIGKILL");
        assertTrue(Files.exists(marker), "the kill did not land inside a forward pass");
        System.out.printf("killed mid-batch with %d committed outputs seen%n", seen.size());
        Files.delete(marker);

        second = start(bootstrap, marker, "app-2.log");
        Process restarted = second;
        ItSupport.waitFor(Duration.ofSeconds(90), () -> {
          assertTrue(restarted.isAlive(), "the restarted app died; see app-2.log");
          reader.poll(Duration.ofMillis(100)).forEach(r -> seen.add(r.value()));
          return seen.size() >= KEYS * PER_KEY;
        }, "every input enriched");
        Thread.sleep(1_000); // a late duplicate or count would show up here
      } finally {
        ItSupport.stop(second);
      }
      verify(bootstrap, sentByKey);
    }
    System.out.printf("StepExactlyOnceBrokerTest took %d s%n", TimeUnit.NANOSECONDS.toSeconds(System.nanoTime()
        - started));
  }

  private void verify(String bootstrap, Map<String, List<String>> sentByKey) {
    Map<String, List<String>> enriched = new HashMap<>();
    for (ConsumerRecord<String, String> r : ItSupport.readAllCommitted(bootstrap, StepEosApp.ENRICHED,
        new StringDeserializer())) {
      enriched.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r.value());
    }
    for (Map.Entry<String, List<String>> e : sentByKey.entrySet()) {
      List<String> sent = e.getValue();
      List<String> expected = IntStream.range(0, sent.size()).mapToObj(i -> (i + 1) + "|" + sent.get(i) + "|"
          + (sent.get(i).endsWith("good day") ? "pos" : "neg")).toList();
      assertEquals(expected, enriched.get(e.getKey()), "key " + e.getKey() + ": every record once, numbered 1.."
          + sent.size() + " in input order, with its label");
    }
    Map<String, Long> lastCount = new HashMap<>();
    for (ConsumerRecord<String, Long> r : ItSupport.readAllCommitted(bootstrap, StepEosApp.COUNTS,
        new LongDeserializer())) {
      lastCount.put(r.key(), r.value());
    }
    Map<String, Long> expectedCounts = new HashMap<>();
    sentByKey.forEach((k, v) -> expectedCounts.put(k, (long) v.size()));
    assertEquals(expectedCounts, lastCount, "the count() after the step counts every record once");
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private Process start(String bootstrap, Path marker, String log) throws Exception {
    List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
        "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), StepEosApp.class.getName(), bootstrap,
        dir.resolve("state").toString(), marker.toString());
    return new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(log).toFile())).start();
  }
}
