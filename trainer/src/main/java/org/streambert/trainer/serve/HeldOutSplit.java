package org.streambert.trainer.serve;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The stable train / held-out split of {@code trainer serve}: an example is held out when the first four bytes of the
 * SHA-256 of its id, as an unsigned number modulo 100, are below the held-out percentage. It depends on the id only,
 * so an example never moves between the splits from one round, restart or machine to the next.
 */
public final class HeldOutSplit {

  private final int percent;

  /** @param percent share of examples held out, 1..99 */
  public HeldOutSplit(int percent) {
    if (percent < 1 || percent > 99) {
      throw new IllegalArgumentException("held-out percentage must be in 1..99, got " + percent);
    }
    this.percent = percent;
  }

  public boolean isHeldOut(String exampleId) {
    byte[] h;
    try {
      h = MessageDigest.getInstance("SHA-256").digest(exampleId.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
    long bucket = ((h[0] & 0xffL) << 24 | (h[1] & 0xffL) << 16 | (h[2] & 0xffL) << 8 | (h[3] & 0xffL)) % 100;
    return bucket < percent;
  }
}
