package org.streambert.trainer.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.streambert.trainer.publish.CheckpointTopic;
import org.streambert.trainer.publish.Promotion;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * What {@code promote}, {@code rollback} and {@code refresh} share: where the checkpoint events are, the key that
 * signs them and the keys whose events are believed.
 */
public final class PromotionOptions {

  @Mixin KafkaOptions kafka = new KafkaOptions();

  @Option(names = "--model-name", required = true, paramLabel = "NAME") String modelName;

  @Option(names = "--topic", defaultValue = org.streambert.schemas.Topics.MODEL_CHECKPOINTS,
      description = "Checkpoint topic. Default: ${DEFAULT-VALUE}.")
  String topic;

  @Option(names = "--signing-key", paramLabel = "FILE", description = "Ed25519 private key file (trainer keygen) that "
      + "signs the event. Default: the file named by $" + CheckpointTopic.SIGNING_KEY_ENV + ".")
  Path signingKey;

  @Option(names = "--trusted-keys", paramLabel = "FILE", description = "Public keys whose events this trainer "
      + "believes besides its own signing key's (e.g. the other trainers' during a rotation); an event it cannot "
      + "verify is never promoted or re-signed. Default: the file named by $" + CheckpointTopic.TRUSTED_KEYS_ENV + ".")
  Path trustedKeys;

  @Option(names = "--event-validity", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "Expiry of the published events after "
      + "their issue time (e.g. 30d or P30D). Default: no expiry.")
  java.time.Duration eventValidity;

  /** Publishes {@code version} of the model as PROMOTED (see {@link Promotion#promote}). */
  void promote(String command, String version) throws IOException {
    Promotion.promote(topic(command), modelName, version, System.out);
  }

  /** The checkpoint topic with this command's key, trusted keys and event validity. */
  CheckpointTopic topic(String command) throws IOException {
    kafka.require(command);
    return PublishOptions.checkpointTopic(kafka, topic, signingKey, trustedKeys, eventValidity);
  }
}
