package org.streambert.trainer.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.streambert.schemas.Topics;
import org.streambert.trainer.ExitCodes;
import org.streambert.trainer.publish.CheckpointStore;
import org.streambert.trainer.publish.CheckpointTopic;
import org.streambert.schemas.signing.TrustedKeys;
import org.streambert.trainer.serve.ExampleLog;
import org.streambert.trainer.serve.HeldOutSplit;
import org.streambert.trainer.serve.ServeLoop;
import org.streambert.trainer.serve.TrainingRunTopic;
import org.streambert.trainer.train.TrainingConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code trainer serve}: the trainer as a long-running service that retrains on the labels coming back. */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = {"Runs until stopped: consumes training-examples as a consumer group and, when --min-new-examples "
        + "new examples have arrived or --max-interval has passed, continues fine-tuning the PROMOTED version on "
        + "every example's training split, evaluates candidate and champion on the same held-out split (by an HMAC "
        + "of the text with a trainer-side secret), publishes the candidate as CANDIDATE only if the gate passes, reports the round on "
        + "training-runs and then commits its input offsets.",
        "With --auto-promote it also promotes the candidate once the app instances' shadow reports on "
            + "model-rollout-status meet the --promote-* bounds.",
        "Only examples signed by --labeller-keys and shadow reports signed by --instance-keys count (or, "
            + "explicitly, unsigned ones with --accept-unsigned-examples / --accept-unsigned-shadow-reports)."})
public final class ServeCommand implements Callable<Integer> {

  @Mixin KafkaOptions kafka = new KafkaOptions();
  @Mixin PublishOptions publishing = new PublishOptions();
  @Mixin ModelOptions model = new ModelOptions();

  @Option(names = "--model-name", required = true, paramLabel = "NAME", description = "Model to train and publish.")
  String modelName;

  @Option(names = "--work-dir", required = true, paramLabel = "DIR", description = "Where rounds write their run "
      + "directories.")
  Path workDir;

  @Option(names = "--examples-topic", defaultValue = Topics.TRAINING_EXAMPLES, description = "Default: "
      + "${DEFAULT-VALUE}.")
  String examplesTopic;

  @Option(names = "--runs-topic", defaultValue = Topics.TRAINING_RUNS, description = "Default: ${DEFAULT-VALUE}.")
  String runsTopic;

  @Option(names = "--status-topic", defaultValue = Topics.MODEL_ROLLOUT_STATUS, description = "Where the app "
      + "instances' shadow reports are read. Default: ${DEFAULT-VALUE}.")
  String statusTopic;

  @Option(names = "--group", paramLabel = "ID", description = "Consumer group of the examples topic; default: "
      + "trainer-serve-<model>.")
  String group;

  @Option(names = "--min-new-examples", defaultValue = "100", description = "New (or changed) distinct examples "
      + "that start a round. Default: ${DEFAULT-VALUE}.")
  int minNewExamples;

  @Option(names = "--max-interval", defaultValue = "1h", converter = DurationConverter.class, paramLabel = "DURATION",
      description = "A round also starts this long after the last one if any new record arrived (e.g. 90s, 10m, 1h, "
          + "PT1H). Default: ${DEFAULT-VALUE}.")
  Duration maxInterval;

  @Option(names = "--poll-interval", defaultValue = "5s", converter = DurationConverter.class, paramLabel = "DURATION",
      description = "How often the topics are checked. Default: ${DEFAULT-VALUE}.")
  Duration pollInterval;

  @Option(names = "--held-out-percent", defaultValue = "20", description = "Share of examples held out for "
      + "evaluation (1..99), chosen by an HMAC of the text with the --held-out-key secret. Default: ${DEFAULT-VALUE}.")
  int heldOutPercent;

  @Option(names = "--held-out-key", paramLabel = "FILE", description = "Secret (hex) that keys the held-out split, "
      + "so that the writers of examples cannot choose what is held out; created with 32 random bytes when missing. "
      + "Keep it (a new secret reshuffles the split). Default: <work-dir>/" + HeldOutSplit.KEY_FILE + ".")
  Path heldOutKey;

  @Option(names = "--labeller-keys", paramLabel = "FILE", description = "Trusted labeller public keys (`trainer "
      + "keygen` .pub entries): only examples signed by one of them are trained on; unsigned, untrusted and "
      + "tampered examples and tombstones are refused and counted. Required unless --accept-unsigned-examples.")
  Path labellerKeys;

  @Option(names = "--accept-unsigned-examples", description = "Train on every example on the topic, signed or not "
      + "(whoever can write the topic chooses the training data; only with Kafka ACLs that let nobody else write it).")
  boolean acceptUnsignedExamples;

  @Option(names = "--instance-keys", paramLabel = "FILE", description = "Trusted app-instance public keys: "
      + "--auto-promote counts only shadow reports signed by one of them, one per verified key. Required with "
      + "--auto-promote unless --accept-unsigned-shadow-reports.")
  Path instanceKeys;

  @Option(names = "--accept-unsigned-shadow-reports", description = "With --auto-promote, count every shadow report "
      + "by its declared instance name (whoever can write the status topic can promote a candidate).")
  boolean acceptUnsignedShadowReports;

  @Option(names = "--from-scratch", description = "Train every round from --pretrained/--bert-config instead of "
      + "continuing from the PROMOTED version.")
  boolean fromScratch;

  @Option(names = "--auto-promote", description = "Promote a candidate when the shadow reports meet the bounds.")
  boolean autoPromote;

  @Option(names = "--promote-min-samples", defaultValue = "200", description = "Live records scored in shadow by all "
      + "instances together before promotion. Default: ${DEFAULT-VALUE}.")
  long promoteMinSamples;

  @Option(names = "--promote-min-agreement", defaultValue = "0.0", description = "Lowest share of equal class labels "
      + "of candidate and champion in shadow (guards against a candidate that is better offline but wildly "
      + "different live). Default: ${DEFAULT-VALUE}.")
  double promoteMinAgreement;

  @Option(names = "--promote-max-latency-ratio", defaultValue = "1.5", description = "Highest candidate/champion "
      + "forward time per record in shadow. Default: ${DEFAULT-VALUE}.")
  double promoteMaxLatencyRatio;

  @Option(names = "--max-rounds", defaultValue = "0", description = "Stop after this many rounds (0: run until "
      + "stopped). Default: ${DEFAULT-VALUE}.")
  int maxRounds;

  @Option(names = "--until-promoted", description = "Stop once a candidate was promoted automatically (demos).")
  boolean untilPromoted;

  @Option(names = "--max-examples", defaultValue = "1000000", description = "Refuse a topic with more distinct "
      + "examples (bounds memory). Default: ${DEFAULT-VALUE}.")
  int maxExamples;

  @Option(names = "--max-text-chars", defaultValue = "100000", description = "Examples with longer texts (code "
      + "points) are skipped. Default: ${DEFAULT-VALUE}.")
  int maxTextChars;

  /** The rounds' training options, the same as fine-tune's (a round runs through the fine-tune command). */
  @Mixin TrainingOptions training = new TrainingOptions();

  @Override
  public Integer call() throws Exception {
    kafka.require("serve");
    if (publishing.store == null) {
      throw new IllegalArgumentException("serve needs --store (where candidates are published)");
    }
    if (minNewExamples < 1 || maxInterval.isNegative() || maxInterval.isZero() || pollInterval.toMillis() < 10
        || maxExamples < 1 || maxTextChars < 1) {
      throw new IllegalArgumentException("--min-new-examples, --max-examples and --max-text-chars must be >= 1, "
          + "--max-interval > 0 and --poll-interval >= 10ms");
    }
    PrintStream log = System.out;
    TrustedKeys labellers = SignedInputs.trust(labellerKeys, acceptUnsignedExamples, "--labeller-keys",
        "--accept-unsigned-examples", "examples", log);
    TrustedKeys instances = autoPromote ? SignedInputs.trust(instanceKeys, acceptUnsignedShadowReports,
        "--instance-keys", "--accept-unsigned-shadow-reports", "shadow reports", log) : TrustedKeys.none();
    Files.createDirectories(workDir);
    byte[] heldOutSecret = HeldOutSplit.readOrCreateKey(heldOutKey != null ? heldOutKey
        : workDir.resolve(HeldOutSplit.KEY_FILE));
    CheckpointTopic checkpoints = publishing.checkpointTopic(kafka); // signs candidates and promotions
    checkpoints.ensureExists();
    ensureTopics(List.of(examplesTopic, runsTopic, statusTopic));
    ServeLoop.Settings settings = new ServeLoop.Settings(modelName, minNewExamples, maxInterval, pollInterval,
        heldOutPercent, publishing.noGate ? Double.MAX_VALUE : publishing.gateTolerance, fromScratch, autoPromote,
        promoteMinSamples, promoteMinAgreement, promoteMaxLatencyRatio, maxRounds, workDir,
        publishing.bundleUriBase, statusTopic, kafka.bootstrapServers, untilPromoted);
    AtomicBoolean stop = new AtomicBoolean();
    // SIGTERM: stop polling; a round in progress is abandoned uncommitted and repeats after the restart.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> stop.set(true), "serve-stop"));
    try (ExampleLog examples = new ExampleLog(kafka.clients(), examplesTopic,
        group != null ? group : "trainer-serve-" + modelName, maxExamples, maxTextChars, labellers);
        TrainingRunTopic runs = new TrainingRunTopic(kafka.clients(), runsTopic)) {
      ServeLoop loop = new ServeLoop(settings, examples, checkpoints, CheckpointStore.at(publishing.store), runs,
          this::trainRound, DevFigures.evaluator(training), log).withHeldOutSecret(heldOutSecret).trustingInstances(instances);
      log.printf("serving %s: %s -> %s (group %s), round at %d new examples or every %s%n", modelName,
          examplesTopic, publishing.topic, group != null ? group : "trainer-serve-" + modelName, minNewExamples,
          maxInterval);
      int rounds = loop.run(stop);
      log.printf("serve stopped after %d round(s)%n", rounds);
    }
    return ExitCodes.OK;
  }

  /** Creates missing topics with the broker's default partitions and replication. */
  private void ensureTopics(List<String> topics) throws Exception {
    try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(java.util.Map.of(
        org.apache.kafka.clients.admin.AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers))) {
      java.util.Set<String> existing = admin.listTopics().names().get(60, java.util.concurrent.TimeUnit.SECONDS);
      for (String t : topics) {
        if (!existing.contains(t)) {
          try {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(t, java.util.Optional.empty(),
                java.util.Optional.empty()))).all().get(60, java.util.concurrent.TimeUnit.SECONDS);
          } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) {
              throw e;
            }
          }
        }
      }
    }
  }

  /** This command's round trainer (for programs that drive a {@link ServeLoop} themselves, e.g. the bench). */
  public ServeLoop.RoundTrainer roundTrainer() {
    return this::trainRound;
  }

  /** One round's fine-tuning through the fine-tune command's own code (same options, same defaults). */
  org.streambert.trainer.publish.RunReport trainRound(Path fromBundle,
      org.streambert.trainer.train.TaskData data, String name, String version, Path out) throws java.io.IOException {
    FineTuneCommand fineTune = CommandLine.populateCommand(new FineTuneCommand(), "--out", out.toString(),
        "--model-name", name, "--version", version);
    fineTune.training = training;
    if (fromBundle != null) {
      ModelOptions continued = new ModelOptions();
      continued.fromBundle = fromBundle;
      fineTune.model = continued;
    } else {
      fineTune.model = model;
    }
    fineTune.train(data, System.out);
    publishing.prepareBundle(out, System.out); // --with-onnx: candidates carry their ONNX file, as the champion may
    // the candidate's figures on --engine/--precision; the loop scores the champion on the same (report.devEngine)
    return DevFigures.measure(out, data, training, System.out);
  }
}
