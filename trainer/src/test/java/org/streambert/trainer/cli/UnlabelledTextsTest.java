package org.streambert.trainer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Unlabelled text files: one text per line, bounded, typed errors naming the file and line. */
class UnlabelledTextsTest {

  @TempDir
  Path dir;

  @Test
  void shouldReadOneStrippedTextPerLineSkippingBlankLines() throws Exception {
    Path a = Files.writeString(dir.resolve("a.txt"), "first text\n\n  second  \r\n");
    Path b = Files.writeString(dir.resolve("b.txt"), "São Paulo 😀");
    assertEquals(List.of("first text", "second", "São Paulo 😀"), UnlabelledTexts.read(List.of(a, b)));
  }

  @Test
  void shouldRefuseAMissingFileAnEmptyOneATooLongLineAndBytesThatAreNotUtf8() throws Exception {
    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
        () -> UnlabelledTexts.read(List.of(dir.resolve("nope.txt"))));
    assertTrue(missing.getMessage().contains("no such file"), missing.getMessage());

    Path empty = Files.writeString(dir.resolve("empty.txt"), "\n \n");
    assertTrue(assertThrows(IllegalArgumentException.class, () -> UnlabelledTexts.read(List.of(empty)))
        .getMessage().contains("has no text"));

    Path long_ = Files.writeString(dir.resolve("long.txt"), "ok\n" + "x".repeat(UnlabelledTexts.MAX_TEXT_CHARS + 1));
    String tooLong = assertThrows(IllegalArgumentException.class, () -> UnlabelledTexts.read(List.of(long_)))
        .getMessage();
    assertTrue(tooLong.contains("long.txt:2"), tooLong);

    Path latin1 = Files.write(dir.resolve("latin1.txt"), new byte[] {'o', 'k', '\n', 'S', (byte) 0xE3, 'o', '\n'});
    String notUtf8 = assertThrows(IllegalArgumentException.class, () -> UnlabelledTexts.read(List.of(latin1)))
        .getMessage();
    assertTrue(notUtf8.contains("not UTF-8"), notUtf8);
  }
}
