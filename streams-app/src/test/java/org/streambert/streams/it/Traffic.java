package org.streambert.streams.it;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.streambert.schemas.SpecificAvroSerializer;
import org.streambert.schemas.avro.EnrichedText;
import org.streambert.schemas.avro.TextRecord;
import org.streambert.schemas.rollout.RolloutStatus;
import org.streambert.streams.it.EosVerifier.Sent;

/**
 * Steady traffic for the broker suites that inject faults during it: a feeder that writes numbered good records at a
 * rate with a poison pill ({@link PoisonPills}) every {@code pillEvery} records, each acknowledged ({@code acks=all})
 * before the next, and a live read_committed reader of the output and rollout-status topics that records what was
 * served when and the longest stall (of all outputs, and of one partition). {@link EosVerifier} checks the outcome
 * from {@link #sent} and {@link #pillBytes}.
 */
final class Traffic {

  /** An output as the live reader saw it: its partition, the model version that made it, when. */
  record Seen(int partition, String version, long atMs) {
  }

  private final String bootstrap;
  private final String registryUrl;
  private final String input;
  private final String output;
  private final String status;
  private final int partitions;

  final List<Sent> sent = new CopyOnWriteArrayList<>();
  final Map<String, Sent> sentById = new ConcurrentHashMap<>();
  final Map<String, byte[]> pillBytes = new ConcurrentHashMap<>();
  /** Outputs as the live read_committed reader saw them, by id. */
  final Map<String, Seen> seen = new ConcurrentHashMap<>();
  final List<RolloutStatus> statuses = new CopyOnWriteArrayList<>();
  private final AtomicBoolean feeding = new AtomicBoolean(true);
  private final AtomicBoolean reading = new AtomicBoolean(true);
  private volatile long lastProgressNanos;
  private volatile long maxStallNanos;
  /** Per partition: good records sent, outputs seen, when the last one was seen, the longest wait for one. */
  private final int[] goodSentOn;
  private final int[] seenOn;
  private final long[] progressOn;
  private volatile long maxPartitionStallNanos;
  private volatile Throwable feederFailure;
  private Thread feeder;
  private Thread reader;

  Traffic(String bootstrap, String registryUrl, String input, String output, String status, int partitions) {
    this.bootstrap = bootstrap;
    this.registryUrl = registryUrl;
    this.input = input;
    this.output = output;
    this.status = status;
    this.partitions = partitions;
    this.goodSentOn = new int[partitions];
    this.seenOn = new int[partitions];
    this.progressOn = new long[partitions];
  }

  /**
   * Starts the feeder: {@code r00000}, {@code r00001}, … about {@code rate} a second, each text different (the
   * duplicate cache, on, would answer repeats without a forward pass), and after every {@code pillEvery} records a
   * poison pill, the kinds in turn.
   */
  void startFeeder(int rate, int pillEvery) throws IOException {
    SpecificAvroSerializer<TextRecord> serializer = ItSupport.avroSerializer(registryUrl);
    Map<String, PoisonPills.Pill> pills = PoisonPills.all(serializer, input);
    List<String> kinds = new ArrayList<>(pills.keySet());
    Map<String, Object> props = ItSupport.producerProps(bootstrap);
    props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2 << 20);
    feeder = new Thread(() -> {
      long pause = 1_000 / rate;
      try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(),
          new ByteArraySerializer())) {
        for (int i = 0; feeding.get(); i++) {
          String id = String.format("r%05d", i);
          String text = ItSupport.text(i) + " " + id;
          send(producer, id, serializer.serialize(input, ItSupport.textRecord(id, text)), null);
          if (i % pillEvery == pillEvery - 1) {
            String kind = kinds.get((i / pillEvery) % kinds.size());
            PoisonPills.Pill pill = pills.get(kind);
            String key = "pill-" + i + "-" + kind;
            pillBytes.put(key, pill.bytes());
            send(producer, key, pill.bytes(), pill.reason());
          }
          Thread.sleep(pause);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Exception | Error e) {
        feederFailure = e;
      }
    }, "traffic-feeder");
    feeder.start();
  }

  private void send(KafkaProducer<String, byte[]> producer, String key, byte[] value, String reason)
      throws Exception {
    long at = System.currentTimeMillis();
    RecordMetadata meta = producer.send(new ProducerRecord<>(input, key, value)).get(120, TimeUnit.SECONDS);
    Sent s = new Sent(key, meta.partition(), reason, at);
    sentById.put(key, s);
    if (reason == null) {
      synchronized (goodSentOn) {
        goodSentOn[meta.partition()]++;
      }
    }
    sent.add(s);
  }

  /** Starts the live read_committed reader of outputs and statuses. */
  void startReader() {
    reader = new Thread(() -> {
      try (KafkaConsumer<String, EnrichedText> outputs = ItSupport.committedReader(bootstrap, output,
          ItSupport.enrichedDeserializer(registryUrl));
          KafkaConsumer<String, String> statusReader = ItSupport.committedReader(bootstrap, status,
              new StringDeserializer())) {
        lastProgressNanos = System.nanoTime();
        Arrays.fill(progressOn, lastProgressNanos);
        while (reading.get()) {
          long now = System.nanoTime();
          int before = seen.size();
          for (ConsumerRecord<String, EnrichedText> r : outputs.poll(Duration.ofMillis(100))) {
            long at = System.currentTimeMillis();
            seen.put(r.key(), new Seen(r.partition(), r.value().getModelVersion(), at));
            seenOn[r.partition()]++;
            progressOn[r.partition()] = now;
          }
          synchronized (goodSentOn) {
            for (int p = 0; p < partitions; p++) {
              if (seenOn[p] >= goodSentOn[p]) {
                progressOn[p] = now; // nothing outstanding there: no stall
              } else {
                maxPartitionStallNanos = Math.max(maxPartitionStallNanos, now - progressOn[p]);
              }
            }
          }
          for (ConsumerRecord<String, String> r : statusReader.poll(Duration.ZERO)) {
            try {
              statuses.add(RolloutStatus.fromJson(r.value()));
            } catch (IllegalArgumentException shadowReport) {
              // not a rollout status
            }
          }
          if (seen.size() > before || seen.size() >= goodSent()) {
            lastProgressNanos = now;
          } else {
            maxStallNanos = Math.max(maxStallNanos, now - lastProgressNanos);
          }
        }
      }
    }, "traffic-reader");
    reader.setDaemon(true);
    reader.start();
  }

  /** Good records sent so far. */
  long goodSent() {
    return sent.stream().filter(s -> s.expectedReason() == null).count();
  }

  /** The partition with the most good records sent so far. */
  int busiestPartition() {
    synchronized (goodSentOn) {
      int best = 0;
      for (int p = 1; p < partitions; p++) {
        best = goodSentOn[p] > goodSentOn[best] ? p : best;
      }
      return best;
    }
  }

  /** The longest time no new output came while inputs were outstanding, in seconds. */
  double maxStallSeconds() {
    return maxStallNanos / 1e9;
  }

  /** The longest time one partition had no new output while its inputs were outstanding, in seconds. */
  double maxPartitionStallSeconds() {
    return maxPartitionStallNanos / 1e9;
  }

  /** Returns {@link #maxStallSeconds} and starts measuring afresh (a stall per fault). */
  double takeMaxStallSeconds() {
    double s = maxStallSeconds();
    maxStallNanos = 0;
    return s;
  }

  void awaitOutputs(int count) throws InterruptedException {
    awaitOutputs(count, Duration.ofSeconds(120));
  }

  void awaitOutputs(int count, Duration timeout) throws InterruptedException {
    ItSupport.waitFor(timeout, () -> {
      checkFeeder();
      return seen.size() >= count;
    }, count + " outputs (have " + seen.size() + ")");
  }

  void awaitNewOutputs(int count) throws InterruptedException {
    awaitOutputs(seen.size() + count);
  }

  /**
   * Stops the feeder, waits until every good record sent has its output (within {@code timeout}), and reads on for
   * two more seconds, where a late duplicate would show up.
   */
  void drain(Duration timeout) throws InterruptedException {
    feeding.set(false);
    feeder.join(30_000);
    checkFeeder();
    long good = goodSent();
    ItSupport.waitFor(timeout, () -> seen.size() >= good, "every output (have " + seen.size() + " of " + good + ")");
    Thread.sleep(2_000);
    reading.set(false);
    reader.join(10_000);
  }

  private void checkFeeder() {
    if (feederFailure != null) {
      throw new IllegalStateException("producing inputs failed", feederFailure);
    }
  }

  /** Stops both threads (after a failure too). */
  void stop() throws InterruptedException {
    feeding.set(false);
    reading.set(false);
    if (feeder != null) {
      feeder.join(10_000);
    }
    if (reader != null) {
      reader.join(10_000);
    }
  }
}
