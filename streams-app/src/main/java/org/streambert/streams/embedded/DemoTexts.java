package org.streambert.streams.embedded;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.streambert.schemas.AvroSerdeConfig;
import org.streambert.schemas.SpecificAvroDeserializer;
import org.streambert.schemas.SpecificAvroSerializer;
import org.streambert.schemas.avro.EnrichedText;
import org.streambert.schemas.avro.Entity;
import org.streambert.schemas.avro.TextRecord;
import org.streambert.streams.NlpConfig;

/** Produces demo texts and prints the enriched results as they arrive. */
final class DemoTexts implements AutoCloseable {
  private final KafkaProducer<String, TextRecord> producer;
  private final KafkaConsumer<String, EnrichedText> consumer;
  private final String inputTopic;
  private volatile boolean feeding = true;
  private int sent;
  private final PrintStream out;

  DemoTexts(String bootstrap, String registryUrl, NlpConfig config, PrintStream out) {
    this.out = out;
    Map<String, Object> serde = Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registryUrl);
    Map<String, Object> p = new HashMap<>();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    SpecificAvroSerializer<TextRecord> valueSerializer = new SpecificAvroSerializer<>();
    valueSerializer.configure(serde, false);
    producer = new KafkaProducer<>(p, new StringSerializer(), valueSerializer);
    Map<String, Object> c = new HashMap<>();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    c.put(ConsumerConfig.GROUP_ID_CONFIG, "embedded-demo-reader");
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    SpecificAvroDeserializer<EnrichedText> valueDeserializer = new SpecificAvroDeserializer<>(EnrichedText.class);
    valueDeserializer.configure(serde, false);
    consumer = new KafkaConsumer<>(c, new StringDeserializer(), valueDeserializer);
    consumer.subscribe(List.of(config.outputTopic()));
    inputTopic = config.inputTopic();
  }

  synchronized void send(String text) {
    String id = "text-" + (++sent);
    producer.send(new ProducerRecord<>(inputTopic, id, new TextRecord(id, text, "en", null, Instant.now())));
    producer.flush();
  }

  /** Sends the texts round-robin, a few per second, until {@link #stopFeeding}. */
  void feed(List<String> textsToSend) {
    feed(textsToSend, 1000);
  }

  /** Sends the texts round-robin, one every {@code pauseMs}, until {@link #stopFeeding}. */
  void feed(List<String> textsToSend, long pauseMs) {
    for (int i = 0; feeding; i++) {
      send(textsToSend.get(i % textsToSend.size()));
      try {
        Thread.sleep(pauseMs);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  void stopFeeding() {
    feeding = false;
  }

  /** Prints the first {@code count} results of {@code version}, skipping (and counting) older ones. */
  void printVersion(String version, int count, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    int printed = 0;
    int skipped = 0;
    while (printed < count) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("no output of version " + version + " within " + timeout);
      }
      for (ConsumerRecord<String, EnrichedText> r : consumer.poll(Duration.ofMillis(200))) {
        if (!r.value().getModelVersion().equals(version)) {
          skipped++;
        } else if (printed++ < count) {
          out.println(render(r.value()));
        }
      }
    }
    out.println("  (" + skipped + " outputs of the previous version were read before the switch)");
  }

  /** Reads (without printing) {@code count} results. */
  void drain(int count, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    int read = 0;
    while (read < count) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("only " + read + " of " + count + " enriched outputs within " + timeout);
      }
      read += consumer.poll(Duration.ofMillis(200)).count();
    }
  }

  /**
   * Prints results until {@code count} were printed, or, with {@code untilVersion}, until three results of that
   * version were printed.
   */
  void printUntil(int count, String untilVersion, boolean compact, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    int printed = 0;
    int ofVersion = 0;
    while (printed < count && (untilVersion == null || ofVersion < 3)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("no enriched output within " + timeout);
      }
      for (ConsumerRecord<String, EnrichedText> r : consumer.poll(Duration.ofMillis(200))) {
        out.println(compact ? renderCompact(r.value()) : render(r.value()));
        printed++;
        if (r.value().getModelVersion().equals(untilVersion)) {
          ofVersion++;
        }
      }
    }
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(5));
    consumer.close(Duration.ofSeconds(5));
  }

  /** One enriched record on one line: version, text, label. */
  static String renderCompact(EnrichedText e) {
    return String.format(Locale.ROOT, "  [v%s] %-62s -> %s", e.getModelVersion(), '"' + e.getText() + '"',
        e.getClassification() == null ? "-" : e.getClassification().getLabel());
  }

  /** One enriched record, readably: version, text, label with score, entities with offsets. */
  static String render(EnrichedText e) {
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT, "  [v%s] %-62s", e.getModelVersion(), '"' + e.getText() + '"'));
    if (e.getClassification() != null) {
      s.append(String.format(Locale.ROOT, " -> %s (%.2f)", e.getClassification().getLabel(),
          e.getClassification().getScore()));
    }
    if (!e.getEntities().isEmpty()) {
      s.append("\n         entities:");
      for (Entity ent : e.getEntities()) {
        s.append(String.format(Locale.ROOT, " %s \"%s\" [%d,%d) %.2f;", ent.getType(), ent.getText(), ent.getStart(),
            ent.getEnd(), ent.getScore()));
      }
    }
    return s.toString();
  }
}
