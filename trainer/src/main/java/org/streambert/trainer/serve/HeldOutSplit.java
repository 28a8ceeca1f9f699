package org.streambert.trainer.serve;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.streambert.schemas.avro.TrainingExample;

/**
 * The stable train / held-out split of {@code trainer serve}, which the writers of {@code training-examples} cannot
 * steer: an example is held out when the first four bytes of HMAC-SHA256(trainer secret, its text with whitespace
 * runs collapsed and ends stripped), as an unsigned number modulo 100, are below the held-out percentage. The id
 * plays no part (a producer chooses ids; request ids are the SHA-256 of the text, so anyone can compute them), and
 * without the secret nobody can tell which texts are held out, so nobody can fill the held-out set that gates
 * promotion with chosen examples. The same text always lands on the same side, under every id, so a resend cannot
 * leak a held-out text into training. The split stays the same from one round, restart or machine to the next as
 * long as the secret does ({@link #readOrCreateKey}).
 */
public final class HeldOutSplit {

  /** The secret's file name in {@code trainer serve}'s work directory when {@code --held-out-key} is not given. */
  public static final String KEY_FILE = "held-out.key";
  /** Bytes of a generated secret. */
  public static final int KEY_BYTES = 32;
  /** Fewest bytes a secret may have. */
  public static final int MIN_KEY_BYTES = 16;

  private static final String HMAC = "HmacSHA256";

  private final int percent;
  private final SecretKeySpec key;

  /**
   * @param percent share of examples held out, 1..99
   * @param secret  the trainer-side secret, at least {@value #MIN_KEY_BYTES} bytes
   */
  public HeldOutSplit(int percent, byte[] secret) {
    if (percent < 1 || percent > 99) {
      throw new IllegalArgumentException("held-out percentage must be in 1..99, got " + percent);
    }
    if (secret == null || secret.length < MIN_KEY_BYTES) {
      throw new IllegalArgumentException("the held-out secret must have at least " + MIN_KEY_BYTES + " bytes");
    }
    this.percent = percent;
    this.key = new SecretKeySpec(secret.clone(), HMAC);
  }

  /** True when {@code example} belongs to the held-out split (decided by its text only). */
  public boolean isHeldOut(TrainingExample example) {
    return isHeldOut(example.getText());
  }

  /** True when an example with this text belongs to the held-out split. */
  public boolean isHeldOut(String text) {
    byte[] h;
    try {
      Mac mac = Mac.getInstance(HMAC);
      mac.init(key);
      h = mac.doFinal(text.strip().replaceAll("\\s+", " ").getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(HMAC + " is missing from this JVM", e);
    }
    long bucket = ((h[0] & 0xffL) << 24 | (h[1] & 0xffL) << 16 | (h[2] & 0xffL) << 8 | (h[3] & 0xffL)) % 100;
    return bucket < percent;
  }

  /**
   * The secret in {@code file} (hex, one line; {@code #} comments allowed), created with {@value #KEY_BYTES} random
   * bytes (owner read/write only where the file system has POSIX permissions) when it does not exist yet. Keep the
   * file with the trainer (a Kubernetes Secret, the work volume): a new secret reshuffles the split, and a champion
   * may then be evaluated on texts it was trained on.
   *
   * @throws IllegalArgumentException when the file is not a valid secret (never printing its content)
   */
  public static byte[] readOrCreateKey(Path file) throws IOException {
    if (!Files.exists(file)) {
      byte[] secret = new byte[KEY_BYTES];
      new SecureRandom().nextBytes(secret);
      if (file.toAbsolutePath().getParent() != null) {
        Files.createDirectories(file.toAbsolutePath().getParent());
      }
      try {
        try {
          Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
          Files.createFile(file);
        }
        Files.writeString(file, "# trainer serve held-out split secret (keep secret; changing it reshuffles the "
            + "split)\n" + HexFormat.of().formatHex(secret) + "\n", StandardCharsets.UTF_8,
            StandardOpenOption.TRUNCATE_EXISTING);
        return secret;
      } catch (FileAlreadyExistsException e) {
        // made meanwhile by another process: read it
      }
    }
    if (Files.size(file) > 4096) {
      throw new IllegalArgumentException("held-out secret file " + file + " is larger than 4096 bytes");
    }
    String hex = null;
    for (String line : Files.readString(file, StandardCharsets.UTF_8).split("\n")) {
      String t = line.strip();
      if (!t.isEmpty() && !t.startsWith("#")) {
        if (hex != null) {
          throw new IllegalArgumentException("held-out secret file " + file + " holds more than one line");
        }
        hex = t;
      }
    }
    byte[] secret;
    try {
      secret = hex == null ? new byte[0] : HexFormat.of().parseHex(hex);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("held-out secret file " + file + " is not hex");
    }
    if (secret.length < MIN_KEY_BYTES) {
      throw new IllegalArgumentException("held-out secret file " + file + " holds fewer than " + MIN_KEY_BYTES
          + " bytes");
    }
    return secret;
  }
}
