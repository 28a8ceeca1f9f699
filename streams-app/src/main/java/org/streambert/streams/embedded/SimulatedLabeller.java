package org.streambert.streams.embedded;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
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
import org.streambert.schemas.avro.EntitySpan;
import org.streambert.schemas.avro.TrainingExample;
import org.streambert.schemas.signing.ExampleSignatures;
import org.streambert.schemas.signing.SigningKey;

/**
 * The embedded demo's stand-in for human labellers: answers each labelling request on {@code needs-labeling} with
 * the generated data's ground truth for that text (class label from the topics TSV, entity spans from the CoNLL
 * file), as a {@link TrainingExample} with the request's id on {@code training-examples}, signed with the demo's
 * labeller key (trainer serve trusts only signed examples). Requests for texts it has no truth for are left
 * unanswered. Runs on its own thread until closed.
 */
public final class SimulatedLabeller implements AutoCloseable {

  /** Ground truth of one text: a class label and/or entity spans (null = not labelled for that task). */
  public record Truth(String label, List<EntitySpan> entities) {}

  private final KafkaConsumer<String, TrainingExample> consumer;
  private final KafkaProducer<String, TrainingExample> producer;
  private final String examplesTopic;
  private final Map<String, Truth> truth;
  private final SigningKey key;
  private final AtomicLong answered = new AtomicLong();
  private final Thread thread;
  private volatile boolean running = true;

  /** @param key the labeller key every answer is signed with */
  public SimulatedLabeller(String bootstrap, String registryUrl, String requestsTopic, String examplesTopic,
      Map<String, Truth> truth, SigningKey key) {
    this.key = key;
    this.examplesTopic = examplesTopic;
    this.truth = truth;
    Map<String, Object> serde = Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registryUrl);
    SpecificAvroDeserializer<TrainingExample> values = new SpecificAvroDeserializer<>(TrainingExample.class);
    values.configure(serde, false);
    Map<String, Object> c = new HashMap<>();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    c.put(ConsumerConfig.GROUP_ID_CONFIG, "embedded-simulated-labeller");
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    consumer = new KafkaConsumer<>(c, new StringDeserializer(), values);
    consumer.subscribe(List.of(requestsTopic));
    SpecificAvroSerializer<TrainingExample> out = new SpecificAvroSerializer<>();
    out.configure(serde, false);
    producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
        new StringSerializer(), out);
    thread = new Thread(this::loop, "simulated-labeller");
    thread.setDaemon(true);
    thread.start();
  }

  private void loop() {
    while (running) {
      for (ConsumerRecord<String, TrainingExample> r : consumer.poll(Duration.ofMillis(200))) {
        TrainingExample request = r.value();
        Truth t = request == null ? null : truth.get(request.getText());
        if (t == null) {
          continue;
        }
        TrainingExample answer = ExampleSignatures.sign(TrainingExample.newBuilder().setId(request.getId())
            .setText(request.getText()).setLabel(t.label()).setEntities(t.entities())
            .setSource("simulated-labeller (demo ground truth)").setLabeller("simulated-labeller")
            .setModelVersion(request.getModelVersion()).setCreatedAt(Instant.now()).build(), key);
        producer.send(new ProducerRecord<>(examplesTopic, request.getId(), answer));
        answered.incrementAndGet();
      }
      producer.flush();
    }
  }

  /** Requests answered so far. */
  public long answered() {
    return answered.get();
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.join(5000);
    consumer.close(Duration.ofSeconds(5));
    producer.close(Duration.ofSeconds(5));
  }

  /** Text → label of a {@code text<TAB>label} file. */
  public static Map<String, Truth> readTopics(Path tsv) throws IOException {
    Map<String, Truth> out = new LinkedHashMap<>();
    for (String line : Files.readAllLines(tsv, StandardCharsets.UTF_8)) {
      int tab = line.lastIndexOf('\t');
      if (tab > 0) {
        out.put(line.substring(0, tab), new Truth(line.substring(tab + 1).strip(), null));
      }
    }
    return out;
  }

  /** Text (tokens joined by single spaces) → entity spans (code points) of an IOB2 CoNLL file. */
  public static Map<String, Truth> readConll(Path conll) throws IOException {
    Map<String, Truth> out = new LinkedHashMap<>();
    List<String[]> sentence = new ArrayList<>();
    List<String> lines = new ArrayList<>(Files.readAllLines(conll, StandardCharsets.UTF_8));
    lines.add("");
    for (String line : lines) {
      if (!line.isBlank()) {
        String[] cols = line.strip().split("\\s+");
        sentence.add(new String[] {cols[0], cols[cols.length - 1]});
        continue;
      }
      if (sentence.isEmpty()) {
        continue;
      }
      StringBuilder text = new StringBuilder();
      List<EntitySpan> spans = new ArrayList<>();
      EntitySpan open = null;
      for (String[] tokenTag : sentence) {
        if (text.length() > 0) {
          text.append(' ');
        }
        int start = text.codePointCount(0, text.length());
        text.append(tokenTag[0]);
        int end = text.codePointCount(0, text.length());
        String tag = tokenTag[1];
        if (tag.startsWith("I-") && open != null && open.getType().equals(tag.substring(2))) {
          open.setEnd(end);
        } else if (tag.startsWith("B-") || tag.startsWith("I-")) {
          open = new EntitySpan(tag.substring(2), start, end);
          spans.add(open);
        } else {
          open = null;
        }
      }
      out.put(text.toString(), new Truth(null, spans));
      sentence.clear();
    }
    return out;
  }
}
