package org.streambert.trainer.label.internals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UsersTest {

  @Test
  void shouldAcceptTheRightPasswordOnlyAndNeverStoreIt(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("users");
    String line = Users.entry("alice", "correct horse".toCharArray(), Users.MIN_ITERATIONS);
    assertFalse(line.contains("correct horse"));
    Files.writeString(file, "# labellers\n" + line + "\n" + Users.entry("bob", "battery staple".toCharArray(),
        Users.MIN_ITERATIONS) + "\n");
    Users users = Users.read(file);
    assertEquals(2, users.size());
    assertTrue(users.check("alice", "correct horse".toCharArray()));
    assertFalse(users.check("alice", "battery staple".toCharArray()));
    assertFalse(users.check("carol", "correct horse".toCharArray()));
    assertFalse(users.check("alice", "x".repeat(Users.MAX_PASSWORD_CHARS + 1).toCharArray()));
    assertTrue(!Users.entry("alice", "correct horse".toCharArray(), Users.MIN_ITERATIONS).equals(line),
        "a fresh salt each time");
  }

  @Test
  void shouldRefuseMalformedFilesWeakEntriesAndBadNames(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("users");
    Files.writeString(file, "alice:plain:secret\n");
    assertThrows(IllegalArgumentException.class, () -> Users.read(file));
    Files.writeString(file, "alice:pbkdf2-sha256:10:AAAAAAAAAAAAAAAAAAAAAA==:"
        + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n");
    assertThrows(IllegalArgumentException.class, () -> Users.read(file), "too few iterations");
    Files.writeString(file, "# nobody\n");
    assertThrows(IllegalArgumentException.class, () -> Users.read(file));
    assertThrows(IllegalArgumentException.class, () -> Users.entry("a b", "long enough".toCharArray(), 1000));
    assertThrows(IllegalArgumentException.class, () -> Users.entry("alice", "short".toCharArray(), 1000));
  }
}
