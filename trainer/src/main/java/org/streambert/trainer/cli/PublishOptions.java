package org.streambert.trainer.cli;

import org.streambert.schemas.Topics;
import org.streambert.schemas.signing.SigningKey;
import org.streambert.trainer.publish.CheckpointTopic;
import org.streambert.trainer.publish.OnnxRuns;
import org.streambert.trainer.publish.PromotionGate;
import picocli.CommandLine.Option;

/** Checkpoint store, topic and promotion gate. */
public final class PublishOptions {

  @Option(names = "--store", paramLabel = "DIR|file://URI",
      description = "Checkpoint store: bundles are copied to <store>/<model>/<version>/.")
  String store;

  @Option(names = "--bundle-uri-base", paramLabel = "URL",
      description = "Publish bundle URIs as <base>/<model>/<version>/ (e.g. the store served over http(s)) instead "
          + "of the store's file:// URI.")
  String bundleUriBase;

  @Option(names = "--topic", defaultValue = Topics.MODEL_CHECKPOINTS, description = "Checkpoint topic (compacted, "
      + "created if missing). Default: ${DEFAULT-VALUE}.")
  String topic;

  @Option(names = "--gate-tolerance", defaultValue = "0.0", description = "How much worse than the published "
      + "version a gated metric (macro_f1, entity_f1) may be. Default: ${DEFAULT-VALUE}.")
  double gateTolerance = PromotionGate.DEFAULT_TOLERANCE;

  @Option(names = "--no-gate", description = "Publish even if worse than the published version.")
  boolean noGate;

  @Option(names = "--with-onnx", description = "Add the bundle's ONNX export (onnx/model.onnx, hashed in the "
      + "manifest) to the run's bundle IN PLACE: the run directory's bundle/ is replaced by one with the file "
      + "(before it is stored and signed, with --publish; serve: to every candidate), so that the streams app can serve it on ONNX Runtime (nlp.model.engine=auto or onnxruntime). BERT-base: "
      + "~420 MB more, a few seconds.")
  boolean withOnnx;

  @Option(names = "--signing-key", paramLabel = "FILE", description = "Ed25519 private key file written by "
      + "`trainer keygen`: every checkpoint event is signed with it. Default: the file named by $"
      + CheckpointTopic.SIGNING_KEY_ENV + "; with neither, events are unsigned (instances that trust keys refuse "
      + "them).")
  java.nio.file.Path signingKey;

  @Option(names = "--trusted-keys", paramLabel = "FILE", description = "Public keys (the instances' trusted keys file) "
      + "whose events this trainer believes besides its own signing key's, e.g. the other trainers' during a key "
      + "rotation: events signed otherwise are ignored when it numbers, promotes or refreshes. Default: the file named "
      + "by $" + CheckpointTopic.TRUSTED_KEYS_ENV + ".")
  java.nio.file.Path trustedKeys;

  @Option(names = "--event-validity", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "Give every published event an expiry "
      + "this long after its issue time (e.g. 30d or P30D): instances refuse it afterwards (signature.expired), "
      + "so run trainer refresh more often than this. Default: no expiry.")
  java.time.Duration eventValidity;

  /**
   * Before training a run that is to be published: checks --store and the Kafka options and opens the topic (reading
   * the signing key now, not after training).
   */
  CheckpointTopic prepareToPublish(KafkaOptions kafka) throws java.io.IOException {
    kafka.require("--publish");
    if (store == null) {
      throw new IllegalArgumentException("--publish needs --store");
    }
    return checkpointTopic(kafka);
  }

  /**
   * Publishes the run directory {@code runDir} (gate, store, event); returns the exit code. {@code rescorer}
   * re-scores the published version on the candidate's engine when its figures name another (null: refused then).
   */
  int publish(java.nio.file.Path runDir, CheckpointTopic topic, java.io.PrintStream log,
      org.streambert.trainer.publish.Publisher.ChampionScorer rescorer) throws java.io.IOException {
    prepareBundle(runDir, log);
    org.streambert.trainer.publish.Publisher.Outcome outcome = org.streambert.trainer.publish.Publisher.publish(runDir,
        org.streambert.trainer.publish.CheckpointStore.at(store), topic, bundleUriBase, !noGate, gateTolerance,
        rescorer, log);
    return outcome.published() ? org.streambert.trainer.ExitCodes.OK : org.streambert.trainer.ExitCodes.GATE_REFUSED;
  }

  /**
   * With {@code --with-onnx}: gives the run's bundle its ONNX file before anything is gated, stored or signed; then
   * measures the golden tolerance of every engine the bundle can be served on, where run.json lacks one
   * ({@link GoldenTolerances}).
   */
  void prepareBundle(java.nio.file.Path runDir, java.io.PrintStream log) throws java.io.IOException {
    if (withOnnx) {
      OnnxRuns.addOnnx(runDir, log);
    }
    GoldenTolerances.apply(runDir, log);
  }

  /** The checkpoint topic, signing with {@code --signing-key} or else {@code $TRAINER_SIGNING_KEY}. */
  CheckpointTopic checkpointTopic(KafkaOptions kafka) throws java.io.IOException {
    return checkpointTopic(kafka, topic, signingKey, trustedKeys, eventValidity);
  }

  /**
   * The checkpoint topic {@code topic}, signing with {@code signingKey} (a file), else {@code $TRAINER_SIGNING_KEY};
   * believing {@code trustedKeys} (a file, else {@code $TRAINER_TRUSTED_KEYS}) besides its own key; giving events
   * {@code validity} (null: no expiry).
   */
  static CheckpointTopic checkpointTopic(KafkaOptions kafka, String topic, java.nio.file.Path signingKey,
      java.nio.file.Path trustedKeys, java.time.Duration validity) throws java.io.IOException {
    SigningKey key = signingKey != null ? SigningKey.read(signingKey) : CheckpointTopic.signingKeyFromEnvironment();
    if (key == null) {
      System.err.println("warning: publishing UNSIGNED checkpoint events (no --signing-key or $"
          + CheckpointTopic.SIGNING_KEY_ENV + "); instances with nlp.model.trusted.keys refuse them");
    }
    return new CheckpointTopic(kafka.clients(), topic, key).withTrustedKeys(CheckpointTopic.trustedKeys(trustedKeys))
        .withEventValidity(validity);
  }
}
