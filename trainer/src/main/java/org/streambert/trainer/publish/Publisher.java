package org.streambert.trainer.publish;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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

  /**
   * Scores the published version's bundle on an engine and precision ({@code "onnxruntime int8"}) on the
   * candidate's dev data, so the gate compares like with like.
   */
  @FunctionalInterface
  public interface ChampionScorer {
    /**
     * @return the published version's dev metrics on {@code engine}
     * @throws IllegalArgumentException when the bundle cannot be scored on that engine (no ONNX file, labels unknown)
     */
    Map<String, Double> score(Path championBundle, String engine) throws IOException;
  }

  private Publisher() {}

  /** {@link #publish(Path, CheckpointStore, CheckpointTopic, String, boolean, double, ChampionScorer, PrintStream)}
   * without a scorer: a published version measured on another engine refuses the candidate. */
  public static Outcome publish(Path runDir, CheckpointStore store, CheckpointTopic topic, String bundleUriBase,
      boolean gate, double tolerance, PrintStream log) throws IOException {
    return publish(runDir, store, topic, bundleUriBase, gate, tolerance, null, log);
  }

  /**
   * @param runDir a run directory ({@link RunReport#FILE} and {@link RunReport#BUNDLE_DIR})
   * @param store where the bundle is copied
   * @param bundleUriBase if not null, the event's bundle URI is {@code base/<model>/<version>/} instead of the
   *     store's {@code file://} URI (the store served over HTTP)
   * @param gate whether to apply the promotion gate
   * @param rescorer re-scores the published version on the candidate's engine when its figures were measured on
   *     another one (its bundle taken from the store), or null: then such a candidate is refused
   *     ({@link PromotionGate.Refusal#ENGINE_MISMATCH})
   */
  public static Outcome publish(Path runDir, CheckpointStore store, CheckpointTopic topic, String bundleUriBase,
      boolean gate, double tolerance, ChampionScorer rescorer, PrintStream log) throws IOException {
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
      Map<String, Double> currentMetrics = current.map(ModelCheckpoint::getMetrics).orElse(null);
      String currentEngine = current.map(c -> PromotionGate.engineOf(c.getDevEngine())).orElse(null);
      decision = null;
      if (current.isPresent() && !report.measuredOn().equals(currentEngine) && rescorer != null) {
        Path championDir = store.location(report.modelName(), current.get().getVersion());
        try {
          if (!Files.isDirectory(championDir)) {
            throw new IllegalArgumentException("its bundle is not in the store at " + championDir);
          }
          currentMetrics = rescorer.score(championDir, report.measuredOn());
          currentEngine = report.measuredOn();
          log.println("published version " + current.get().getVersion() + " re-scored on " + currentEngine + ": "
              + currentMetrics);
        } catch (IllegalArgumentException e) {
          decision = new PromotionGate.Decision(false, List.of(PromotionGate.ENGINE_UNAVAILABLE_REASON + ": the "
              + "published version " + current.get().getVersion() + " was measured on " + currentEngine + " and "
              + "cannot be re-scored on " + report.measuredOn() + ": " + e.getMessage()),
              PromotionGate.Refusal.ENGINE_UNAVAILABLE);
        }
      }
      if (decision == null) {
        decision = PromotionGate.decide(report.metrics(), report.measuredOn(), currentMetrics, currentEngine,
            tolerance);
      }
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
