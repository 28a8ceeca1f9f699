package org.streambert.trainer.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.streambert.schemas.signing.SigningKey;
import org.streambert.trainer.ExitCodes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code trainer keygen}: a new Ed25519 key pair for signing checkpoint events. */
@Command(name = "keygen", mixinStandardHelpOptions = true,
    description = {"Generates an Ed25519 key pair for signing checkpoint events: <out>.key (private, mode 600, for "
        + "--signing-key or $TRAINER_SIGNING_KEY) and <out>.pub (one line '<key id>:<base64>' for the app's "
        + "nlp.model.trusted.keys or nlp.model.trusted.keys.file), and prints the public line.",
        "Existing files are never overwritten."})
public final class KeygenCommand implements Callable<Integer> {

  @Option(names = "--out", required = true, paramLabel = "PATH",
      description = "Path prefix of the key files: PATH.key and PATH.pub.")
  Path out;

  @Option(names = "--key-id", paramLabel = "ID",
      description = "Key id carried by signed events (1-64 of [A-Za-z0-9._-]). Default: the key's fingerprint.")
  String keyId;

  @Override
  public Integer call() throws Exception {
    Path privateFile = Path.of(out + ".key");
    Path publicFile = Path.of(out + ".pub");
    String publicLine = SigningKey.generate(privateFile, publicFile, keyId);
    System.out.println(publicLine);
    System.err.println("wrote " + privateFile + " (private) and " + publicFile + " (public)");
    return ExitCodes.OK;
  }
}
