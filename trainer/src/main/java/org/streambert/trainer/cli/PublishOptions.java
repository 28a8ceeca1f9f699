package org.streambert.trainer.cli;

import org.streambert.schemas.Topics;
import org.streambert.trainer.publish.CheckpointTopic;
import org.streambert.trainer.publish.OnnxRuns;
import org.streambert.trainer.publish.PromotionGate;
import picocli.CommandLine.Mixin;
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

  @Mixin EventSigningOptions signing = new EventSigningOptions();

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
    return signing.checkpointTopic(kafka, topic);
  }
}
