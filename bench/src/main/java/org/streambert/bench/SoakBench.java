package org.streambert.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToDoubleFunction;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.tokenizer.Vocab;
import org.streambert.bert.weights.EasyBertArtifact;
import org.streambert.schemas.AvroSerdeConfig;
import org.streambert.schemas.SpecificAvroSerializer;
import org.streambert.schemas.avro.EnrichedText;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.avro.TextRecord;
import org.streambert.schemas.rollout.RolloutStatus;
import org.streambert.streams.NlpConfig;

/**
 * Issue 23 §4: a soak run. One app instance (child JVM, {@code exactly_once_v2}, duplicate cache on) enriches a
 * steady stream for {@code minutes} while a new model version is rolled out every {@code rolloutMinutes}; every
 * {@code sampleSeconds} the bench forces a full GC in the child ({@code jcmd GC.run}) and reads its RSS, heap after
 * GC ({@code /metrics}), threads and open file descriptors ({@code /proc}). It prints the samples, the least-squares
 * slope of each per hour (after the first {@value #WARM_UP_MINUTES} minutes), and at the end checks that every input
 * is in the output or the dead-letter topic exactly once (read_committed) and that the app never logged a Micrometer
 * double registration.
 *
 * <p>Model: BERT L=2, H=128 with random weights over the real uncased vocabulary (so raw text tokenizes as in
 * production), a new seed per version. Texts: wnut17/wikigold sentences when {@code ../shared} is found, else
 * generated; 30% of the records repeat an earlier text (the cache hits), one in 1,000 is a poison pill (a wrong
 * magic byte).
 *
 * <p>Arguments: {@code [minutes=30] [records per second=20] [rolloutMinutes=3] [sampleSeconds=30]}.
 */
public final class SoakBench {

  static final int WARM_UP_MINUTES = 3;
  static final String MODEL = "soak-bert";
  static final String INPUT = "soak-input";
  static final String OUTPUT = "soak-enriched";
  static final String DLQ = "soak-dlq";
  static final String STATUS = "soak-status";
  static final String CHECKPOINTS = "soak-checkpoints";

  /** One reading of the child. */
  record Sample(double minutes, long rssKb, double heapMb, double nonHeapMb, double rocksDbMb, int threads, int fds,
      long outputs, String load) {
  }

  private SoakBench() {
  }

  public static void main(String[] args) throws Exception {
    double minutes = args.length > 0 ? Double.parseDouble(args[0]) : 30;
    double rate = args.length > 1 ? Double.parseDouble(args[1]) : 20;
    double rolloutMinutes = args.length > 2 ? Double.parseDouble(args[2]) : 3;
    int sampleSeconds = args.length > 3 ? Integer.parseInt(args[3]) : 30;
    System.out.printf(Locale.ROOT, "soak: %.0f min, %.0f records/s, a rollout every %.1f min, samples every %d s; "
            + "%d cpus, load average %s at %s%n", minutes, rate, rolloutMinutes, sampleSeconds,
        Runtime.getRuntime().availableProcessors(), BenchSupport.loadAverage(), Instant.now());
    List<String> texts = EndToEndBench.texts(3_000);
    Path vocabDir = EasyBertArtifact.UNCASED.extract(EasyBertArtifact.defaultCacheRoot());
    Vocab vocab = Vocab.load(vocabDir.resolve("assets/vocab.txt"));
    BertConfig config = AppCluster.smallBert(vocab.size(), 2, 128);
    Path dir = Files.createTempDirectory("soak-bench");
    try (AppCluster cluster = AppCluster.start(dir)) {
      cluster.createTopics(2, List.of(INPUT, OUTPUT, DLQ, STATUS), CHECKPOINTS);
      int version = 1;
      cluster.publish(CHECKPOINTS, cluster.writeBundle(MODEL, "1", config, vocab, 1));
      Map<String, Object> app = cluster.appConfig("nlp-soak", "soak-1");
      app.put(NlpConfig.INPUT_TOPIC_CONFIG, INPUT);
      app.put(NlpConfig.OUTPUT_TOPIC_CONFIG, OUTPUT);
      app.put(NlpConfig.DLQ_TOPIC_CONFIG, DLQ);
      app.put(NlpConfig.ROLLOUT_STATUS_TOPIC_CONFIG, STATUS);
      app.put(NlpConfig.CHECKPOINTS_TOPIC_CONFIG, CHECKPOINTS);
      app.put(NlpConfig.MODEL_NAME_CONFIG, MODEL);
      app.put(NlpConfig.CACHE_MAX_ENTRIES_CONFIG, 10_000);
      // A fixed, pre-touched heap: RSS growth is then native memory (TensorFlow, buffers, threads), not the heap.
      AppCluster.Instance instance = cluster.startApp("soak-1", app,
          List.of("-Xms512m", "-Xmx512m", "-XX:+AlwaysPreTouch"));

      Map<String, Boolean> sent = new ConcurrentHashMap<>(); // id -> poison pill
      AtomicBoolean feeding = new AtomicBoolean(true);
      AtomicInteger produced = new AtomicInteger();
      List<Sample> samples = new ArrayList<>();
      List<String> rollouts = new ArrayList<>();
      try (KafkaConsumer<String, String> statuses = cluster.committedReader(STATUS, new StringDeserializer());
          KafkaConsumer<String, byte[]> outputs = cluster.committedReader(OUTPUT, new ByteArrayDeserializer())) {
        awaitStatus(statuses, "1", Duration.ofMinutes(3));
        Thread feeder = new Thread(() -> feed(cluster, texts, rate, feeding, sent, produced), "soak-feeder");
        feeder.start();
        long start = System.nanoTime();
        long end = start + (long) (minutes * 60e9);
        long nextRollout = start + (long) (rolloutMinutes * 60e9);
        long nextSample = start;
        long outputCount = 0;
        while (System.nanoTime() < end) {
          if (!instance.process().isAlive()) {
            throw new IllegalStateException("the app exited; see " + instance.log());
          }
          outputCount += outputs.poll(Duration.ofMillis(200)).count();
          if (System.nanoTime() >= nextRollout) {
            version++;
            long t = System.nanoTime();
            cluster.publish(CHECKPOINTS, cluster.writeBundle(MODEL, String.valueOf(version), config, vocab, version));
            awaitStatus(statuses, String.valueOf(version), Duration.ofMinutes(3));
            String line = String.format(Locale.ROOT, "minute %.1f: version %d written, published and LOADED in %.1f s",
                (t - start) / 60e9, version, (System.nanoTime() - t) / 1e9);
            rollouts.add(line);
            System.out.println(line);
            nextRollout += (long) (rolloutMinutes * 60e9);
          }
          if (System.nanoTime() >= nextSample) {
            AppCluster.fullGc(instance);
            String scrape = AppCluster.get(instance, "/metrics");
            double heap = scrape == null ? Double.NaN
                : AppCluster.metric(scrape, "jvm_memory_used_bytes", "area=\"heap\"") / (1 << 20);
            double nonHeap = scrape == null ? Double.NaN
                : AppCluster.metric(scrape, "jvm_memory_used_bytes", "area=\"nonheap\"") / (1 << 20);
            double rocksDb = scrape == null ? Double.NaN : (AppCluster.metric(scrape,
                "kafka_stream_state_size_all_mem_tables", null) + AppCluster.metric(scrape,
                "kafka_stream_state_block_cache_usage", null) + AppCluster.metric(scrape,
                "kafka_stream_state_estimate_table_readers_mem", null)) / (1 << 20);
            AppCluster.ProcStats s = AppCluster.stats(instance);
            Sample sample = new Sample((System.nanoTime() - start) / 60e9, s.rssKb(), heap, nonHeap, rocksDb,
                s.threads(), s.fds(), outputCount, BenchSupport.loadAverage());
            samples.add(sample);
            System.out.printf(Locale.ROOT, "minute %5.1f: RSS %7.1f MB, heap after GC %6.1f MB, non-heap %5.1f MB, "
                    + "RocksDB %5.1f MB, %3d threads, %3d fds, %7d outputs, %6d produced, load %s%n", sample.minutes(),
                sample.rssKb() / 1024.0, sample.heapMb(), sample.nonHeapMb(), sample.rocksDbMb(), sample.threads(),
                sample.fds(), outputCount, produced.get(), sample.load());
            nextSample += sampleSeconds * 1_000_000_000L;
          }
        }
        feeding.set(false);
        feeder.join(30_000);
      }
      // Every input in the output or the DLQ, once.
      long settle = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
      List<ConsumerRecord<String, byte[]>> out;
      List<ConsumerRecord<String, byte[]>> dead;
      do {
        Thread.sleep(2_000);
        out = cluster.readAllCommitted(OUTPUT, new ByteArrayDeserializer());
        dead = cluster.readAllCommitted(DLQ, new ByteArrayDeserializer());
      } while (out.size() + dead.size() < sent.size() && System.nanoTime() < settle);
      AppCluster.stop(instance);
      Map<String, Integer> counts = new HashMap<>();
      out.forEach(r -> counts.merge(r.key(), 1, Integer::sum));
      dead.forEach(r -> counts.merge(r.key(), 1, Integer::sum));
      long lost = sent.keySet().stream().filter(id -> !counts.containsKey(id)).count();
      long duplicated = counts.values().stream().filter(c -> c > 1).count();
      long pillsInDlq = dead.stream().filter(r -> Boolean.TRUE.equals(sent.get(r.key()))).count();
      long doubleRegistrations;
      try (var lines = Files.lines(instance.log(), StandardCharsets.UTF_8)) {
        doubleRegistrations = lines.filter(l -> l.contains("has been already registered")).count();
      }
      System.out.printf(Locale.ROOT, "exactly once: %d records sent (%d poison pills), %d outputs, %d dead letters "
              + "(%d of them pills), %d lost, %d duplicated; %d rollouts; Micrometer double registrations logged: %d%n",
          sent.size(), sent.values().stream().filter(b -> b).count(), out.size(), dead.size(), pillsInDlq, lost,
          duplicated, version - 1, doubleRegistrations);
      printSlopes(samples);
      System.out.printf(Locale.ROOT, "load average at end: %s at %s%n", BenchSupport.loadAverage(), Instant.now());
    } finally {
      EndToEndBench.deleteRecursively(dir);
    }
  }

  /** Produces at {@code rate} records/s: 30% repeat an earlier text, one in 1,000 is a poison pill. */
  private static void feed(AppCluster cluster, List<String> texts, double rate, AtomicBoolean feeding,
      Map<String, Boolean> sent, AtomicInteger produced) {
    SpecificAvroSerializer<TextRecord> values = new SpecificAvroSerializer<>();
    values.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, cluster.registry.url()), false);
    Random random = new Random(23);
    long pauseNanos = (long) (1e9 / rate);
    long next = System.nanoTime();
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(cluster.producerProps(),
        new StringSerializer(), new ByteArraySerializer())) {
      for (int i = 0; feeding.get(); i++) {
        String id = String.format("s%07d", i);
        boolean pill = i % 1_000 == 999;
        String text = i > 10 && random.nextDouble() < 0.3 ? texts.get(random.nextInt(Math.min(i, texts.size())))
            : texts.get(i % texts.size());
        byte[] value = values.serialize(INPUT, TextRecord.newBuilder().setId(id).setText(text)
            .setEventTime(Instant.now()).build());
        if (pill) {
          value[0] = 1; // not the Confluent magic byte
        }
        sent.put(id, pill);
        producer.send(new ProducerRecord<>(INPUT, id, value));
        produced.incrementAndGet();
        next += pauseNanos;
        long sleep = next - System.nanoTime();
        if (sleep > 0) {
          Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
        }
      }
      producer.flush();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void awaitStatus(KafkaConsumer<String, String> statuses, String version, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      for (ConsumerRecord<String, String> r : statuses.poll(Duration.ofMillis(200))) {
        RolloutStatus s;
        try {
          s = RolloutStatus.fromJson(r.value());
        } catch (IllegalArgumentException notAStatus) {
          continue; // a shadow report
        }
        if (version.equals(s.version())) {
          if (!s.loaded()) {
            throw new IllegalStateException("version " + version + " was refused: " + s.reason());
          }
          return;
        }
      }
    }
    throw new IllegalStateException("version " + version + " not loaded within " + timeout);
  }

  /** Least-squares slope per hour of each reading over the samples after the warm-up. */
  private static void printSlopes(List<Sample> samples) {
    List<Sample> steady = samples.stream().filter(s -> s.minutes() >= WARM_UP_MINUTES).toList();
    if (steady.size() < 3) {
      System.out.println("too few samples after the warm-up for slopes");
      return;
    }
    Sample first = steady.get(0);
    Sample last = steady.get(steady.size() - 1);
    System.out.printf(Locale.ROOT, "slopes per hour from minute %.1f to %.1f (%d samples): RSS %+.1f MB/h "
            + "(%.1f -> %.1f MB), heap after GC %+.2f MB/h (%.1f -> %.1f MB), non-heap %+.1f MB/h (%.1f -> %.1f MB), "
            + "RocksDB %+.1f MB/h (%.1f -> %.1f MB), threads %+.1f/h (%d -> %d), fds %+.1f/h (%d -> %d)%n",
        first.minutes(), last.minutes(), steady.size(),
        slope(steady, s -> s.rssKb() / 1024.0), first.rssKb() / 1024.0, last.rssKb() / 1024.0,
        slope(steady, Sample::heapMb), first.heapMb(), last.heapMb(), slope(steady, Sample::nonHeapMb),
        first.nonHeapMb(), last.nonHeapMb(), slope(steady, Sample::rocksDbMb), first.rocksDbMb(), last.rocksDbMb(),
        slope(steady, s -> (double) s.threads()),
        first.threads(), last.threads(), slope(steady, s -> (double) s.fds()), first.fds(), last.fds());
  }

  /** Least-squares slope of {@code y} against the sample time, per hour. */
  static double slope(List<Sample> samples, ToDoubleFunction<Sample> y) {
    double n = samples.size();
    double sx = 0;
    double sy = 0;
    double sxx = 0;
    double sxy = 0;
    for (Sample s : samples) {
      double x = s.minutes() / 60;
      double v = y.applyAsDouble(s);
      sx += x;
      sy += v;
      sxx += x * x;
      sxy += x * v;
    }
    return (n * sxy - sx * sy) / (n * sxx - sx * sx);
  }
}
