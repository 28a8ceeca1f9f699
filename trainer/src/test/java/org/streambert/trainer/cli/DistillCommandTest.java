package org.streambert.trainer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.bundle.ModelDescriptor;
import org.streambert.schemas.AvroSerdeConfig;
import org.streambert.schemas.SpecificAvroSerde;
import org.streambert.schemas.avro.TextRecord;
import org.streambert.schemas.embedded.KafkaBrokerProcess;
import org.streambert.trainer.ExitCodes;
import org.streambert.trainer.TrainerApp;
import org.streambert.trainer.data.DemoData;
import org.streambert.trainer.train.Feature;
import picocli.CommandLine;

/** {@code trainer distill} end to end on the demo data with a tiny teacher (L=2, H=32), and its bad inputs. */
class DistillCommandTest {

  private static final String TEACHER_CONFIG = "{\"vocab_size\": 10, \"hidden_size\": 32, \"num_hidden_layers\": 2, "
      + "\"num_attention_heads\": 2, \"intermediate_size\": 64, \"max_position_embeddings\": 64}";
  private static final String STUDENT_CONFIG = TEACHER_CONFIG.replace("\"num_hidden_layers\": 2",
      "\"num_hidden_layers\": 1");

  @TempDir
  static Path dir;

  private static Path data;
  private static Path teacherRun;
  private static Path unlabelled;

  private record Run(int code, String err) {}

  private static Run run(List<String> args) {
    CommandLine cli = TrainerApp.commandLine();
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err, true));
    return new Run(cli.execute(args.toArray(String[]::new)), err.toString());
  }

  @BeforeAll
  static void fineTuneATeacher() throws Exception {
    data = dir.resolve("data");
    DemoData.write(data, 240, 60, 1);
    Path config = dir.resolve("teacher.json");
    Files.writeString(config, TEACHER_CONFIG);
    teacherRun = dir.resolve("teacher");
    Run r = run(List.of("fine-tune", "--bert-config", config.toString(), "--cls-train",
        data.resolve(DemoData.TOPICS_TRAIN).toString(), "--cls-dev", data.resolve(DemoData.TOPICS_DEV).toString(),
        "--ner-train", data.resolve(DemoData.NER_TRAIN).toString(), "--ner-dev",
        data.resolve(DemoData.NER_DEV).toString(), "--lr", "1e-3", "--batch-size", "16", "--epochs", "3",
        "--max-length", "32", "--golden", "2", "--out", teacherRun.toString(), "--model-name", "news",
        "--version", "t1"));
    assertEquals(ExitCodes.OK, r.code(), r.err());
    unlabelled = dir.resolve("unlabelled.txt");
    List<String> lines = new ArrayList<>();
    DemoData.classification(200, 77).forEach(e -> lines.add(e.text()));
    DemoData.ner(200, 78).forEach(s -> lines.add(Feature.text(s)));
    lines.add("");
    Files.write(unlabelled, lines);
  }

  /** Distil arguments: labelled demo data, the unlabelled file, a few epochs; then the student's own options. */
  private static List<String> distill(Path out, String... student) {
    List<String> args = new ArrayList<>(List.of("distill", "--teacher", teacherRun.resolve("bundle").toString(),
        "--unlabelled", unlabelled.toString(),
        "--cls-train", data.resolve(DemoData.TOPICS_TRAIN).toString(),
        "--cls-dev", data.resolve(DemoData.TOPICS_DEV).toString(),
        "--ner-train", data.resolve(DemoData.NER_TRAIN).toString(),
        "--ner-dev", data.resolve(DemoData.NER_DEV).toString(),
        "--lr", "1e-3", "--batch-size", "16", "--epochs", "3", "--golden", "2", "--out", out.toString()));
    args.addAll(List.of(student));
    return args;
  }

  @Test
  void shouldWriteABundleWithTheTeachersHeadsLabelsAndVocabulary() throws Exception {
    Path studentConfig = dir.resolve("student.json");
    Files.writeString(studentConfig, STUDENT_CONFIG);
    Path out = dir.resolve("student");
    Run r = run(distill(out, "--bert-config", studentConfig.toString(), "--version", "s1"));
    assertEquals(ExitCodes.OK, r.code(), r.err());

    ModelBundle teacher = ModelBundle.open(teacherRun.resolve("bundle"));
    ModelBundle student = ModelBundle.open(out.resolve("bundle"));
    ModelDescriptor t = teacher.model();
    ModelDescriptor s = student.model();
    assertEquals("news", s.name());
    assertEquals("s1", s.version());
    assertEquals(t.heads(), s.heads());
    assertEquals(t.tokenizer(), s.tokenizer());
    assertEquals(1, s.bertConfig().get("num_hidden_layers").asInt());
    assertEquals(Files.readAllLines(teacher.vocabFile()), Files.readAllLines(student.vocabFile()));

    JsonNode report = new ObjectMapper().readTree(out.resolve(DistillCommand.REPORT_FILE).toFile());
    assertEquals(2, report.get("teacher").get("layers").asInt());
    assertEquals(1, report.get("student").get("layers").asInt());
    assertEquals(400, report.get("unlabelledTexts").asInt());
    assertEquals(2.0, report.get("temperature").asDouble());
    assertEquals(0.5, report.get("alpha").asDouble());
    JsonNode losses = report.get("softTargetLossPerEpoch");
    assertEquals(3, losses.size());
    assertTrue(losses.get(2).asDouble() < losses.get(0).asDouble(), losses.toString());
    assertTrue(report.get("teacherDev").has("served_entity_f1"), report.toString());
    assertTrue(report.get("studentDev").has("served_macro_f1"), report.toString());
    JsonNode run = new ObjectMapper().readTree(out.resolve("run.json").toFile());
    assertEquals("t1", run.get("parentVersion").asText(), run.toString());
    assertTrue(Files.exists(out.resolve("dev-metrics.json")));
    assertTrue(Files.readString(out.resolve("dev-metrics.json")).contains("\"engine\" : \"tensorflow fp32\""),
        "the dev figures name the engine they were measured on");
  }

  @Test
  void shouldKeepTheFirstLayersOfTheTeacherItselfWithFromBundle() throws Exception {
    Path out = dir.resolve("truncated-student");
    Run r = run(distill(out, "--from-bundle", teacherRun.resolve("bundle").toString(), "--layers", "1",
        "--model-name", "news-small"));
    assertEquals(ExitCodes.OK, r.code(), r.err());
    ModelDescriptor s = ModelBundle.open(out.resolve("bundle")).model();
    assertEquals("news-small", s.name());
    assertEquals(ModelBundle.open(teacherRun.resolve("bundle")).model().heads(), s.heads());
  }

  @Test
  void shouldRefuseAMissingOrUnsupportedTeacherWithExitCode2() throws Exception {
    Run missing = run(replaceTeacher(dir.resolve("no-such-run"), dir.resolve("o1")));
    assertEquals(ExitCodes.BAD_INPUT, missing.code(), missing.err());
    assertTrue(missing.err().contains("no-such-run"), missing.err());

    Path notABundle = Files.createDirectories(dir.resolve("not-a-bundle"));
    Files.writeString(notABundle.resolve("model.json"), "{}");
    Run unsupported = run(replaceTeacher(notABundle, dir.resolve("o2")));
    assertEquals(ExitCodes.BAD_INPUT, unsupported.code(), unsupported.err());
    assertFalse(Files.exists(dir.resolve("o2").resolve("bundle")));
  }

  @Test
  void shouldRefuseAnEmptyUnlabelledFileWithExitCode2() throws Exception {
    Path empty = dir.resolve("empty.txt");
    Files.writeString(empty, "\n  \n");
    List<String> args = distill(dir.resolve("o3"), "--bert-config", studentConfig().toString(), "--unlabelled",
        empty.toString());
    Run r = run(args);
    assertEquals(ExitCodes.BAD_INPUT, r.code(), r.err());
    assertTrue(r.err().contains("has no text"), r.err());
  }

  @Test
  void shouldRefuseAStudentDeeperThanTheTeacherWithExitCode2() throws Exception {
    Run truncated = run(distill(dir.resolve("o4"), "--from-bundle", teacherRun.resolve("bundle").toString(),
        "--layers", "3"));
    assertEquals(ExitCodes.BAD_INPUT, truncated.code(), truncated.err());
    assertTrue(truncated.err().contains("cannot keep 3 of 2"), truncated.err());

    Path deep = dir.resolve("deep.json");
    Files.writeString(deep, TEACHER_CONFIG.replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 3"));
    Run config = run(distill(dir.resolve("o5"), "--bert-config", deep.toString()));
    assertEquals(ExitCodes.BAD_INPUT, config.code(), config.err());
    assertTrue(config.err().contains("more than the teacher's 2"), config.err());
  }

  @Test
  void shouldRefuseANonPositiveTemperatureOrNegativeAlphaWithExitCode2() throws Exception {
    for (String[] bad : List.of(new String[] {"--temperature", "0"}, new String[] {"--temperature", "-1"},
        new String[] {"--temperature", "NaN"}, new String[] {"--alpha", "-0.5"})) {
      List<String> args = distill(dir.resolve("o6"), "--bert-config", studentConfig().toString());
      args.addAll(List.of(bad));
      Run r = run(args);
      assertEquals(ExitCodes.BAD_INPUT, r.code(), String.join(" ", bad) + ": " + r.err());
      assertTrue(r.err().contains(bad[0].substring(2)), r.err());
    }
  }

  @Test
  void shouldAddTheTextsOfATextTopicToTheUnlabelledFilesAndRefuseATopicWithoutText() throws Exception {
    try (KafkaBrokerProcess broker = KafkaBrokerProcess.start(dir.resolve("broker"), Map.of())) {
      String registry = "mock://" + UUID.randomUUID();
      try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
          broker.bootstrapServers()))) {
        admin.createTopics(List.of(new NewTopic("texts", 2, (short) 1), new NewTopic("plain", 1, (short) 1)))
            .all().get(30, TimeUnit.SECONDS);
      }
      SpecificAvroSerde<TextRecord> serde = new SpecificAvroSerde<>(TextRecord.class);
      serde.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registry), false);
      List<String> demo = DemoData.classification(6, 91).stream().map(e -> e.text()).toList();
      try (Serializer<TextRecord> avro = serde.serializer();
          KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
              Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
              new ByteArraySerializer(), new ByteArraySerializer())) {
        for (int i = 0; i < demo.size(); i++) {
          TextRecord r = TextRecord.newBuilder().setId("t" + i).setText(demo.get(i))
              .setEventTime(Instant.ofEpochMilli(1000)).build();
          producer.send(new ProducerRecord<>("texts", ("t" + i).getBytes(), avro.serialize("texts", r)));
        }
        TextRecord blank = TextRecord.newBuilder().setId("b").setText("  \n ").setEventTime(Instant.EPOCH).build();
        producer.send(new ProducerRecord<>("texts", "b".getBytes(), avro.serialize("texts", blank)));
        producer.send(new ProducerRecord<>("texts", "tombstone".getBytes(), null));
        producer.send(new ProducerRecord<>("texts", "garbage".getBytes(), "not avro at all".getBytes()));
        producer.send(new ProducerRecord<>("plain", "p".getBytes(), "a plain UTF-8 text".getBytes()));
        producer.flush();
      }
      String[] topicArgs = {"--bootstrap-servers", broker.bootstrapServers(), "--schema-registry-url", registry};

      Path out = dir.resolve("student-with-topic");
      List<String> args = distill(out, "--bert-config", studentConfig().toString(), "--text-topic", "texts");
      args.addAll(List.of(topicArgs));
      args.set(args.indexOf("--epochs") + 1, "1");
      Run r = run(args);
      assertEquals(ExitCodes.OK, r.code(), r.err());
      JsonNode report = new ObjectMapper().readTree(out.resolve(DistillCommand.REPORT_FILE).toFile());
      assertEquals(400 + demo.size(), report.get("unlabelledTexts").asInt(), report.toString());
      JsonNode topic = report.get("textTopic");
      assertEquals("texts", topic.get("topic").asText());
      assertEquals(demo.size(), topic.get("texts").asInt(), topic.toString());
      assertEquals(demo.size() + 3, topic.get("recordsRead").asInt(), topic.toString());
      assertEquals(3, topic.get("withoutText").asInt(), "blank, tombstone and undecodable: " + topic);
      assertFalse(topic.get("stoppedAtCap").asBoolean(), topic.toString());

      // Plain text read as Avro: every record is undecodable, so the run is refused before the teacher is loaded.
      List<String> wrongFormat = distill(dir.resolve("o7"), "--bert-config", studentConfig().toString(),
          "--text-topic", "plain");
      wrongFormat.addAll(List.of(topicArgs));
      Run refused = run(wrongFormat);
      assertEquals(ExitCodes.BAD_INPUT, refused.code(), refused.err());
      assertTrue(refused.err().contains("--text-topic plain has no text: 1 records read, 1 without text"),
          refused.err());
      assertTrue(refused.err().contains("--input-format"), refused.err());
    }
  }

  @Test
  void shouldRefuseATextTopicWithoutBootstrapServersOrAvroWithoutARegistryBeforeWritingAnything() throws Exception {
    Path out = dir.resolve("o8");
    Run r = run(distill(out, "--bert-config", studentConfig().toString(), "--text-topic", "texts",
        "--input-format", "text"));
    assertEquals(ExitCodes.BAD_INPUT, r.code(), r.err());
    assertTrue(r.err().contains("--text-topic texts needs --bootstrap-servers"), r.err());
    assertFalse(Files.exists(out), "nothing written for a refused run");

    Run avro = run(distill(out, "--bert-config", studentConfig().toString(), "--text-topic", "texts",
        "--bootstrap-servers", "127.0.0.1:1"));
    assertEquals(ExitCodes.BAD_INPUT, avro.code(), avro.err());
    assertTrue(avro.err().contains("needs --schema-registry-url"), avro.err());

    Run format = run(distill(out, "--bert-config", studentConfig().toString(), "--text-topic", "texts",
        "--bootstrap-servers", "127.0.0.1:1", "--input-format", "json"));
    assertEquals(ExitCodes.BAD_INPUT, format.code(), format.err());
    assertTrue(format.err().contains("--input-format must be avro or text, got 'json'"), format.err());
  }

  private static Path studentConfig() throws Exception {
    Path p = dir.resolve("student-bad-inputs.json");
    Files.writeString(p, STUDENT_CONFIG);
    return p;
  }

  private static List<String> replaceTeacher(Path teacher, Path out) throws Exception {
    List<String> args = distill(out, "--bert-config", studentConfig().toString());
    args.set(args.indexOf("--teacher") + 1, teacher.toString());
    return args;
  }
}
