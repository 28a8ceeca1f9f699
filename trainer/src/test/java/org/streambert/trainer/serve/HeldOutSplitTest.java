package org.streambert.trainer.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.schemas.avro.TrainingExample;

class HeldOutSplitTest {

  private static final byte[] SECRET = "a trainer-side secret of 32 byte".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] OTHER_SECRET = "another trainer's secret, 32 byt".getBytes(StandardCharsets.US_ASCII);

  private static TrainingExample example(String id, String text) {
    return TrainingExample.newBuilder().setId(id).setText(text).setLabel("a").setSource("t")
        .setCreatedAt(Instant.EPOCH).build();
  }

  private static List<String> heldOut(HeldOutSplit split, int n) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (split.isHeldOut("text number " + i)) {
        out.add("text number " + i);
      }
    }
    return out;
  }

  @Test
  void shouldHoldOutAboutThePercentageAndAlwaysTheSameTexts() {
    List<String> heldOut = heldOut(new HeldOutSplit(20, SECRET), 10_000);
    assertTrue(heldOut.size() > 1800 && heldOut.size() < 2200, heldOut.size() + " of 10000 held out");
    HeldOutSplit again = new HeldOutSplit(20, SECRET);
    assertTrue(heldOut.stream().allMatch(again::isHeldOut), "a held-out text stays held out");
    HeldOutSplit wider = new HeldOutSplit(30, SECRET);
    assertTrue(heldOut.stream().allMatch(wider::isHeldOut), "a larger share only adds texts");
  }

  @Test
  void shouldIgnoreTheIdSoAProducerCannotMoveAnExampleBetweenSplits() {
    HeldOutSplit split = new HeldOutSplit(20, SECRET);
    for (int i = 0; i < 200; i++) {
      String text = "text number " + i;
      boolean side = split.isHeldOut(example("id-" + i, text));
      for (String id : List.of("chosen-by-attacker", "x" + i, "", "ex-" + (i * 7))) {
        assertEquals(side, split.isHeldOut(example(id, text)), "the id decides nothing");
      }
      assertEquals(side, split.isHeldOut(example("y", "  text   number\t" + i + " ")),
          "a whitespace variant of a text lands on the same side (no held-out text leaks into training)");
    }
  }

  @Test
  void shouldDependOnTheSecretSoTheSplitCannotBePredictedWithoutIt() {
    List<String> mine = heldOut(new HeldOutSplit(20, SECRET), 10_000);
    List<String> guessed = heldOut(new HeldOutSplit(20, OTHER_SECRET), 10_000);
    long overlap = mine.stream().filter(guessed::contains).count();
    // Independent 20% draws overlap on ~4% of the texts (~400); a predictable split would overlap on all ~2000.
    assertTrue(overlap > 300 && overlap < 520, overlap + " texts held out under both secrets");
  }

  @Test
  void shouldCreateTheSecretOnceOwnerOnlyAndReadItBack(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("sub").resolve(HeldOutSplit.KEY_FILE);
    byte[] created = HeldOutSplit.readOrCreateKey(file);
    assertEquals(HeldOutSplit.KEY_BYTES, created.length);
    assertArrayEquals(created, HeldOutSplit.readOrCreateKey(file), "the same secret after a restart");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    Path shortKey = dir.resolve("short.key");
    Files.writeString(shortKey, "abcd\n");
    assertThrows(IllegalArgumentException.class, () -> HeldOutSplit.readOrCreateKey(shortKey));
    Path notHex = dir.resolve("nothex.key");
    Files.writeString(notHex, "zz".repeat(32) + "\n");
    assertThrows(IllegalArgumentException.class, () -> HeldOutSplit.readOrCreateKey(notHex));
  }

  @Test
  void shouldRefuseShareOutsideOneToNinetyNineAndShortSecrets() {
    assertThrows(IllegalArgumentException.class, () -> new HeldOutSplit(0, SECRET));
    assertThrows(IllegalArgumentException.class, () -> new HeldOutSplit(100, SECRET));
    assertThrows(IllegalArgumentException.class, () -> new HeldOutSplit(20, new byte[15]));
  }
}
