package org.streambert.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.streambert.bert.model.Activation;
import org.streambert.bert.model.BertConfig;
import org.streambert.schemas.AvroSerdeConfig;
import org.streambert.schemas.SpecificAvroSerde;
import org.streambert.schemas.Topics;
import org.streambert.schemas.avro.EntitySpan;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.avro.TrainingDecision;
import org.streambert.schemas.avro.TrainingExample;
import org.streambert.schemas.embedded.KafkaBrokerProcess;
import org.streambert.trainer.TrainerApp;
import org.streambert.trainer.cli.EvaluateCommand;
import org.streambert.trainer.cli.ServeCommand;
import org.streambert.trainer.data.ClassificationExample;
import org.streambert.trainer.data.DemoData;
import org.streambert.trainer.data.NerSentence;
import org.streambert.trainer.data.VocabBuilder;
import org.streambert.trainer.publish.CheckpointStore;
import org.streambert.trainer.publish.CheckpointTopic;
import org.streambert.trainer.publish.Promotion;
import org.streambert.trainer.publish.RunReport;
import org.streambert.trainer.serve.ExampleLog;
import org.streambert.trainer.serve.HeldOutSplit;
import org.streambert.trainer.serve.ServeLoop;
import org.streambert.trainer.serve.TrainingRunTopic;
import picocli.CommandLine;

/**
 * Held-out F1 by round of the continuous-learning loop against the same model trained offline on everything, on the
 * demo data (topic classification + NER, L=2 H=128): round 0 trains v1 from scratch on 10% of the training data
 * through {@code trainer serve}'s own loop on a real broker; each later round feeds another share of the rest through
 * {@code training-examples}, continues from the promoted version, and (standing in for the shadow approval) its
 * published candidate is promoted. Every model is scored on the same full held-out split (the ids
 * {@link HeldOutSplit} holds out); the offline baseline trains from scratch on the full training split for as many
 * epochs. Prints one line per round and writes an SVG plot.
 *
 * <pre>{@code java -cp bench/target/classes:... org.streambert.bench.LearningLoopCurve docs/learning-loop.svg 4}</pre>
 */
public final class LearningLoopCurve {

  private static final String MODEL = "loop-curve";

  private LearningLoopCurve() {}

  public static void main(String[] args) throws Exception {
    Path svg = Path.of(args.length > 0 ? args[0] : "docs/learning-loop.svg");
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 4;
    int perTask = args.length > 2 ? Integer.parseInt(args[2]) : 800;
    Path dir = Files.createTempDirectory("loop-curve-");
    List<ClassificationExample> cls = DemoData.classification(perTask, 1);
    List<NerSentence> ner = DemoData.ner(perTask, 2, true);
    List<TrainingExample> all = new ArrayList<>();
    for (int i = 0; i < cls.size(); i++) {
      all.add(example("c-" + i, cls.get(i).text(), cls.get(i).label(), null));
    }
    for (int i = 0; i < ner.size(); i++) {
      all.add(nerExample("n-" + i, ner.get(i)));
    }
    java.util.Collections.shuffle(all, new java.util.Random(3));
    HeldOutSplit split = new HeldOutSplit(20);
    List<ClassificationExample> heldCls = new ArrayList<>();
    List<NerSentence> heldNer = new ArrayList<>();
    List<ClassificationExample> trainCls = new ArrayList<>();
    List<NerSentence> trainNer = new ArrayList<>();
    for (int i = 0; i < cls.size(); i++) {
      (split.isHeldOut("c-" + i) ? heldCls : trainCls).add(cls.get(i));
    }
    for (int i = 0; i < ner.size(); i++) {
      (split.isHeldOut("n-" + i) ? heldNer : trainNer).add(ner.get(i));
    }
    List<String> texts = new ArrayList<>();
    cls.forEach(e -> texts.add(e.text()));
    all.forEach(e -> texts.add(e.getText()));
    Path vocab = dir.resolve("vocab.txt");
    Files.write(vocab, VocabBuilder.build(texts, false).tokens());
    Path config = dir.resolve("bert_config.json");
    new BertConfig(10, 128, 2, 2, 512, Activation.GELU_TANH, 0.1, 0.1, 64, 2, 0.02).write(config);
    String[] training = {"--lr", "5e-4", "--epochs", "3", "--batch-size", "16", "--max-length", "48"};

    List<double[]> curve = new ArrayList<>(); // {examples, macro_f1, entity_f1}
    double[] offline;
    try (KafkaBrokerProcess broker = KafkaBrokerProcess.start(dir.resolve("broker"), Map.of())) {
      String registry = "mock://loop-curve-" + UUID.randomUUID();
      String bootstrap = broker.bootstrapServers();
      try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(Map.of(
          org.apache.kafka.clients.admin.AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
        admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(Topics.TRAINING_EXAMPLES, 1, (short) 1),
            new org.apache.kafka.clients.admin.NewTopic(Topics.TRAINING_RUNS, 1, (short) 1))).all()
            .get(60, java.util.concurrent.TimeUnit.SECONDS);
      }
      CheckpointTopic checkpoints = new CheckpointTopic(bootstrap, registry, Topics.MODEL_CHECKPOINTS);
      CheckpointStore store = CheckpointStore.at(dir.resolve("store").toString());
      List<String> common = new ArrayList<>(List.of("serve", "--model-name", MODEL, "--store",
          dir.resolve("store").toString(), "--work-dir", dir.resolve("work").toString(), "--bootstrap-servers",
          bootstrap, "--schema-registry-url", registry));
      common.addAll(List.of(training));
      ServeCommand scratch = command(common, "--from-scratch", "--bert-config", config.toString(), "--vocab",
          vocab.toString());
      ServeCommand continued = command(common);
      int first = (int) Math.round(all.size() * 0.1);
      int fed = 0;
      for (int round = 0; round <= rounds; round++) {
        int upTo = round == 0 ? first : first + (int) Math.round((all.size() - first) * (double) round / rounds);
        produce(bootstrap, registry, all.subList(fed, upTo));
        fed = upTo;
        long t0 = System.nanoTime();
        ServeCommand cmd = round == 0 ? scratch : continued;
        TrainingDecision decision;
        try (ExampleLog log = new ExampleLog(bootstrap, registry, Topics.TRAINING_EXAMPLES, "loop-curve", 1_000_000,
            100_000); TrainingRunTopic runs = new TrainingRunTopic(bootstrap, registry, Topics.TRAINING_RUNS)) {
          ServeLoop loop = new ServeLoop(new ServeLoop.Settings(MODEL, 1, java.time.Duration.ofHours(1),
              java.time.Duration.ofSeconds(1), 20, 0.0, round == 0, false, 0, 0, 1, 1, dir.resolve("work"), null,
              Topics.MODEL_ROLLOUT_STATUS, bootstrap, false), log, checkpoints, store, runs, cmd.roundTrainer(),
              (b, c, n) -> EvaluateCommand.evaluate(b, c, n, 32).metrics(), System.out);
          decision = loop.round(log.read());
        }
        ModelCheckpoint candidate = checkpoints.latestCandidate(MODEL).orElseThrow();
        if (decision == TrainingDecision.PUBLISHED_CANDIDATE) {
          Promotion.promote(checkpoints, MODEL, candidate.getVersion(), System.out); // the shadow approval
        }
        ModelCheckpoint champion = checkpoints.latest(MODEL).orElseThrow();
        Map<String, Double> m = EvaluateCommand.evaluate(store.location(MODEL, champion.getVersion()), heldCls,
            heldNer, 32).metrics();
        curve.add(new double[] {fed, m.get("macro_f1"), m.get("entity_f1")});
        System.out.printf(Locale.ROOT, "RESULT round %d: %d examples fed, champion %s (%s), held-out macro-F1 %.4f "
                + "entity-F1 %.4f, round %.1f s, load %s%n", round, fed, champion.getVersion(), decision,
            m.get("macro_f1"), m.get("entity_f1"), (System.nanoTime() - t0) / 1e9, BenchSupport.loadAverage());
      }
    }
    Path data = dir.resolve("offline");
    Files.createDirectories(data);
    DemoData.writeTsv(data.resolve("train.tsv"), trainCls);
    DemoData.writeTsv(data.resolve("dev.tsv"), heldCls);
    DemoData.writeConll(data.resolve("train.conll"), trainNer);
    DemoData.writeConll(data.resolve("dev.conll"), heldNer);
    long t0 = System.nanoTime();
    List<String> offlineArgs = new ArrayList<>(List.of("fine-tune", "--bert-config", config.toString(), "--vocab",
        vocab.toString(), "--cls-train", data.resolve("train.tsv").toString(), "--cls-dev",
        data.resolve("dev.tsv").toString(), "--ner-train", data.resolve("train.conll").toString(), "--ner-dev",
        data.resolve("dev.conll").toString(), "--model-name", MODEL, "--version", "offline", "--out",
        dir.resolve("offline-run").toString()));
    offlineArgs.addAll(List.of(training));
    if (TrainerApp.run(offlineArgs.toArray(String[]::new)) != 0) {
      throw new IllegalStateException("offline fine-tune failed");
    }
    Map<String, Double> m = EvaluateCommand.evaluate(dir.resolve("offline-run").resolve(RunReport.BUNDLE_DIR),
        heldCls, heldNer, 32).metrics();
    offline = new double[] {trainCls.size() + trainNer.size(), m.get("macro_f1"), m.get("entity_f1")};
    System.out.printf(Locale.ROOT, "RESULT offline on all %d training examples: held-out macro-F1 %.4f entity-F1 "
            + "%.4f, %.1f s, load %s%n", (int) offline[0], offline[1], offline[2], (System.nanoTime() - t0) / 1e9,
        BenchSupport.loadAverage());
    Files.writeString(svg, svg(curve, offline, heldCls.size(), heldNer.size()));
    System.out.println("wrote " + svg);
  }

  private static ServeCommand command(List<String> common, String... extra) {
    List<String> a = new ArrayList<>(common.subList(1, common.size()));
    a.addAll(List.of(extra));
    return CommandLine.populateCommand(new ServeCommand(), a.toArray(String[]::new));
  }

  private static TrainingExample example(String id, String text, String label, List<EntitySpan> spans) {
    return TrainingExample.newBuilder().setId(id).setText(text).setLabel(label).setEntities(spans)
        .setSource("bench").setCreatedAt(Instant.now()).build();
  }

  /** Tokens joined by spaces, IOB2 tags as code point spans. */
  private static TrainingExample nerExample(String id, NerSentence s) {
    StringBuilder text = new StringBuilder();
    List<EntitySpan> spans = new ArrayList<>();
    EntitySpan open = null;
    for (int i = 0; i < s.tokens().size(); i++) {
      if (i > 0) {
        text.append(' ');
      }
      int start = text.codePointCount(0, text.length());
      text.append(s.tokens().get(i));
      int end = text.codePointCount(0, text.length());
      String tag = s.tags().get(i);
      if (tag.startsWith("I-") && open != null && open.getType().equals(tag.substring(2))) {
        open.setEnd(end);
      } else if (!tag.equals("O")) {
        open = new EntitySpan(tag.substring(2), start, end);
        spans.add(open);
      } else {
        open = null;
      }
    }
    return example(id, text.toString(), null, spans);
  }

  private static void produce(String bootstrap, String registry, List<TrainingExample> examples) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    SpecificAvroSerde<TrainingExample> serde = new SpecificAvroSerde<>(TrainingExample.class);
    serde.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registry), false);
    try (KafkaProducer<String, TrainingExample> producer =
        new KafkaProducer<>(p, new StringSerializer(), serde.serializer())) {
      for (TrainingExample e : examples) {
        producer.send(new ProducerRecord<>(Topics.TRAINING_EXAMPLES, e.getId(), e));
      }
      producer.flush();
    }
  }

  /** A line chart: held-out F1 by examples fed, with the offline model as dashed lines. */
  static String svg(List<double[]> curve, double[] offline, int heldCls, int heldNer) {
    int w = 640;
    int h = 400;
    int left = 60;
    int right = 20;
    int top = 40;
    int bottom = 50;
    double maxX = offline[0] * 1.25;
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
        + "font-family=\"sans-serif\" font-size=\"12\">%n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n", w,
        h));
    s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"14\">Continuous learning on the demo data: "
        + "held-out F1 by round (held out: %d texts, %d sentences)</text>%n", left, heldCls, heldNer));
    for (int i = 0; i <= 5; i++) {
      double y = top + (h - top - bottom) * (1 - i / 5.0);
      s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
          + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.1f</text>%n", left, y, w - right, y, left - 6, y + 4,
          i / 5.0));
    }
    s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">training examples fed through "
        + "training-examples (round 0 = v1 on 10%%)</text>%n", (left + w - right) / 2, h - 12));
    String[] colors = {"#1f77b4", "#d62728"};
    String[] names = {"macro-F1 (topics)", "entity F1 (NER)"};
    for (int k = 0; k < 2; k++) {
      StringBuilder points = new StringBuilder();
      for (double[] c : curve) {
        double x = left + (w - left - right) * c[0] / maxX;
        double y = top + (h - top - bottom) * (1 - c[k + 1]);
        points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
        s.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>%n", x, y,
            colors[k]));
      }
      s.append(String.format(Locale.ROOT, "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>%n",
          points.toString().trim(), colors[k]));
      double oy = top + (h - top - bottom) * (1 - offline[k + 1]);
      s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\" "
          + "stroke-dasharray=\"6,4\"/>%n", left, oy, w - right, oy, colors[k]));
      s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"%s\">%s: loop (solid), offline on all "
          + "%d (dashed)</text>%n", left + 10, h - bottom - 10 - 16 * k, colors[k], names[k], (int) offline[0]));
    }
    s.append("</svg>\n");
    return s.toString();
  }
}
