package org.streambert.trainer.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.streambert.trainer.publish.CheckpointTopic;
import org.streambert.trainer.publish.Promotion;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** What {@code promote} and {@code rollback} share: where the checkpoint events are and the key that signs them. */
public final class PromotionOptions {

  @Mixin KafkaOptions kafka = new KafkaOptions();

  @Option(names = "--model-name", required = true, paramLabel = "NAME") String modelName;

  @Option(names = "--topic", defaultValue = org.streambert.schemas.Topics.MODEL_CHECKPOINTS,
      description = "Checkpoint topic. Default: ${DEFAULT-VALUE}.")
  String topic;

  @Option(names = "--signing-key", paramLabel = "FILE", description = "Ed25519 private key file (trainer keygen) that "
      + "signs the event. Default: the file named by $" + CheckpointTopic.SIGNING_KEY_ENV + ".")
  Path signingKey;

  /** Publishes {@code version} of the model as PROMOTED (see {@link Promotion#promote}). */
  void promote(String command, String version) throws IOException {
    kafka.require(command);
    Promotion.promote(PublishOptions.checkpointTopic(kafka, topic, signingKey), modelName, version, System.out);
  }
}
