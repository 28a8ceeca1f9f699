package org.streambert.streams.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.signing.CheckpointSequence;
import org.streambert.schemas.signing.SigningKey;
import org.streambert.streams.NlpSerdes;
import org.streambert.streams.dsl.NlpStep;

/**
 * Publishes checkpoint events into a {@link TopologyTestDriver}'s checkpoint topic of one NLP step and waits until
 * the step's rollout is done with them, so that a test sees the swap (or the refusal) before it pipes the next
 * records. The step must run its own rollout ({@code NlpStep.Builder.rollout(FakeBert.loader(), dir)}).
 *
 * <pre>{@code
 * CheckpointPublisher checkpoints = new CheckpointPublisher(driver, step, serde, tempDir.resolve("bundles"));
 * assertEquals(Optional.of("1"), checkpoints.publish(model, "1"));
 * }</pre>
 */
public final class CheckpointPublisher {

  /** How long {@link #publish} waits for the rollout by default. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  private final NlpStep<?, ?, ?> step;
  private final TestInputTopic<String, ModelCheckpoint> topic;
  private final Path bundles;
  private Duration timeout = DEFAULT_TIMEOUT;
  private SigningKey key;
  private Long highestSequence;

  /**
   * @param driver  the driver running the topology {@code step} was applied to
   * @param serde   the checkpoint serde the step was built with ({@link #checkpointSerde()} in tests)
   * @param bundles a directory for the bundles this publisher writes (one subdirectory per version)
   */
  public CheckpointPublisher(TopologyTestDriver driver, NlpStep<?, ?, ?> step, Serde<ModelCheckpoint> serde,
      Path bundles) {
    this.step = Objects.requireNonNull(step, "step");
    this.topic = driver.createInputTopic(step.options().checkpointsTopic(), new StringSerializer(),
        serde.serializer());
    this.bundles = Objects.requireNonNull(bundles, "bundles");
  }

  /**
   * An Avro serde of checkpoint events over an in-memory schema registry of its own (a {@code mock://} URL): build
   * the step with it and hand it to this publisher.
   */
  public static Serde<ModelCheckpoint> checkpointSerde() {
    return NlpSerdes.fromConfig(Map.of("schema.registry.url", "mock://nlp-testkit-" + UUID.randomUUID()))
        .checkpoint();
  }

  /** Waits at most {@code timeout} per event for the rollout (default {@link #DEFAULT_TIMEOUT}). */
  public CheckpointPublisher withTimeout(Duration timeout) {
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    return this;
  }

  /**
   * Signs every event {@link #publish(FakeBert, String)} makes from now on with {@code key}, numbered above the ones
   * before, as a trainer does: for a step whose {@code ModelSourcePolicy} trusts that key (see {@link #signingKey}).
   */
  public CheckpointPublisher signedBy(SigningKey key) {
    this.key = Objects.requireNonNull(key, "key");
    return this;
  }

  /**
   * Generates a signing key in {@code dir} (files {@code <id>.key} and {@code <id>.pub}); trust it with
   * {@code TrustedKeys.of(key)} in the step's {@code ModelSourcePolicy}.
   */
  public static SigningKey signingKey(Path dir, String id) throws IOException {
    Path privateFile = dir.resolve(id + ".key");
    SigningKey.generate(privateFile, dir.resolve(id + ".pub"), id);
    return SigningKey.read(privateFile);
  }

  /**
   * Writes {@code model} as bundle {@code version}, publishes its checkpoint event (signed when {@link #signedBy} was
   * called) and waits for the rollout.
   *
   * @return the version serving afterwards: {@code version} when the rollout accepted it, else what served before
   */
  public Optional<String> publish(FakeBert model, String version) throws IOException, InterruptedException {
    Path dir = bundles.resolve(version + "-" + UUID.randomUUID());
    Files.createDirectories(bundles);
    ModelCheckpoint event = model.checkpoint(dir, version);
    if (key != null) {
      Instant now = Instant.now();
      long sequence = CheckpointSequence.next(highestSequence, now);
      highestSequence = sequence;
      event = CheckpointSequence.issue(event, sequence, now, null, key);
    }
    return publish(event);
  }

  /**
   * Publishes {@code event} (keyed by its model name) and waits for the rollout.
   *
   * @return the version serving afterwards
   * @throws IllegalStateException when the rollout is still busy after the timeout
   */
  public Optional<String> publish(ModelCheckpoint event) throws InterruptedException {
    topic.pipeInput(event.getModelName(), event);
    if (!step.awaitRolloutIdle(timeout)) {
      throw new IllegalStateException("the rollout of step '" + step.name() + "' did not finish within " + timeout);
    }
    return step.servingVersion();
  }
}
