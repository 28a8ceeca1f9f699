package org.streambert.trainer.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.streambert.schemas.signing.SigningKey;
import org.streambert.trainer.publish.CheckpointTopic;
import picocli.CommandLine.Option;

/**
 * How a command that writes checkpoint events signs them and whose events it believes: the options that publishing
 * ({@link PublishOptions}) and promoting ({@link PromotionOptions}) share.
 */
public final class EventSigningOptions {

  @Option(names = "--signing-key", paramLabel = "FILE", description = "Ed25519 private key file written by "
      + "`trainer keygen`: every checkpoint event is signed with it. Default: the file named by $"
      + CheckpointTopic.SIGNING_KEY_ENV + "; with neither, events are unsigned (instances that trust keys refuse "
      + "them).")
  Path signingKey;

  @Option(names = "--trusted-keys", paramLabel = "FILE", description = "Public keys (the instances' trusted keys file) "
      + "whose events this trainer believes besides its own signing key's, e.g. the other trainers' during a key "
      + "rotation: events signed otherwise are ignored when it numbers, promotes or refreshes, and never re-signed. "
      + "Default: the file named by $" + CheckpointTopic.TRUSTED_KEYS_ENV + ".")
  Path trustedKeys;

  @Option(names = "--event-validity", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "Give every published event an expiry this long after its issue time (e.g. 30d or P30D): "
          + "instances refuse it afterwards (signature.expired), so run trainer refresh more often than this. "
          + "Default: no expiry.")
  Duration eventValidity;

  /**
   * The checkpoint topic {@code topic}, signing with {@code --signing-key}, else {@code $TRAINER_SIGNING_KEY};
   * believing {@code --trusted-keys} (else {@code $TRAINER_TRUSTED_KEYS}) besides its own key; giving events
   * {@code --event-validity} (none: no expiry).
   */
  CheckpointTopic checkpointTopic(KafkaOptions kafka, String topic) throws IOException {
    SigningKey key = signingKey != null ? SigningKey.read(signingKey) : CheckpointTopic.signingKeyFromEnvironment();
    if (key == null) {
      System.err.println("warning: publishing UNSIGNED checkpoint events (no --signing-key or $"
          + CheckpointTopic.SIGNING_KEY_ENV + "); instances with nlp.model.trusted.keys refuse them");
    }
    return new CheckpointTopic(kafka.clients(), topic, key).withTrustedKeys(CheckpointTopic.trustedKeys(trustedKeys))
        .withEventValidity(eventValidity);
  }
}
