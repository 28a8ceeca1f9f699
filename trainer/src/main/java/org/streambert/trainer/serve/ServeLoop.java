package org.streambert.trainer.serve;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.heads.HeadSpec;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.avro.ModelStage;
import org.streambert.schemas.avro.TrainingDecision;
import org.streambert.schemas.avro.TrainingExample;
import org.streambert.schemas.avro.TrainingRun;
import org.streambert.schemas.signing.TrustedKeys;
import org.streambert.trainer.data.ClassificationExample;
import org.streambert.trainer.data.DatasetFormatException;
import org.streambert.trainer.data.KafkaExampleSource;
import org.streambert.trainer.data.NerSentence;
import org.streambert.trainer.publish.CheckpointStore;
import org.streambert.trainer.publish.CheckpointTopic;
import org.streambert.trainer.publish.PromotionGate;
import org.streambert.trainer.publish.Promotion;
import org.streambert.trainer.publish.Publisher;
import org.streambert.trainer.publish.RunReport;
import org.streambert.trainer.train.TaskData;

/**
 * The trainer as a service: watches {@code training-examples} ({@link ExampleLog}); when {@code minNewExamples} new
 * examples have arrived, or {@code maxInterval} has passed with any new record, runs a round: continue fine-tuning the
 * PROMOTED version (or start from scratch) on every example's training split, evaluate the candidate and the champion
 * on the same held-out split ({@link HeldOutSplit}: keyed by a trainer-side secret, so the writers of examples
 * cannot choose what is held out), publish the candidate as {@code CANDIDATE} only if the
 * {@link PromotionGate} passes against the champion and against a candidate still in shadow, report the round on {@code training-runs}, and only then commit the input offsets.
 *
 * <p>A round's version is derived from the input offsets and the champion it starts from, so a round repeated after a
 * crash between publishing and committing finds its candidate already published and only commits. With auto-promotion
 * on, each poll also reads the instances' shadow reports of the current candidate and promotes it when they meet the
 * bounds.
 */
public final class ServeLoop {

  /** Fine-tunes (the {@code fine-tune} command's code path) and exports a run directory. */
  @FunctionalInterface
  public interface RoundTrainer {
    /**
     * @param fromBundle the champion's bundle to continue from, or null to start from scratch
     * @param out a run directory that does not exist yet
     */
    RunReport train(Path fromBundle, TaskData data, String modelName, String version, Path out) throws IOException;
  }

  /** Metrics of a bundle on labelled examples (the {@code evaluate} command's code path). */
  @FunctionalInterface
  public interface BundleEvaluator {
    /** The metrics on TensorFlow fp32. */
    Map<String, Double> evaluate(Path bundle, List<ClassificationExample> classification, List<NerSentence> ner)
        throws IOException;

    /**
     * The metrics on {@code engine} ({@code "onnxruntime int8"}), the engine the candidate's figures were measured
     * on; by default only TensorFlow fp32 is supported.
     *
     * @throws IllegalArgumentException when the bundle cannot be scored on that engine
     */
    default Map<String, Double> evaluate(Path bundle, List<ClassificationExample> classification,
        List<NerSentence> ner, String engine) throws IOException {
      if (!PromotionGate.engineOf(engine).equals(PromotionGate.engineOf(null))) {
        throw new IllegalArgumentException("this evaluator scores on " + PromotionGate.engineOf(null) + " only, not "
            + engine);
      }
      return evaluate(bundle, classification, ner);
    }
  }

  /**
   * @param minNewExamples  distinct new or changed examples that start a round
   * @param maxInterval     a round also starts this long after the last one when any new record arrived
   * @param pollInterval    how often the topic is checked
   * @param heldOutPercent  share of example ids held out for evaluation
   * @param gateTolerance   how much worse than the champion a gated metric may be
   * @param fromScratch     train every round from the starting point of the trainer, not from the champion
   * @param autoPromote     promote a candidate when the shadow reports meet the three bounds below
   * @param maxRounds       stop after this many rounds (0: run until stopped)
   * @param untilPromoted   stop once a candidate was promoted automatically (the embedded demo)
   */
  public record Settings(String modelName, int minNewExamples, Duration maxInterval, Duration pollInterval,
      int heldOutPercent, double gateTolerance, boolean fromScratch, boolean autoPromote, long promoteMinSamples,
      double promoteMinAgreement, double promoteMaxLatencyRatio, int maxRounds, Path workDir, String bundleUriBase,
      String statusTopic, String bootstrapServers, boolean untilPromoted) {}

  /** Shadow reports are read from the candidate's creation minus this (app and trainer clocks may differ). */
  static final Duration CLOCK_SKEW = Duration.ofMinutes(10);

  private final Settings settings;
  private final ExampleLog examples;
  private final CheckpointTopic checkpoints;
  private final CheckpointStore store;
  private final TrainingRunTopic runs;
  private final RoundTrainer trainer;
  private final BundleEvaluator evaluator;
  private HeldOutSplit split; // made on the first round from the work directory's secret, unless given
  private TrustedKeys instanceKeys = TrustedKeys.none();
  private final PrintStream log;

  public ServeLoop(Settings settings, ExampleLog examples, CheckpointTopic checkpoints, CheckpointStore store,
      TrainingRunTopic runs, RoundTrainer trainer, BundleEvaluator evaluator, PrintStream log) {
    this.settings = settings;
    this.examples = examples;
    this.checkpoints = checkpoints;
    this.store = store;
    this.runs = runs;
    this.trainer = trainer;
    this.evaluator = evaluator;
    this.log = log;
  }

  /**
   * Splits with this secret ({@link HeldOutSplit}) instead of the one in the work directory's
   * {@value HeldOutSplit#KEY_FILE} (created there on the first round when missing).
   */
  public ServeLoop withHeldOutSecret(byte[] secret) {
    this.split = new HeldOutSplit(settings.heldOutPercent(), secret);
    return this;
  }

  /**
   * Counts only shadow reports signed by these instance keys, one per verified key ({@link ShadowReports}); by
   * default ({@link TrustedKeys#none()}) every report counts under its declared instance name.
   */
  public ServeLoop trustingInstances(TrustedKeys keys) {
    this.instanceKeys = java.util.Objects.requireNonNull(keys, "keys");
    return this;
  }

  private HeldOutSplit split() throws IOException {
    if (split == null) {
      split = new HeldOutSplit(settings.heldOutPercent(),
          HeldOutSplit.readOrCreateKey(settings.workDir().resolve(HeldOutSplit.KEY_FILE)));
    }
    return split;
  }

  /** Polls and runs rounds until {@code stop} is set or {@code maxRounds} rounds ran; returns the rounds run. */
  public int run(AtomicBoolean stop) throws InterruptedException {
    int rounds = 0;
    long lastRound = System.nanoTime();
    while (!stop.get() && (settings.maxRounds() <= 0 || rounds < settings.maxRounds())) {
      if (settings.autoPromote() && maybePromote() && settings.untilPromoted()) {
        return rounds;
      }
      long pending = examples.pendingRecords();
      boolean due = System.nanoTime() - lastRound >= settings.maxInterval().toNanos();
      if (pending > 0 && (pending >= settings.minNewExamples() || due)) {
        ExampleLog.Snapshot snapshot = examples.read();
        if (snapshot.newIds().size() >= settings.minNewExamples() || due) {
          round(snapshot);
          rounds++;
          lastRound = System.nanoTime();
          continue;
        }
      }
      Thread.sleep(settings.pollInterval().toMillis());
    }
    return rounds;
  }

  /** Runs one round on {@code snapshot} and returns its decision. */
  public TrainingDecision round(ExampleLog.Snapshot snapshot) {
    long started = System.currentTimeMillis();
    String model = settings.modelName();
    Optional<ModelCheckpoint> champion = checkpoints.latest(model);
    String championVersion = champion.map(ModelCheckpoint::getVersion).orElse(null);
    String version = "r" + snapshot.totalOffset() + "-" + shortHash(model + "|" + championVersion + "|"
        + snapshot.offsetsKey() + "|" + settings.fromScratch());
    TrainingRun.Builder run = TrainingRun.newBuilder().setModelName(model).setRound(version)
        .setChampionVersion(championVersion).setNewExamples(snapshot.newIds().size())
        .setStartedAt(Instant.ofEpochMilli(started));
    if (checkpoints.find(model, version).isPresent()) {
      log.printf("round %s: its candidate is already published (a restart after publishing); committing%n", version);
      examples.commit(snapshot);
      return TrainingDecision.PUBLISHED_CANDIDATE;
    }
    List<TrainingExample> train = new ArrayList<>();
    List<TrainingExample> heldOut = new ArrayList<>();
    run.setTrainExamples(0).setHeldOutExamples(0);
    TrainingDecision decision;
    try {
      HeldOutSplit split = split();
      snapshot.examples().forEach((id, e) -> (split.isHeldOut(e) ? heldOut : train).add(e));
      run.setTrainExamples(train.size()).setHeldOutExamples(heldOut.size());
      log.printf("round %s: %d examples (%d new; %d train, %d held out; %d bad records skipped, %d refused %s), "
          + "champion %s%n", version, snapshot.examples().size(), snapshot.newIds().size(), train.size(),
          heldOut.size(), snapshot.skipped(), snapshot.refusedTotal(), snapshot.refused(),
          championVersion == null ? "none" : championVersion);
      if (!snapshot.conflicts().isEmpty()) {
        log.printf("round %s: %d example(s) with conflicting labels from different labellers, the latest label "
            + "used: %s%n", version, snapshot.conflicts().size(), snapshot.conflicts().stream().limit(10).toList());
      }
      TaskData data = taskData(train, heldOut);
      Path championDir = champion.map(this::bundleDir).orElse(null);
      Path out = settings.workDir().resolve(version);
      deleteRecursively(out);
      RunReport report = trainer.train(settings.fromScratch() ? null : championDir, data, model, version, out);
      run.setCandidateVersion(version).setCandidateMetrics(report.metrics());
      // Champion and pending candidate are scored here on the candidate's engine and precision: like with like.
      String engine = report.measuredOn();
      PromotionGate.Decision gate = null;
      Map<String, Double> championMetrics = null;
      if (championDir != null) {
        try {
          championMetrics = championMetrics(evaluator, championDir, data, engine);
          run.setChampionMetrics(championMetrics);
        } catch (IllegalArgumentException e) {
          gate = unavailable(championVersion, engine, e);
        }
      }
      if (gate == null) {
        gate = PromotionGate.decide(report.metrics(), engine, championMetrics, engine, settings.gateTolerance());
      }
      List<String> reasons = new ArrayList<>(gate.reasons());
      boolean accepted = gate.accepted();
      // A candidate already in shadow is replaced only by one that is not worse than it either.
      Optional<ModelCheckpoint> pending = checkpoints.latestCandidate(model).filter(c ->
          c.getStage() == ModelStage.CANDIDATE && !c.getVersion().equals(championVersion));
      if (pending.isPresent()) {
        PromotionGate.Decision vsPending;
        try {
          vsPending = PromotionGate.decide(report.metrics(), engine,
              championMetrics(evaluator, bundleDir(pending.get()), data, engine), engine, settings.gateTolerance());
        } catch (IllegalArgumentException e) {
          vsPending = unavailable(pending.get().getVersion(), engine, e);
        }
        accepted &= vsPending.accepted();
        vsPending.reasons().forEach(r -> reasons.add("vs candidate " + pending.get().getVersion() + " in shadow: "
            + r));
      }
      if (!snapshot.conflicts().isEmpty() || snapshot.refusedTotal() > 0) {
        reasons.add(String.format(Locale.ROOT, "labels: %d conflicting (latest used), %d records refused %s",
            snapshot.conflicts().size(), snapshot.refusedTotal(), snapshot.refused()));
      }
      run.setReasons(reasons);
      reasons.forEach(r -> log.println("round " + version + " gate: " + r));
      if (accepted) {
        Publisher.publishAs(out, store, checkpoints, settings.bundleUriBase(), ModelStage.CANDIDATE, log);
        decision = TrainingDecision.PUBLISHED_CANDIDATE;
      } else {
        decision = TrainingDecision.REFUSED;
      }
    } catch (IOException | RuntimeException e) {
      log.printf("round %s failed: %s%n", version, e);
      run.setReasons(List.of(String.valueOf(e.getMessage())));
      runs.publish(run.setDecision(TrainingDecision.FAILED).setFinishedAt(Instant.now()).build());
      return TrainingDecision.FAILED; // offsets stay: the examples are retried with the next round
    }
    runs.publish(run.setDecision(decision).setFinishedAt(Instant.now()).build());
    examples.commit(snapshot);
    log.printf("round %s: %s%n", version, decision);
    return decision;
  }

  /** Training split and held-out split as task data; a task without examples on both sides is not trained. */
  private static TaskData taskData(List<TrainingExample> train, List<TrainingExample> heldOut) {
    KafkaExampleSource.Examples t = KafkaExampleSource.of(train);
    KafkaExampleSource.Examples h = KafkaExampleSource.of(heldOut);
    boolean cls = usable(() -> KafkaExampleSource.classificationDataset("training split", t.classification()))
        && !h.classification().isEmpty();
    boolean ner = usable(() -> KafkaExampleSource.nerDataset("training split", t.ner())) && !h.ner().isEmpty();
    if (!cls && !ner) {
      throw new IllegalArgumentException("not enough examples yet: a task needs examples of two classes (or with "
          + "entities) in the training split and at least one held out");
    }
    return new TaskData(cls ? t.classification() : List.of(), cls ? h.classification() : List.of(),
        ner ? t.ner() : List.of(), ner ? h.ner() : List.of());
  }

  private static boolean usable(Runnable check) {
    try {
      check.run();
      return true;
    } catch (DatasetFormatException e) {
      return false;
    }
  }

  private static PromotionGate.Decision unavailable(String version, String engine, IllegalArgumentException e) {
    return new PromotionGate.Decision(false, List.of(PromotionGate.ENGINE_UNAVAILABLE_REASON + ": version " + version
        + " cannot be scored on " + engine + ", the candidate's engine: " + e.getMessage()),
        PromotionGate.Refusal.ENGINE_UNAVAILABLE);
  }

  /**
   * A published model on the same held-out split, restricted to the labels its heads know, scored on {@code engine}.
   *
   * @throws IllegalArgumentException when it cannot be scored on that engine
   */
  public static Map<String, Double> championMetrics(BundleEvaluator evaluator, Path championDir, TaskData data,
      String engine) throws IOException {
    ModelBundle bundle = ModelBundle.open(championDir);
    List<String> classes = bundle.model().classificationHead().map(HeadSpec::labels).orElse(null);
    List<String> tags = bundle.model().tokenClassificationHead().map(HeadSpec::labels).orElse(null);
    List<ClassificationExample> cls = classes == null || !data.hasClassification() ? null
        : data.classDev().stream().filter(e -> classes.contains(e.label())).toList();
    List<NerSentence> ner = tags == null || !data.hasNer() ? null
        : data.nerDev().stream().filter(s -> tags.containsAll(s.tags())).toList();
    return evaluator.evaluate(championDir, cls, ner, engine);
  }

  /** Local directory of a published version: its file:// bundle URI, else its place in the store. */
  private Path bundleDir(ModelCheckpoint cp) {
    String uri = cp.getBundleUri();
    if (uri.startsWith("file:")) {
      Path p = Path.of(URI.create(uri));
      if (Files.isDirectory(p)) {
        return p;
      }
    }
    Path stored = store.location(cp.getModelName(), cp.getVersion());
    if (!Files.isDirectory(stored)) {
      throw new IllegalStateException("the champion " + cp.getVersion() + " is at " + uri + ", neither a local "
          + "directory nor in the store " + store.root() + "; run trainer serve with the store the app reads");
    }
    return stored;
  }

  /** Promotes the candidate if the instances' shadow reports meet the bounds; true if it did. */
  public boolean maybePromote() {
    String model = settings.modelName();
    Optional<ModelCheckpoint> candidate = checkpoints.latestCandidate(model);
    Optional<ModelCheckpoint> champion = checkpoints.latest(model);
    if (candidate.isEmpty() || candidate.get().getStage() != ModelStage.CANDIDATE || champion.isEmpty()
        || champion.get().getVersion().equals(candidate.get().getVersion())) {
      return false;
    }
    String version = candidate.get().getVersion();
    ShadowReports shadow = ShadowReports.read(settings.bootstrapServers(), settings.statusTopic(), model, version,
        champion.get().getVersion(), candidate.get().getCreatedAt().toEpochMilli() - CLOCK_SKEW.toMillis(),
        instanceKeys);
    boolean enough = shadow.samples() >= settings.promoteMinSamples();
    boolean agrees = Double.isNaN(shadow.labelAgreement())
        || shadow.labelAgreement() >= settings.promoteMinAgreement();
    boolean fast = Double.isNaN(shadow.latencyRatio()) || shadow.latencyRatio() <= settings.promoteMaxLatencyRatio();
    if (!(enough && agrees && fast)) {
      return false;
    }
    List<String> reasons = List.of(String.format(Locale.ROOT, "shadow: %d samples from %d %s instance(s) (>= %d), "
            + "label agreement %.3f (>= %.3f), latency ratio %.2f (<= %.2f); %d unverified report(s) ignored",
        shadow.samples(), shadow.instances(), instanceKeys.isEmpty() ? "unverified" : "verified",
        settings.promoteMinSamples(), shadow.labelAgreement(), settings.promoteMinAgreement(), shadow.latencyRatio(),
        settings.promoteMaxLatencyRatio(), shadow.refused()));
    log.println("auto-promotion of " + version + ": " + reasons.get(0));
    Promotion.promote(checkpoints, model, version, log);
    runs.publish(TrainingRun.newBuilder().setModelName(model).setRound(version).setCandidateVersion(version)
        .setChampionVersion(champion.get().getVersion()).setTrainExamples(0).setHeldOutExamples(0)
        .setNewExamples(0).setCandidateMetrics(candidate.get().getMetrics())
        .setChampionMetrics(champion.get().getMetrics()).setDecision(TrainingDecision.PROMOTED)
        .setReasons(reasons).setStartedAt(Instant.now()).setFinishedAt(Instant.now()).build());
    return true;
  }

  private static String shortHash(String s) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(h, 0, 5);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
