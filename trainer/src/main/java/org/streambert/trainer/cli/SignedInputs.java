package org.streambert.trainer.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import org.streambert.schemas.signing.TrustedKeys;

/**
 * The one rule for inputs of the learning loop that anyone able to write a topic could forge (labelled examples,
 * shadow reports): they are trusted only when signed by a key in {@code FILE}, or, when the operator says so
 * explicitly, unsigned; neither choice (or both) is refused, so the secure choice is the default.
 */
final class SignedInputs {

  private SignedInputs() {
  }

  /**
   * The keys an input must be signed with: read from {@code file}, or {@link TrustedKeys#none()} when
   * {@code acceptUnsigned} (with a warning on {@code log}).
   *
   * @param what the inputs, plural, for messages ("examples", "shadow reports")
   * @throws IllegalArgumentException both or neither option given, or a key file without a key
   * @throws IOException the key file cannot be read
   */
  static TrustedKeys trust(Path file, boolean acceptUnsigned, String keysOption, String acceptOption, String what,
      PrintStream log) throws IOException {
    if (file != null && acceptUnsigned) {
      throw new IllegalArgumentException(keysOption + " and " + acceptOption + " exclude each other");
    }
    if (file == null && !acceptUnsigned) {
      throw new IllegalArgumentException("only signed " + what + " are trusted: give " + keysOption + " FILE (public "
          + "keys from `trainer keygen`), or " + acceptOption + " to trust whoever can write the topic");
    }
    if (file == null) {
      log.println("WARNING: " + acceptOption + ": unsigned " + what + " are trusted; whoever can write the topic "
          + "steers the model");
      return TrustedKeys.none();
    }
    TrustedKeys keys = TrustedKeys.read(file);
    if (keys.isEmpty()) {
      throw new IllegalArgumentException(keysOption + " " + file + " holds no key");
    }
    return keys;
  }
}
