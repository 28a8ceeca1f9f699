package org.streambert.trainer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.signing.CheckpointSignatures;
import org.streambert.schemas.signing.SigningKey;
import org.streambert.schemas.signing.TrustedKeys;
import org.streambert.trainer.TrainerApp;

class KeygenCommandTest {

  @Test
  void shouldWriteAKeyPairWhosePrivateHalfSignsWhatThePublicHalfVerifies(@TempDir Path dir) throws Exception {
    Path prefix = dir.resolve("keys/trainer");
    assertEquals(0, TrainerApp.commandLine().execute("keygen", "--out", prefix.toString(), "--key-id", "ci-2024"));
    Path priv = Path.of(prefix + ".key");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(priv)));
    SigningKey key = SigningKey.read(priv);
    assertEquals("ci-2024", key.id());
    TrustedKeys trusted = TrustedKeys.read(Path.of(prefix + ".pub"));
    ModelCheckpoint cp = ModelCheckpoint.newBuilder().setModelName("m").setVersion("1").setBundleUri("file:///x/")
        .setManifestSha256("a".repeat(64)).setCreatedAt(Instant.EPOCH).setHeads(List.of()).build();
    assertNull(trusted.check(CheckpointSignatures.sign(cp, key)));
  }

  @Test
  void shouldNeverOverwriteAnExistingKey(@TempDir Path dir) throws Exception {
    Path prefix = dir.resolve("k");
    assertEquals(0, TrainerApp.commandLine().execute("keygen", "--out", prefix.toString()));
    String before = Files.readString(Path.of(prefix + ".key"));
    assertNotEquals(0, TrainerApp.commandLine().execute("keygen", "--out", prefix.toString()));
    assertEquals(before, Files.readString(Path.of(prefix + ".key")));
  }
}
