package org.streambert.trainer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.schemas.signing.SigningKey;
import org.streambert.schemas.signing.TrustedKeys;

class SignedInputsTest {

  @TempDir
  Path dir;

  private final ByteArrayOutputStream logged = new ByteArrayOutputStream();
  private final PrintStream log = new PrintStream(logged, true, StandardCharsets.UTF_8);

  private TrustedKeys trust(Path file, boolean acceptUnsigned) throws Exception {
    return SignedInputs.trust(file, acceptUnsigned, "--labeller-keys", "--accept-unsigned-examples", "examples", log);
  }

  @Test
  void shouldRefuseNeitherKeysNorAnExplicitChoiceAndBoth() throws Exception {
    Path keys = dir.resolve("labellers.pub");
    SigningKey.generate(dir.resolve("labeller.key"), keys, "alice");
    IllegalArgumentException neither = assertThrows(IllegalArgumentException.class, () -> trust(null, false));
    assertTrue(neither.getMessage().contains("only signed examples are trusted: give --labeller-keys FILE"),
        neither.getMessage());
    IllegalArgumentException both = assertThrows(IllegalArgumentException.class, () -> trust(keys, true));
    assertEquals("--labeller-keys and --accept-unsigned-examples exclude each other", both.getMessage());
  }

  @Test
  void shouldReadTheKeysAndRefuseAFileWithoutOne() throws Exception {
    Path keys = dir.resolve("labellers.pub");
    SigningKey.generate(dir.resolve("labeller.key"), keys, "alice");
    assertEquals(Set.of("alice"), trust(keys, false).ids());
    Path empty = Files.writeString(dir.resolve("empty.pub"), "# no key yet\n");
    IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> trust(empty, false));
    assertTrue(none.getMessage().endsWith("holds no key"), none.getMessage());
    assertEquals("", logged.toString(StandardCharsets.UTF_8));
  }

  @Test
  void shouldTrustUnsignedInputOnlyWhenAskedAndSaySo() throws Exception {
    assertTrue(trust(null, true).isEmpty());
    assertTrue(logged.toString(StandardCharsets.UTF_8).contains("WARNING: --accept-unsigned-examples: unsigned "
        + "examples are trusted"), logged.toString(StandardCharsets.UTF_8));
  }
}
