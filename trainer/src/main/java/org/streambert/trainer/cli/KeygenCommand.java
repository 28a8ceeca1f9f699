package org.streambert.trainer.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.util.concurrent.Callable;
import org.streambert.schemas.signing.CheckpointSignatures;
import org.streambert.schemas.signing.SigningKey;
import org.streambert.schemas.signing.TrustedKeys;
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
    KeyPair pair = CheckpointSignatures.generateKeyPair();
    String id = keyId != null ? keyId : CheckpointSignatures.fingerprint(pair.getPublic());
    SigningKey key = new SigningKey(id, pair.getPrivate());
    Path privateFile = Path.of(out + ".key");
    Path publicFile = Path.of(out + ".pub");
    if (Files.exists(privateFile) || Files.exists(publicFile)) {
      throw new FileAlreadyExistsException(Files.exists(privateFile) ? privateFile.toString() : publicFile.toString(),
          null, "keygen never overwrites a key; choose another --out");
    }
    String publicLine = TrustedKeys.entry(id, pair.getPublic());
    writePrivate(privateFile, "# Ed25519 checkpoint signing key " + id + " (keep secret)\n" + key.toFileLine() + "\n");
    Files.writeString(publicFile, publicLine + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW);
    System.out.println(publicLine);
    System.err.println("wrote " + privateFile + " (private) and " + publicFile + " (public, key id " + id + ")");
    return ExitCodes.OK;
  }

  /** Created with owner-only permissions from the start, where the file system has POSIX permissions. */
  static void writePrivate(Path file, String content) throws java.io.IOException {
    if (file.toAbsolutePath().getParent() != null) {
      Files.createDirectories(file.toAbsolutePath().getParent());
    }
    try {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      Files.createFile(file);
    }
    Files.writeString(file, content, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
  }
}
