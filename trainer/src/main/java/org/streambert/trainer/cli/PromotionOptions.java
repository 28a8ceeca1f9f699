package org.streambert.trainer.cli;

import java.io.IOException;
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

  @Mixin EventSigningOptions signing = new EventSigningOptions();

  /** Publishes {@code version} of the model as PROMOTED (see {@link Promotion#promote}). */
  void promote(String command, String version) throws IOException {
    Promotion.promote(topic(command), modelName, version, System.out);
  }

  /** The checkpoint topic with this command's key, trusted keys and event validity. */
  CheckpointTopic topic(String command) throws IOException {
    kafka.require(command);
    return signing.checkpointTopic(kafka, topic);
  }
}
