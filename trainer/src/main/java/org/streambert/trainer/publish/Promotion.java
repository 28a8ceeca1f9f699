package org.streambert.trainer.publish;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.avro.ModelStage;

/**
 * Stage changes of published versions, each one new event through {@link CheckpointTopic#publish} (so each gets the
 * slot's next sequence and a fresh signature): promoting a version (a copy of its event with stage PROMOTED; the
 * serving slot takes it, every app instance loads it through the usual checks), retiring the candidate slot after its
 * version was promoted, rolling back to an older version (which is promoting it again: a new event naming the old
 * version, not the old event produced again, which instances refuse as a replay), and refreshing the current events
 * (the same content issued again, for instances that refuse old events).
 */
public final class Promotion {

  private Promotion() {}

  /**
   * Publishes {@code version} of {@code modelName} as PROMOTED, a new event, also when the topic shows that version
   * serving already: after a replay and compaction the topic can show an old event that no instance serves (they
   * refused it), and the new event is what makes the choice stick; instances already serving it change nothing. If
   * the candidate slot holds that version, it is then retired so that no instance keeps shadow-scoring it.
   *
   * @return the event published
   * @throws IllegalArgumentException when the topic holds no event of that version any more, or none that this
   *     trainer can verify (it never re-signs an event it did not verify)
   */
  public static ModelCheckpoint promote(CheckpointTopic topic, String modelName, String version, PrintStream log) {
    ModelCheckpoint event = topic.find(modelName, version).orElseThrow(() -> new IllegalArgumentException(
        "no checkpoint of " + modelName + " version " + version + " on " + topic.topic() + " that this trainer can "
            + "verify (compaction keeps only the latest event per slot; republish it with trainer publish --store ...;"
            + " an event signed by another trainer's key needs --trusted-keys)"));
    Optional<ModelCheckpoint> serving = topic.latest(modelName);
    ModelCheckpoint promoted = topic.publish(ModelCheckpoint.newBuilder(event).setStage(ModelStage.PROMOTED).build())
        .event();
    log.printf("promoted %s %s as sequence %d (the topic showed %s)%n", modelName, version, promoted.getSequence(),
        serving.map(ModelCheckpoint::getVersion).orElse("none"));
    Optional<ModelCheckpoint> candidate = topic.latestCandidate(modelName);
    if (candidate.isPresent() && candidate.get().getStage() == ModelStage.CANDIDATE
        && candidate.get().getVersion().equals(version)) {
      topic.publish(ModelCheckpoint.newBuilder(candidate.get()).setStage(ModelStage.RETIRED).build());
      log.printf("retired the candidate slot of %s (%s now serves)%n", modelName, version);
    }
    return promoted;
  }

  /**
   * Publishes the current event of {@code modelName}'s serving slot and of its candidate slot again, unchanged but
   * newly issued (sequence, issue time, expiry, signature), so that instances that refuse old or expired events
   * ({@code nlp.model.max.event.age}, {@code expiresAt}) keep accepting them after a restart.
   *
   * <p>The current event is what the topic shows, and a replayed old event can be that after compaction removed the
   * newer one; re-issuing it would turn a replay every instance refused into a rollback every instance accepts. So an
   * event issued longer ago than {@code maxAge}, or past its expiry, is not re-issued (say which version must serve
   * with {@code trainer promote}): run refresh more often than {@code maxAge}, and a replayed event older than that
   * stays refused.
   *
   * @return the events published; an empty slot is skipped
   * @throws IllegalStateException naming the slot when its current event is too old or expired (nothing published for
   *     that slot)
   */
  public static List<ModelCheckpoint> refresh(CheckpointTopic topic, String modelName, Duration maxAge,
      PrintStream log) {
    List<ModelCheckpoint> published = new ArrayList<>();
    List<String> refused = new ArrayList<>();
    Instant now = Instant.now();
    for (Optional<ModelCheckpoint> current : List.of(topic.latest(modelName), topic.latestCandidate(modelName))) {
      if (current.isEmpty()) {
        continue;
      }
      ModelCheckpoint cp = current.get();
      Instant issued = cp.getIssuedAt() != null ? cp.getIssuedAt() : cp.getCreatedAt();
      if (cp.getExpiresAt() != null && now.isAfter(cp.getExpiresAt())
          || Duration.between(issued, now).compareTo(maxAge) > 0) {
        refused.add(cp.getStage() + " " + cp.getVersion() + " (issued " + issued
            + (cp.getExpiresAt() == null ? "" : ", expires " + cp.getExpiresAt()) + ")");
        continue;
      }
      CheckpointTopic.Published p = topic.publish(cp);
      log.printf("re-issued %s %s %s as sequence %d (was %s)%n", modelName, p.event().getStage(),
          p.event().getVersion(), p.event().getSequence(), cp.getSequence());
      published.add(p.event());
    }
    if (!refused.isEmpty()) {
      throw new IllegalStateException("not re-issuing " + String.join(", ", refused) + " of " + modelName + ": issued "
          + "more than " + maxAge + " ago or expired, it may be an old event produced again; publish the version that "
          + "must serve with trainer promote (or trainer publish --store)");
    }
    if (published.isEmpty()) {
      log.printf("no event of %s on %s that this trainer can verify: nothing to refresh%n", modelName, topic.topic());
    }
    return published;
  }
}
