package org.streambert.trainer.publish;

import java.io.PrintStream;
import java.util.Optional;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.avro.ModelStage;

/**
 * Stage changes of published versions, each one event through {@link CheckpointTopic#publish}: promoting a version
 * (a copy of its event with stage PROMOTED; the serving slot takes it, every app instance loads it through the usual
 * checks), retiring the candidate slot after its version was promoted, and rolling back to an older version (which is
 * promoting it again).
 */
public final class Promotion {

  private Promotion() {}

  /**
   * Publishes {@code version} of {@code modelName} as PROMOTED; if the candidate slot holds that version, it is then
   * retired so that no instance keeps shadow-scoring it.
   *
   * @return the event published, or empty when that version already serves
   * @throws IllegalArgumentException when the topic holds no event of that version any more
   */
  public static Optional<ModelCheckpoint> promote(CheckpointTopic topic, String modelName, String version,
      PrintStream log) {
    ModelCheckpoint event = topic.find(modelName, version).orElseThrow(() -> new IllegalArgumentException(
        "no checkpoint of " + modelName + " version " + version + " on " + topic.topic()
            + " (compaction keeps only the latest event per slot; republish it with trainer publish --store ...)"));
    Optional<ModelCheckpoint> serving = topic.latest(modelName);
    if (serving.isPresent() && serving.get().getVersion().equals(version)
        && serving.get().getManifestSha256().equals(event.getManifestSha256())) {
      log.printf("%s %s already serves%n", modelName, version);
      return Optional.empty();
    }
    ModelCheckpoint promoted = ModelCheckpoint.newBuilder(event).setStage(ModelStage.PROMOTED)
        .setSigningKeyId(null).setSignature(null).build();
    topic.publish(promoted);
    log.printf("promoted %s %s (was %s)%n", modelName, version, serving.map(ModelCheckpoint::getVersion).orElse("none"));
    Optional<ModelCheckpoint> candidate = topic.latestCandidate(modelName);
    if (candidate.isPresent() && candidate.get().getStage() == ModelStage.CANDIDATE
        && candidate.get().getVersion().equals(version)) {
      topic.publish(ModelCheckpoint.newBuilder(candidate.get()).setStage(ModelStage.RETIRED)
          .setSigningKeyId(null).setSignature(null).build());
      log.printf("retired the candidate slot of %s (%s now serves)%n", modelName, version);
    }
    return Optional.of(promoted);
  }
}
