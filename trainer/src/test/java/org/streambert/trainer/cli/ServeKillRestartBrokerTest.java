package org.streambert.trainer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.bert.model.Activation;
import org.streambert.bert.model.BertConfig;
import org.streambert.schemas.AvroSerdeConfig;
import org.streambert.schemas.SpecificAvroSerde;
import org.streambert.schemas.Topics;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.avro.ModelStage;
import org.streambert.schemas.avro.TrainingExample;
import org.streambert.schemas.avro.TrainingRun;
import org.streambert.schemas.embedded.KafkaBrokerProcess;
import org.streambert.schemas.registry.EmbeddedSchemaRegistry;
import org.streambert.trainer.ExitCodes;
import org.streambert.trainer.TrainerApp;
import org.streambert.trainer.data.ClassificationExample;
import org.streambert.trainer.data.DemoData;
import org.streambert.trainer.data.TopicSnapshot;
import org.streambert.trainer.data.VocabBuilder;

/**
 * {@code trainer serve} as its own process, killed with SIGKILL in the middle of a round's training and started
 * again: nothing was published or committed by the dead process, and the restarted one publishes the same round's
 * candidate exactly once.
 */
class ServeKillRestartBrokerTest {

  private static final String MODEL = "kill-test";

  @TempDir
  Path dir;

  private static String classpath() {
    String surefire = System.getProperty("surefire.test.class.path");
    return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
  }

  private Process serve(String bootstrap, String registry, int epochs) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx1g", "-cp", classpath(), TrainerApp.class.getName(), "serve", "--model-name", MODEL, "--store",
        dir.resolve("store").toString(), "--work-dir", dir.resolve("work").toString(), "--min-new-examples", "100",
        "--lr", "2e-3", "--epochs", String.valueOf(epochs), "--batch-size", "16", "--max-length", "32",
        "--poll-interval", "100ms", "--max-rounds", "1", "--accept-unsigned-examples", "--bootstrap-servers",
        bootstrap, "--schema-registry-url", registry, // (crash behaviour; trust: ServeCommandBrokerTest)
        // the held-out split is keyed by a secret made fresh in each run's work directory, so whether this tiny
        // model beats v1 on it varies from run to run; the gate is ServeCommandBrokerTest's subject, not this one's
        "--no-gate"));
    return new ProcessBuilder(cmd).redirectErrorStream(true).start();
  }

  /** Reads the process's output to the end (or until it dies), completing {@code trainingStarted} on the first epoch. */
  private static CompletableFuture<String> watch(Process p, CompletableFuture<String> trainingStarted) {
    return CompletableFuture.supplyAsync(() -> {
      StringBuilder all = new StringBuilder();
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          all.append(line).append('\n');
          if (line.startsWith("epoch 1:")) {
            trainingStarted.complete(all.toString());
          }
        }
      } catch (java.io.IOException e) {
        // the process was killed
      }
      trainingStarted.complete(all.toString());
      return all.toString();
    });
  }

  @Test
  void shouldPublishOnceWhenServeIsKilledMidRoundAndRestarted() throws Exception {
    try (KafkaBrokerProcess broker = KafkaBrokerProcess.start(dir.resolve("broker"), Map.of());
        EmbeddedSchemaRegistry registryServer = EmbeddedSchemaRegistry.start(0)) {
      String bootstrap = broker.bootstrapServers();
      String registry = registryServer.url();
      try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
        admin.createTopics(List.of(new NewTopic(Topics.TRAINING_EXAMPLES, 1, (short) 1))).all()
            .get(60, TimeUnit.SECONDS);
      }
      List<String> texts = new ArrayList<>();
      DemoData.classification(3000, 99).forEach(e -> texts.add(e.text()));
      Path vocab = dir.resolve("vocab.txt");
      Files.write(vocab, VocabBuilder.build(texts, false).tokens());
      Path config = dir.resolve("bert_config.json");
      new BertConfig(10, 32, 2, 2, 64, Activation.GELU_TANH, 0.1, 0.1, 64, 2, 0.02).write(config);
      Path train = dir.resolve("train.tsv");
      DemoData.writeTsv(train, DemoData.classification(12, 1));
      Path dev = dir.resolve("dev.tsv");
      DemoData.writeTsv(dev, DemoData.classification(6, 2));
      assertEquals(ExitCodes.OK, TrainerApp.run("fine-tune", "--bert-config", config.toString(), "--vocab",
          vocab.toString(), "--cls-train", train.toString(), "--cls-dev", dev.toString(), "--epochs", "1",
          "--batch-size", "16", "--max-length", "32", "--model-name", MODEL, "--version", "v1", "--out",
          dir.resolve("v1").toString(), "--publish", "--store", dir.resolve("store").toString(),
          "--bootstrap-servers", bootstrap, "--schema-registry-url", registry));
      produce(bootstrap, registry, DemoData.classification(200, 5));

      Process first = serve(bootstrap, registry, 200); // far more epochs than it gets to run
      CompletableFuture<String> started = new CompletableFuture<>();
      CompletableFuture<String> firstOut = watch(first, started);
      String before = started.get(120, TimeUnit.SECONDS);
      first.destroyForcibly(); // SIGKILL in the middle of the round's training
      assertTrue(first.waitFor(30, TimeUnit.SECONDS));
      String killedOut = firstOut.get(30, TimeUnit.SECONDS);
      Matcher round = Pattern.compile("round (r\\S+): ").matcher(killedOut);
      assertTrue(round.find(), killedOut);
      String version = round.group(1);
      assertTrue(before.contains("epoch 1:"), before);
      assertEquals(0, eventsOf(bootstrap, registry, version), "the killed round published nothing");

      Process second = serve(bootstrap, registry, 2);
      CompletableFuture<String> secondOut = watch(second, new CompletableFuture<>());
      assertTrue(second.waitFor(180, TimeUnit.SECONDS), "restarted serve did not finish its round");
      String out = secondOut.get(30, TimeUnit.SECONDS);
      assertEquals(0, second.exitValue(), out);
      assertTrue(out.contains("round " + version + ": "), "the restart repeats the same round: " + out);
      assertEquals(1, eventsOf(bootstrap, registry, version), out);
      List<TrainingRun> runs = new ArrayList<>();
      SpecificAvroSerde<TrainingRun> serde = new SpecificAvroSerde<>(TrainingRun.class);
      serde.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registry), false);
      TopicSnapshot.read(bootstrap, Topics.TRAINING_RUNS, new StringDeserializer(), serde.deserializer(),
          r -> runs.add(r.value()));
      assertEquals(1, runs.size(), "one report: the killed round wrote none");
      assertEquals(version, runs.get(0).getRound());
    }
  }

  private static void produce(String bootstrap, String registry, List<ClassificationExample> examples) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    SpecificAvroSerde<TrainingExample> serde = new SpecificAvroSerde<>(TrainingExample.class);
    serde.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registry), false);
    try (KafkaProducer<String, TrainingExample> producer =
        new KafkaProducer<>(p, new StringSerializer(), serde.serializer())) {
      for (int i = 0; i < examples.size(); i++) {
        producer.send(new ProducerRecord<>(Topics.TRAINING_EXAMPLES, "ex-" + i, TrainingExample.newBuilder()
            .setId("ex-" + i).setText(examples.get(i).text()).setLabel(examples.get(i).label()).setSource("test")
            .setCreatedAt(Instant.now()).build()));
      }
      producer.flush();
    }
  }

  private static long eventsOf(String bootstrap, String registry, String version) {
    SpecificAvroSerde<ModelCheckpoint> serde = new SpecificAvroSerde<>(ModelCheckpoint.class);
    serde.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registry), false);
    AtomicInteger n = new AtomicInteger();
    TopicSnapshot.read(bootstrap, Topics.MODEL_CHECKPOINTS, new StringDeserializer(), serde.deserializer(), r -> {
      if (r.value() != null && r.value().getVersion().equals(version)) {
        assertEquals(ModelStage.CANDIDATE, r.value().getStage());
        n.incrementAndGet();
      }
    });
    return n.get();
  }
}
