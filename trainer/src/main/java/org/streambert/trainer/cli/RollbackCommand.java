package org.streambert.trainer.cli;

import java.util.concurrent.Callable;
import org.streambert.trainer.ExitCodes;
import org.streambert.trainer.publish.CheckpointTopic;
import org.streambert.trainer.publish.Promotion;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code trainer rollback --to V}: serve an older published version again. */
@Command(name = "rollback", mixinStandardHelpOptions = true,
    description = "Publishes the older version V as PROMOTED again (its event as the checkpoint topic still holds "
        + "it); every app instance swaps back to it.")
public final class RollbackCommand implements Callable<Integer> {

  @Mixin KafkaOptions kafka = new KafkaOptions();

  @Option(names = "--model-name", required = true, paramLabel = "NAME") String modelName;

  @Option(names = "--to", required = true, paramLabel = "V") String version;

  @Option(names = "--topic", defaultValue = org.streambert.schemas.Topics.MODEL_CHECKPOINTS,
      description = "Checkpoint topic. Default: ${DEFAULT-VALUE}.")
  String topic;

  @Option(names = "--signing-key", paramLabel = "FILE", description = "Ed25519 private key file (trainer keygen) that "
      + "signs the event. Default: the file named by $" + CheckpointTopic.SIGNING_KEY_ENV + ".")
  java.nio.file.Path signingKey;

  @Override
  public Integer call() throws java.io.IOException {
    kafka.require("rollback");
    Promotion.promote(PublishOptions.checkpointTopic(kafka, topic, signingKey), modelName, version,
        System.out);
    return ExitCodes.OK;
  }
}
