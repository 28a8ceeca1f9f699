package org.streambert.trainer.label.internals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.streambert.schemas.SpecificAvroSerde;
import org.streambert.schemas.avro.TrainingExample;
import org.streambert.schemas.avro.TrainingRun;
import org.streambert.schemas.signing.ExampleSignatures;
import org.streambert.schemas.signing.SigningKey;
import org.streambert.trainer.data.KafkaClients;

/**
 * The labelling page's Kafka side: one thread reads {@code needs-labeling}, {@code training-examples} and
 * {@code training-runs} from the beginning (read_committed) into a {@link LabelQueue}; {@link #write} signs an answer
 * with the page's labeller key and produces it in its own transaction (transactional id {@code labelling-page-<key
 * id>}: a second page with the same key fences the first, so there is one writer per key), keyed
 * {@code <request id>/<labeller>} so that a compacted topic keeps every person's answer. Exactly once per request and
 * person: {@link #write} refuses an answer the queue already holds for that person, and the page starts serving
 * only after the topics were read to their end ({@link #caughtUp}), so a restart knows every answer written before.
 */
public final class LabelLoop implements AutoCloseable {

  /** The result of one write. */
  public enum Written { WRITTEN, ALREADY_ANSWERED }

  private final LabelQueue queue;
  private final String requestsTopic;
  private final String examplesTopic;
  private final String runsTopic;
  private final SigningKey key;
  private final KafkaConsumer<String, byte[]> consumer;
  private final KafkaProducer<String, TrainingExample> producer;
  private final Deserializer<TrainingExample> examples;
  private final Deserializer<TrainingRun> runs;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Thread thread;
  private volatile boolean caughtUp;
  private volatile Exception failure;

  public LabelLoop(KafkaClients clients, LabelQueue queue, String requestsTopic, String examplesTopic,
      String runsTopic, SigningKey key) {
    this.queue = queue;
    this.requestsTopic = requestsTopic;
    this.examplesTopic = examplesTopic;
    this.runsTopic = runsTopic;
    this.key = key;
    SpecificAvroSerde<TrainingExample> exampleSerde = new SpecificAvroSerde<>(TrainingExample.class);
    exampleSerde.configure(clients.serdeConfigs(), false);
    this.examples = exampleSerde.deserializer();
    SpecificAvroSerde<TrainingRun> runSerde = new SpecificAvroSerde<>(TrainingRun.class);
    runSerde.configure(clients.serdeConfigs(), false);
    this.runs = runSerde.deserializer();
    Properties c = clients.kafkaProperties();
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    c.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 * 1024 * 1024);
    this.consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
    Properties p = clients.kafkaProperties();
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "labelling-page-" + key.id());
    SpecificAvroSerde<TrainingExample> out = new SpecificAvroSerde<>(TrainingExample.class);
    out.configure(clients.serdeConfigs(), false);
    this.producer = new KafkaProducer<>(p, new StringSerializer(), out.serializer());
    this.producer.initTransactions();
    this.thread = new Thread(this::loop, "labelling-page-reader");
    this.thread.setDaemon(true);
    this.thread.start();
  }

  private void loop() {
    try {
      List<TopicPartition> partitions = new ArrayList<>();
      for (String topic : List.of(requestsTopic, examplesTopic, runsTopic)) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
        if (infos == null || infos.isEmpty()) {
          throw new IllegalStateException("topic '" + topic + "' does not exist");
        }
        infos.forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions, Duration.ofSeconds(30)));
      while (running.get()) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          accept(r);
        }
        if (!caughtUp && partitions.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp))) {
          caughtUp = true;
        }
      }
    } catch (RuntimeException e) {
      failure = e;
    }
  }

  private void accept(ConsumerRecord<String, byte[]> r) {
    if (r.value() == null) {
      return;
    }
    try {
      if (r.topic().equals(requestsTopic)) {
        queue.request(examples.deserialize(r.topic(), r.value()));
      } else if (r.topic().equals(examplesTopic)) {
        queue.example(examples.deserialize(r.topic(), r.value()));
      } else {
        queue.round(runs.deserialize(r.topic(), r.value()));
      }
    } catch (KafkaException | org.apache.avro.AvroRuntimeException | IllegalArgumentException e) {
      // a record that does not decode is skipped (the trainer counts it too)
    }
  }

  /** True once every topic was read to the end it had at start (answers written before are all known). */
  public boolean caughtUp() {
    return caughtUp;
  }

  /** Why the reader stopped, if it did. */
  public Exception failure() {
    return failure;
  }

  /** Waits until {@link #caughtUp()}; false after {@code timeout} or when the reader failed. */
  public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!caughtUp && failure == null && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    return caughtUp;
  }

  /**
   * Signs and writes {@code answer} (its id the request's, its labeller the person's) unless that person's answer to
   * that request is already known; synchronized, so a double submit writes once.
   */
  public synchronized Written write(TrainingExample answer) {
    if (queue.answerOf(answer.getId(), answer.getLabeller()) != null) {
      return Written.ALREADY_ANSWERED;
    }
    TrainingExample signed = ExampleSignatures.sign(answer, key);
    producer.beginTransaction();
    try {
      producer.send(new ProducerRecord<>(examplesTopic, answer.getId() + "/" + answer.getLabeller(), signed))
          .get(30, TimeUnit.SECONDS);
      producer.commitTransaction();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      producer.abortTransaction();
      throw new IllegalStateException("interrupted while writing an answer", e);
    } catch (Exception e) {
      try {
        producer.abortTransaction();
      } catch (KafkaException abort) {
        e.addSuppressed(abort);
      }
      throw new IllegalStateException("cannot write the answer to " + examplesTopic + ": " + e.getMessage(), e);
    }
    queue.answered(signed);
    return Written.WRITTEN;
  }

  @Override
  public void close() {
    running.set(false);
    try {
      thread.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    consumer.close(Duration.ofSeconds(5));
    producer.close(Duration.ofSeconds(5));
  }
}
