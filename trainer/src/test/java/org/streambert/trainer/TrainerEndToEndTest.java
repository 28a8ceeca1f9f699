package org.streambert.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.bert.bundle.BertBundles;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.inference.BertPredictor;
import org.streambert.bert.inference.Prediction;
import org.streambert.bert.model.BertModel;
import org.streambert.bert.model.BertSavedModel;
import org.streambert.bert.tokenizer.Vocab;
import org.streambert.schemas.AvroSerdeConfig;
import org.streambert.schemas.SpecificAvroSerde;
import org.streambert.schemas.avro.EntitySpan;
import org.streambert.schemas.avro.GoldenExample;
import org.streambert.schemas.avro.HeadType;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.avro.TrainingExample;
import org.streambert.schemas.signing.CheckpointSignatures;
import org.streambert.schemas.signing.ExampleSignatures;
import org.streambert.schemas.signing.SigningKey;
import org.streambert.schemas.signing.TrustedKeys;
import org.streambert.schemas.embedded.KafkaBrokerProcess;
import org.streambert.schemas.registry.EmbeddedSchemaRegistry;
import org.streambert.trainer.data.DemoData;
import org.streambert.trainer.data.KafkaExampleSource;
import org.streambert.trainer.publish.RunExporter;
import org.streambert.trainer.publish.RunReport;

/**
 * The trainer's command line against a real single-node Kafka broker and the embedded schema registry: fine-tune →
 * bundle → publish, the ModelCheckpoint read back through the registry serde, the promotion gate, continued
 * fine-tuning, and TrainingExample topics as training data. One tiny model (L=2, H=32) is trained once for the class.
 */
class TrainerEndToEndTest {

  private static final String TINY_CONFIG = "{\"vocab_size\": 10, \"hidden_size\": 32, \"num_hidden_layers\": 2, "
      + "\"num_attention_heads\": 2, \"intermediate_size\": 64, \"max_position_embeddings\": 64}";

  @TempDir
  static Path dir;

  private static KafkaBrokerProcess broker;
  private static EmbeddedSchemaRegistry registry;
  private static Path data;
  private static Path config;
  private static Path sharedRun;

  @BeforeAll
  static void startKafkaAndTrainOnce() throws Exception {
    broker = KafkaBrokerProcess.start(dir.resolve("broker"), Map.of());
    registry = EmbeddedSchemaRegistry.start(0);
    data = dir.resolve("data");
    DemoData.write(data, 240, 60, 1);
    config = dir.resolve("tiny.json");
    Files.writeString(config, TINY_CONFIG);
    sharedRun = dir.resolve("shared-run");
    assertEquals(ExitCodes.OK, TrainerApp.run(fineTuneArgs(sharedRun, "news", "v1").toArray(String[]::new)));
  }

  @AfterAll
  static void stop() {
    if (registry != null) {
      registry.close();
    }
    if (broker != null) {
      broker.close();
    }
  }

  private static List<String> fineTuneArgs(Path out, String name, String version) {
    return new ArrayList<>(List.of("fine-tune", "--bert-config", config.toString(),
        "--cls-train", data.resolve(DemoData.TOPICS_TRAIN).toString(),
        "--cls-dev", data.resolve(DemoData.TOPICS_DEV).toString(),
        "--ner-train", data.resolve(DemoData.NER_TRAIN).toString(),
        "--ner-dev", data.resolve(DemoData.NER_DEV).toString(),
        "--lr", "1e-3", "--batch-size", "16", "--epochs", "2", "--max-length", "32", "--golden", "2",
        "--out", out.toString(), "--model-name", name, "--version", version));
  }

  private static List<String> kafkaArgs(String topic) {
    return List.of("--bootstrap-servers", broker.bootstrapServers(), "--schema-registry-url", registry.url(),
        "--topic", topic, "--store", dir.resolve("store").toString());
  }

  private static int publish(Path run, String topic, String... extra) {
    List<String> args = new ArrayList<>(List.of("publish", "--run", run.toString()));
    args.addAll(kafkaArgs(topic));
    args.addAll(List.of(extra));
    return TrainerApp.run(args.toArray(String[]::new));
  }

  /** Every event of a topic through the registry serde, in offset order. */
  private static List<ConsumerRecord<String, ModelCheckpoint>> events(String topic) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    SpecificAvroSerde<ModelCheckpoint> serde = new SpecificAvroSerde<>(ModelCheckpoint.class);
    serde.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registry.url()), false);
    List<ConsumerRecord<String, ModelCheckpoint>> out = new ArrayList<>();
    try (KafkaConsumer<String, ModelCheckpoint> c =
        new KafkaConsumer<>(p, new StringDeserializer(), serde.deserializer())) {
      TopicPartition tp = new TopicPartition(topic, 0);
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      long end = c.endOffsets(List.of(tp)).get(tp);
      while (c.position(tp) < end) {
        c.poll(Duration.ofMillis(500)).forEach(out::add);
      }
    }
    return out;
  }

  /** A copy of the shared run's model as another version with other reported metrics. */
  private static Path variant(String version, double metricDelta) throws Exception {
    RunReport shared = RunReport.read(sharedRun);
    ModelBundle bundle = ModelBundle.open(sharedRun.resolve(RunReport.BUNDLE_DIR));
    Map<String, Double> metrics = new LinkedHashMap<>();
    shared.metrics().forEach((k, v) -> metrics.put(k, v + metricDelta));
    Path run = dir.resolve("run-" + version);
    try (BertModel m = BertSavedModel.load(bundle.savedModelDir(), BertBundles.bertConfig(bundle.model()),
        BertBundles.headsSpec(bundle.model()))) {
      RunExporter.export(run, new RunExporter.Identity("news", version, "v1", shared.dataFingerprint()),
          m.config(), m.weights(), Vocab.load(bundle.vocabFile()), false, 32, "topic",
          shared.heads().get(0).labels(), "ner", shared.heads().get(1).labels(), metrics, 1, List.of("Bob visited Rome"));
    }
    return run;
  }

  @Test
  void shouldFineTuneAndPublishVersionOneInOneCommand() throws Exception {
    List<String> args = fineTuneArgs(dir.resolve("one-command"), "demo", "1");
    args.add("--publish");
    args.addAll(kafkaArgs("checkpoints-one-command"));
    assertEquals(ExitCodes.OK, TrainerApp.run(args.toArray(String[]::new)));
    List<ConsumerRecord<String, ModelCheckpoint>> events = events("checkpoints-one-command");
    assertEquals(1, events.size());
    assertEquals("demo", events.get(0).key());
    assertEquals("1", events.get(0).value().getVersion());
  }

  @Test
  void shouldDistilAStudentAndPublishItSignedLikeAnyOtherModel() throws Exception {
    Path key = dir.resolve("distill-signing");
    assertEquals(ExitCodes.OK, TrainerApp.run("keygen", "--out", key.toString()));
    Path studentConfig = dir.resolve("student.json");
    Files.writeString(studentConfig, TINY_CONFIG.replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 1"));
    Path unlabelled = dir.resolve("unlabelled.txt");
    List<String> texts = new ArrayList<>();
    DemoData.classification(100, 31).forEach(e -> texts.add(e.text()));
    Files.write(unlabelled, texts);
    List<String> args = new ArrayList<>(List.of("distill", "--teacher", sharedRun.toString(), "--bert-config",
        studentConfig.toString(), "--unlabelled", unlabelled.toString(),
        "--cls-train", data.resolve(DemoData.TOPICS_TRAIN).toString(),
        "--cls-dev", data.resolve(DemoData.TOPICS_DEV).toString(),
        "--ner-train", data.resolve(DemoData.NER_TRAIN).toString(),
        "--ner-dev", data.resolve(DemoData.NER_DEV).toString(),
        "--lr", "1e-3", "--batch-size", "16", "--epochs", "2", "--golden", "2",
        "--out", dir.resolve("distilled").toString(), "--model-name", "news-student", "--version", "s1",
        "--publish", "--signing-key", key + ".key"));
    args.addAll(kafkaArgs("checkpoints-distill"));
    assertEquals(ExitCodes.OK, TrainerApp.run(args.toArray(String[]::new)));
    List<ConsumerRecord<String, ModelCheckpoint>> events = events("checkpoints-distill");
    assertEquals(1, events.size());
    ModelCheckpoint c = events.get(0).value();
    assertEquals("news-student", events.get(0).key());
    assertEquals("s1", c.getVersion());
    assertEquals("v1", c.getParentVersion()); // the teacher's version
    assertTrue(c.getSigningKeyId() != null && c.getSignature() != null, c.toString());
    assertEquals(List.of(HeadType.CLASSIFICATION, HeadType.TOKEN_CLASSIFICATION),
        c.getHeads().stream().map(h -> h.getType()).toList());
    assertEquals(RunReport.read(sharedRun).heads().get(0).labels(), c.getHeads().get(0).getLabels());
    assertEquals(RunReport.read(sharedRun).heads().get(1).labels(), c.getHeads().get(1).getLabels());
    assertEquals(4, c.getGoldenExamples().size());
  }

  @Test
  void shouldPublishAnEventThatReadsBackThroughTheRegistrySerde() throws Exception {
    assertEquals(ExitCodes.OK, publish(sharedRun, "checkpoints-readback"));
    List<ConsumerRecord<String, ModelCheckpoint>> events = events("checkpoints-readback");
    assertEquals(1, events.size());
    ModelCheckpoint c = events.get(0).value();
    assertEquals("news", events.get(0).key());
    assertEquals("news", c.getModelName());
    assertEquals("v1", c.getVersion());
    assertEquals(null, c.getParentVersion());
    assertTrue(c.getDataFingerprint().matches("[0-9a-f]{64}"), c.getDataFingerprint());
    assertEquals(List.of(HeadType.CLASSIFICATION, HeadType.TOKEN_CLASSIFICATION),
        c.getHeads().stream().map(h -> h.getType()).toList());
    assertEquals(DemoData.TOPICS, c.getHeads().get(0).getLabels());
    assertEquals(RunReport.read(sharedRun).metrics(), Map.copyOf(c.getMetrics()));
    assertTrue(c.getMetrics().containsKey("macro_f1") && c.getMetrics().containsKey("entity_f1"));
    assertFalse(c.getCreatedAt().isAfter(Instant.now()));

    // The bundle is in the store at the URI, with the manifest the event names.
    ModelBundle stored = ModelBundle.open(Path.of(URI.create(c.getBundleUri())));
    assertEquals(c.getManifestSha256(), stored.manifestSha256());
    assertTrue(stored.dir().startsWith(dir.resolve("store")));

    // Golden examples (2 per task) are what the stored bundle's predictor says.
    assertEquals(4, c.getGoldenExamples().size());
    try (BertPredictor predictor = BertBundles.openPredictor(stored, BertBundles.defaultPredictorConfig(stored))) {
      for (GoldenExample g : c.getGoldenExamples()) {
        Prediction p = predictor.predict(g.getText());
        assertEquals(g.getExpectedLabel(), p.label().label(), g.getText());
        assertEquals(g.getExpectedEntities().size(), p.entities().size(), g.getText());
        assertEquals(g.getExpectedScores().get(0).getScore(), p.labelScores().get(0).score(), 1e-5);
      }
    }
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, "checkpoints-readback");
      String policy = admin.describeConfigs(List.of(topic)).all().get(30, TimeUnit.SECONDS).get(topic)
          .get(TopicConfig.CLEANUP_POLICY_CONFIG).value();
      assertEquals(TopicConfig.CLEANUP_POLICY_COMPACT, policy);
    }
  }

  @Test
  void shouldRefuseAWorseModelWithTheGateExitCodeAndPublishNothing() throws Exception {
    assertEquals(ExitCodes.OK, publish(sharedRun, "checkpoints-gate"));
    Path worse = variant("v2-worse", -0.05);
    assertEquals(ExitCodes.GATE_REFUSED, publish(worse, "checkpoints-gate"));
    assertEquals(1, events("checkpoints-gate").size());
    assertFalse(Files.exists(dir.resolve("store").resolve("news").resolve("v2-worse")));
  }

  @Test
  void shouldAcceptAnEqualModelAndAWorseOneWithinTheTolerance() throws Exception {
    assertEquals(ExitCodes.OK, publish(sharedRun, "checkpoints-equal"));
    assertEquals(ExitCodes.OK, publish(variant("v3-equal", 0.0), "checkpoints-equal"));
    assertEquals(ExitCodes.OK, publish(variant("v4-slightly-worse", -0.01), "checkpoints-equal",
        "--gate-tolerance", "0.02"));
    List<ConsumerRecord<String, ModelCheckpoint>> events = events("checkpoints-equal");
    assertEquals(List.of("v1", "v3-equal", "v4-slightly-worse"),
        events.stream().map(e -> e.value().getVersion()).toList());
    assertEquals("v1", events.get(1).value().getParentVersion());
  }

  @Test
  void shouldContinueFineTuningFromABundleKeepingItsHeadsAndLineage() throws Exception {
    Path run = dir.resolve("continued");
    int code = TrainerApp.run("fine-tune", "--from-bundle", sharedRun.resolve("bundle").toString(),
        "--cls-train", data.resolve(DemoData.TOPICS_TRAIN).toString(),
        "--ner-train", data.resolve(DemoData.NER_TRAIN).toString(),
        "--lr", "1e-4", "--batch-size", "16", "--epochs", "1", "--out", run.toString(), "--version", "v2");
    assertEquals(ExitCodes.OK, code);
    RunReport parent = RunReport.read(sharedRun);
    RunReport child = RunReport.read(run);
    assertEquals("news", child.modelName());
    assertEquals("v1", child.parentVersion());
    assertEquals(parent.heads(), child.heads());
    assertTrue(child.metrics().get("entity_f1") >= 0.9, child.metrics().toString());
  }

  @Test
  void shouldReproduceTheRecordedDevMetricsWhenEvaluatingTheBundle() throws Exception {
    Path json = dir.resolve("evaluate.json");
    assertEquals(ExitCodes.OK, TrainerApp.run("evaluate", "--bundle", sharedRun.resolve("bundle").toString(),
        "--cls-data", data.resolve(DemoData.TOPICS_DEV).toString(),
        "--ner-data", data.resolve(DemoData.NER_DEV).toString(), "--json", json.toString()));
    com.fasterxml.jackson.databind.JsonNode report = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
        json.toFile());
    Map<String, Double> recorded = RunReport.read(sharedRun).metrics();
    assertEquals(recorded.get("dev_score"), report.get("dev_score").asDouble(), 1e-9);
    assertEquals(recorded.get("macro_f1"), report.get("classification").get("macroF1").asDouble(), 1e-9);
    assertEquals(recorded.get("entity_f1"), report.get("ner").get("overall").get("f1").asDouble(), 1e-9);
    // The exported bundle, served by BertPredictor, scores what fine-tuning's served evaluation recorded.
    assertEquals(recorded.get("served_entity_f1"), report.get("served_ner").get("overall").get("f1").asDouble(), 1e-9);
    assertEquals(recorded.get("served_macro_f1"), report.get("served_classification").get("macroF1").asDouble(),
        1e-9);
    assertEquals(report.get("served_labels_compared").asInt(), report.get("served_labels_agreeing").asInt(),
        "every demo dev text fits one window, so its served label is the evaluated one");
    assertTrue(report.get("served_labels_compared").asInt() > 0);
  }

  @Test
  void shouldEvaluateInBf16WithinAPointOfTheFp32MetricsAndRejectAnUnknownPrecision() throws Exception {
    Path json = dir.resolve("evaluate-bf16.json");
    assertEquals(ExitCodes.OK, TrainerApp.run("evaluate", "--bundle", sharedRun.resolve("bundle").toString(),
        "--cls-data", data.resolve(DemoData.TOPICS_DEV).toString(),
        "--ner-data", data.resolve(DemoData.NER_DEV).toString(), "--json", json.toString(), "--precision", "bf16"));
    com.fasterxml.jackson.databind.JsonNode report = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
        json.toFile());
    Map<String, Double> recorded = RunReport.read(sharedRun).metrics();
    assertEquals(recorded.get("macro_f1"), report.get("classification").get("macroF1").asDouble(), 0.01);
    assertEquals(recorded.get("entity_f1"), report.get("ner").get("overall").get("f1").asDouble(), 0.01);
    assertEquals(ExitCodes.BAD_INPUT, TrainerApp.run("evaluate", "--bundle", sharedRun.resolve("bundle").toString(),
        "--cls-data", data.resolve(DemoData.TOPICS_DEV).toString(), "--precision", "fp16"));
  }

  @Test
  void shouldReadTrainingExamplesUpToTheEndOffsets() throws Exception {
    String topic = "training-examples-test";
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }
    SpecificAvroSerde<TrainingExample> serde = new SpecificAvroSerde<>(TrainingExample.class);
    serde.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registry.url()), false);
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    try (KafkaProducer<String, TrainingExample> producer =
        new KafkaProducer<>(p, new StringSerializer(), serde.serializer())) {
      for (int i = 0; i < 20; i++) {
        String label = i % 2 == 0 ? "sports" : "tech";
        producer.send(new ProducerRecord<>(topic, "c" + i, new TrainingExample("c" + i, "text number " + i, label,
            null, "test", Instant.now(), null, null, null, null, null)));
      }
      for (int i = 0; i < 6; i++) {
        producer.send(new ProducerRecord<>(topic, "n" + i, new TrainingExample("n" + i, "Bob went to Oslo", null,
            List.of(new EntitySpan("PER", 0, 3), new EntitySpan("LOC", 12, 16)), "test", Instant.now(), null, null, null,
            null, null)));
      }
      producer.send(new ProducerRecord<>(topic, "c0", null)); // deletes c0
      producer.flush();
    }
    KafkaExampleSource.Examples examples =
        KafkaExampleSource.read(broker.bootstrapServers(), registry.url(), topic);
    assertEquals(27, examples.recordsRead());
    assertEquals(19, examples.classification().size());
    assertEquals(6, examples.ner().size());
    assertEquals(List.of("B-PER", "O", "O", "B-LOC"), examples.ner().get(0).tags());
    assertNotNull(examples.classification().stream().filter(e -> e.text().equals("text number 1")).findAny()
        .orElse(null));

    // With labeller keys (fine-tune --labeller-keys), only signed examples count; unsigned records and the
    // tombstone are refused, so a writer without a key can neither add nor delete training data.
    SigningKey labeller = new SigningKey("labeller", CheckpointSignatures.generateKeyPair().getPrivate());
    try (KafkaProducer<String, TrainingExample> producer =
        new KafkaProducer<>(p, new StringSerializer(), serde.serializer())) {
      for (int i = 0; i < 3; i++) {
        producer.send(new ProducerRecord<>(topic, "s" + i, ExampleSignatures.sign(TrainingExample.newBuilder()
            .setId("s" + i).setText("signed text " + i).setLabel(i == 0 ? "sports" : "tech").setSource("test")
            .setCreatedAt(Instant.now()).setLabeller("alice").build(), labeller)));
      }
      producer.flush();
    }
    KafkaExampleSource.Examples signed = KafkaExampleSource.read(
        org.streambert.trainer.data.KafkaClients.of(broker.bootstrapServers(), registry.url()), topic,
        TrustedKeys.of(labeller));
    assertEquals(3, signed.classification().size());
    assertEquals(0, signed.ner().size());
    assertEquals(27, signed.refused(), "26 unsigned examples and a tombstone");
  }
}
