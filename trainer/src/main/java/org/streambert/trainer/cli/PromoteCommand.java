package org.streambert.trainer.cli;

import java.util.concurrent.Callable;
import org.streambert.trainer.ExitCodes;
import org.streambert.trainer.publish.CheckpointTopic;
import org.streambert.trainer.publish.Promotion;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code trainer promote --version V}: an operator promotes a published version (typically the candidate). */
@Command(name = "promote", mixinStandardHelpOptions = true,
    description = "Publishes version V as PROMOTED: every app instance loads it (through the usual checks) and serves "
        + "it; if V is the candidate in shadow, the candidate slot is retired.")
public final class PromoteCommand implements Callable<Integer> {

  @Mixin KafkaOptions kafka = new KafkaOptions();

  @Option(names = "--model-name", required = true, paramLabel = "NAME") String modelName;

  @Option(names = "--version", required = true, paramLabel = "V") String version;

  @Option(names = "--topic", defaultValue = org.streambert.schemas.Topics.MODEL_CHECKPOINTS,
      description = "Checkpoint topic. Default: ${DEFAULT-VALUE}.")
  String topic;

  @Option(names = "--signing-key", paramLabel = "FILE", description = "Ed25519 private key file (trainer keygen) that "
      + "signs the event. Default: the file named by $" + CheckpointTopic.SIGNING_KEY_ENV + ".")
  java.nio.file.Path signingKey;

  @Override
  public Integer call() throws java.io.IOException {
    kafka.require("promote");
    Promotion.promote(PublishOptions.checkpointTopic(kafka, topic, signingKey), modelName, version,
        System.out);
    return ExitCodes.OK;
  }
}
