package org.streambert.trainer.publish;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Optional;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.avro.ModelStage;

/**
 * Publishing a run: promotion gate against the published version, copy of the bundle to the checkpoint store, then
 * the {@link ModelCheckpoint} event. Nothing is stored or produced when the gate refuses.
 */
public final class Publisher {

  /** What happened. {@code checkpoint} is the event produced, or null when refused. */
  public record Outcome(boolean published, PromotionGate.Decision decision, ModelCheckpoint checkpoint) {}

  private Publisher() {}

  /**
   * @param runDir a run directory ({@link RunReport#FILE} and {@link RunReport#BUNDLE_DIR})
   * @param store where the bundle is copied
   * @param bundleUriBase if not null, the event's bundle URI is {@code base/<model>/<version>/} instead of the
   *     store's {@code file://} URI (the store served over HTTP)
   * @param gate whether to apply the promotion gate
   */
  public static Outcome publish(Path runDir, CheckpointStore store, CheckpointTopic topic, String bundleUriBase,
      boolean gate, double tolerance, PrintStream log) throws IOException {
    RunReport report = RunReport.read(runDir);
    ModelBundle bundle = ModelBundle.open(runDir.resolve(RunReport.BUNDLE_DIR));
    if (!bundle.model().name().equals(report.modelName()) || !bundle.model().version().equals(report.version())) {
      throw new IllegalArgumentException("the bundle in " + runDir + " is " + bundle.model().name() + " "
          + bundle.model().version() + " but " + RunReport.FILE + " describes " + report.modelName() + " "
          + report.version());
    }
    topic.ensureExists();
    PromotionGate.Decision decision;
    if (gate) {
      Optional<ModelCheckpoint> current = topic.latest(report.modelName());
      current.ifPresent(c -> log.println("published version of " + report.modelName() + ": " + c.getVersion()
          + " " + c.getMetrics()));
      decision = PromotionGate.decide(report.metrics(), current.map(ModelCheckpoint::getMetrics).orElse(null),
          tolerance);
    } else {
      decision = new PromotionGate.Decision(true, java.util.List.of("gate disabled (--no-gate)"));
    }
    decision.reasons().forEach(r -> log.println("gate: " + r));
    if (!decision.accepted()) {
      return new Outcome(false, decision, null);
    }
    return new Outcome(true, decision, store(report, bundle, store, topic, bundleUriBase, ModelStage.PROMOTED, log));
  }

  /**
   * Copies a run's bundle to the store and publishes its event with {@code stage}, without a gate (the caller
   * decided): {@code trainer serve} publishes its candidates this way.
   */
  public static ModelCheckpoint publishAs(Path runDir, CheckpointStore store, CheckpointTopic topic,
      String bundleUriBase, ModelStage stage, PrintStream log) throws IOException {
    RunReport report = RunReport.read(runDir);
    ModelBundle bundle = ModelBundle.open(runDir.resolve(RunReport.BUNDLE_DIR));
    topic.ensureExists();
    return store(report, bundle, store, topic, bundleUriBase, stage, log);
  }

  private static ModelCheckpoint store(RunReport report, ModelBundle bundle, CheckpointStore store,
      CheckpointTopic topic, String bundleUriBase, ModelStage stage, PrintStream log) throws IOException {
    ModelBundle stored = store.put(bundle, report.modelName(), report.version());
    String uri = bundleUriBase == null ? stored.dir().toUri().toString()
        : bundleUriBase.replaceAll("/+$", "") + "/" + report.modelName() + "/" + report.version() + "/";
    ModelCheckpoint checkpoint = ModelCheckpoint.newBuilder(report.toCheckpoint(uri, stored.manifestSha256()))
        .setStage(stage).build();
    CheckpointTopic.Published published = topic.publish(checkpoint);
    log.printf("published %s %s as %s -> %s (%s partition %d offset %d, sequence %d)%n", report.modelName(),
        report.version(), stage, uri, published.topic(), published.partition(), published.offset(),
        published.event().getSequence());
    return published.event();
  }
}
