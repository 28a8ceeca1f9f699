package org.streambert.trainer.cli;

import org.streambert.schemas.Topics;
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
}
