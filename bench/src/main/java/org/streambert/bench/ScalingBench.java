package org.streambert.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
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
 * Issue 23 §5: records/s of the streams application with 1 and with 2 instances (child JVMs, exactly_once_v2, one
 * stream thread each) over the same input on this machine, so the scaling model — CPU-bound, one task per partition —
 * is measured rather than assumed. Each run gets fresh topics ({@value #PARTITIONS} partitions) and a fresh
 * application id; the instances are started and have loaded the model and formed a stable group before the clock
 * starts; the clock runs from the first input sent to the last output read by a read_committed consumer. Runs rotate
 * 1, 2, 2, 1 (and repeat), and the load average is printed with each. Quality beside speed: the labels of every record
 * in a 2-instance run against the 1-instance run before it (they must agree: the same model, the same texts).
 *
 * <p>Model: BERT with random weights over the real uncased vocabulary (the length mix of real sentences when
 * {@code ../shared} is found): L=4, H=256 unless given. Arguments: {@code [records=3000] [rounds=1] [layers=4]
 * [hidden=256] [batch=32] [instances=1,2,2,1] [overlap=true]}: the instance counts of one round, and the values of
 * {@code nlp.batch.overlap} each count runs with (e.g. {@code true,false}), one run per pair.
 */
public final class ScalingBench {

  static final int PARTITIONS = 6;
  static final String MODEL = "scaling-bert";
  static final String CHECKPOINTS = "scaling-checkpoints";

  /** One timed run. */
  record Result(int instances, boolean overlap, double recordsPerSecond, double seconds, Map<String, String> labels, String loadStart,
      String loadEnd) {
  }

  private ScalingBench() {
  }

  public static void main(String[] args) throws Exception {
    int records = args.length > 0 ? Integer.parseInt(args[0]) : 3_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 1;
    int layers = args.length > 2 ? Integer.parseInt(args[2]) : 4;
    int hidden = args.length > 3 ? Integer.parseInt(args[3]) : 256;
    int batch = args.length > 4 ? Integer.parseInt(args[4]) : 32;
    List<Integer> counts = Arrays.stream((args.length > 5 ? args[5] : "1,2,2,1").split(",")).map(Integer::valueOf)
        .toList();
    List<Boolean> overlaps = Arrays.stream((args.length > 6 ? args[6] : "true").split(",")).map(Boolean::valueOf)
        .toList();
    int cpus = Runtime.getRuntime().availableProcessors();
    System.out.printf(Locale.ROOT, "scaling: %d records per run, %d round(s) of %s instances with overlap %s, BERT L=%d "
        + "H=%d, batch %d, %d input partitions; %d cpus (%s); load average %s at %s%n", records, rounds, counts,
        overlaps, layers, hidden, batch, PARTITIONS, cpus, cpuModel(), BenchSupport.loadAverage(), Instant.now());
    List<String> texts = EndToEndBench.texts(records);
    Path vocabDir = EasyBertArtifact.UNCASED.extract(EasyBertArtifact.defaultCacheRoot());
    Vocab vocab = Vocab.load(vocabDir.resolve("assets/vocab.txt"));
    BertConfig config = AppCluster.smallBert(vocab.size(), layers, hidden);
    Path dir = Files.createTempDirectory("scaling-bench");
    List<Result> results = new ArrayList<>();
    try (AppCluster cluster = AppCluster.start(dir)) {
      cluster.createTopics(1, List.of(), CHECKPOINTS);
      ModelCheckpoint v1 = cluster.writeBundle(MODEL, "1", config, vocab, 1);
      cluster.publish(CHECKPOINTS, v1);
      int run = 0;
      for (int round = 0; round < rounds; round++) {
        for (int instances : counts) {
          for (boolean overlap : overlaps) {
            Result r = run(cluster, ++run, instances, overlap, texts, batch);
            results.add(r);
            System.out.printf(Locale.ROOT, "run %d: %d instance(s), overlap %s: %d records in %.2f s = %.1f records/s "
                + "(load %s -> %s)%n", run, instances, overlap, records, r.seconds(), r.recordsPerSecond(),
                r.loadStart(), r.loadEnd());
          }
        }
      }
    } finally {
      EndToEndBench.deleteRecursively(dir);
    }
    for (int instances : counts.stream().distinct().sorted().toList()) {
      for (boolean overlap : overlaps) {
        System.out.printf(Locale.ROOT, "RESULT %d instance(s), overlap %-5s: %.1f records/s%n", instances, overlap,
            results.stream().filter(r -> r.instances() == instances && r.overlap() == overlap)
                .mapToDouble(Result::recordsPerSecond).average().orElseThrow());
      }
    }
    double one = results.stream().filter(r -> r.instances() == 1).mapToDouble(Result::recordsPerSecond).average()
        .orElse(Double.NaN);
    double two = results.stream().filter(r -> r.instances() == 2).mapToDouble(Result::recordsPerSecond).average()
        .orElse(Double.NaN);
    Map<String, String> reference = results.get(0).labels();
    long agreeing = 0;
    long compared = 0;
    for (Result r : results) {
      for (Map.Entry<String, String> e : r.labels().entrySet()) {
        compared++;
        if (e.getValue().equals(reference.get(e.getKey()))) {
          agreeing++;
        }
      }
    }
    System.out.printf(Locale.ROOT, "records/s with %d cpus: 1 instance %.1f, 2 instances %.1f (%.1f per instance); "
        + "ratio 2/1 = %.2f; labels equal to the first run's: %d of %d%n", cpus, one, two, two / 2, two / one, agreeing,
        compared);
    System.out.printf(Locale.ROOT, "load average at end: %s at %s%n", BenchSupport.loadAverage(), Instant.now());
  }

  private static Result run(AppCluster cluster, int run, int instances, boolean overlap, List<String> texts,
      int batch) throws Exception {
    String input = "scaling-input-" + run;
    String output = "scaling-enriched-" + run;
    String status = "scaling-status-" + run;
    String applicationId = "nlp-scaling-" + run;
    cluster.createTopics(PARTITIONS, List.of(input, output, "scaling-dlq-" + run, status), null);
    List<AppCluster.Instance> started = new ArrayList<>();
    try (KafkaConsumer<String, String> statuses = cluster.committedReader(status, new StringDeserializer());
        KafkaConsumer<String, EnrichedText> outputs = cluster.committedReader(output, cluster.enrichedDeserializer());
        Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap()))) {
      for (int i = 1; i <= instances; i++) {
        String id = "run" + run + "-i" + i;
        Map<String, Object> c = cluster.appConfig(applicationId, id);
        c.put(NlpConfig.INPUT_TOPIC_CONFIG, input);
        c.put(NlpConfig.OUTPUT_TOPIC_CONFIG, output);
        c.put(NlpConfig.DLQ_TOPIC_CONFIG, "scaling-dlq-" + run);
        c.put(NlpConfig.ROLLOUT_STATUS_TOPIC_CONFIG, status);
        c.put(NlpConfig.CHECKPOINTS_TOPIC_CONFIG, CHECKPOINTS);
        c.put(NlpConfig.MODEL_NAME_CONFIG, MODEL);
        c.put(NlpConfig.BATCH_MAX_SIZE_CONFIG, batch);
        c.put(NlpConfig.CACHE_MAX_ENTRIES_CONFIG, 0); // every record runs the model
        c.put(NlpConfig.BATCH_OVERLAP_CONFIG, overlap);
        c.put("client.id", id);
        started.add(cluster.startApp(id, c, List.of("-Xmx1g")));
      }
      awaitLoaded(statuses, instances);
      awaitStableGroup(admin, applicationId, instances);
      String loadStart = BenchSupport.loadAverage();
      SpecificAvroSerializer<TextRecord> values = new SpecificAvroSerializer<>();
      values.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, cluster.registry.url()), false);
      List<byte[]> encoded = new ArrayList<>();
      for (int i = 0; i < texts.size(); i++) {
        encoded.add(values.serialize(input, TextRecord.newBuilder().setId(id(i)).setText(texts.get(i))
            .setEventTime(Instant.now()).build()));
      }
      long start = System.nanoTime();
      try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(cluster.producerProps(),
          new StringSerializer(), new ByteArraySerializer())) {
        for (int i = 0; i < encoded.size(); i++) {
          producer.send(new ProducerRecord<>(input, id(i), encoded.get(i)));
        }
      }
      Map<String, String> labels = new TreeMap<>();
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(20);
      long last = start;
      while (labels.size() < texts.size() && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, EnrichedText> r : outputs.poll(Duration.ofMillis(100))) {
          labels.put(r.key(), r.value().getClassification().getLabel());
          last = System.nanoTime();
        }
      }
      if (labels.size() < texts.size()) {
        throw new IllegalStateException("run " + run + ": only " + labels.size() + " outputs of " + texts.size());
      }
      double seconds = (last - start) / 1e9;
      return new Result(instances, overlap, texts.size() / seconds, seconds, labels, loadStart,
          BenchSupport.loadAverage());
    } finally {
      for (AppCluster.Instance i : started) {
        AppCluster.stop(i);
      }
    }
  }

  private static String id(int i) {
    return String.format("t%06d", i);
  }

  private static void awaitLoaded(KafkaConsumer<String, String> statuses, int instances) {
    Map<String, Boolean> loaded = new HashMap<>();
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while (loaded.size() < instances) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("instances did not load the model: " + loaded);
      }
      for (ConsumerRecord<String, String> r : statuses.poll(Duration.ofMillis(200))) {
        RolloutStatus s = RolloutStatus.fromJson(r.value());
        if (!s.loaded()) {
          throw new IllegalStateException("refused: " + s);
        }
        loaded.put(s.instance(), true);
      }
    }
  }

  private static void awaitStableGroup(Admin admin, String applicationId, int instances) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (System.nanoTime() < deadline) {
      try {
        ConsumerGroupDescription g = admin.describeConsumerGroups(List.of(applicationId)).describedGroups()
            .get(applicationId).get(10, TimeUnit.SECONDS);
        if (g.groupState() == GroupState.STABLE && g.members().size() == instances
            && g.members().stream().allMatch(m -> !m.assignment().topicPartitions().isEmpty())) {
          return;
        }
      } catch (Exception notYet) {
        // the group does not exist until the first member joins
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("no stable group of " + instances);
  }

  private static String cpuModel() {
    try {
      return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
          .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown CPU");
    } catch (Exception e) {
      return "unknown CPU";
    }
  }
}
