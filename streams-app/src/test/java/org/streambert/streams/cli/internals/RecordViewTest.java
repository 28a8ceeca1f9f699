package org.streambert.streams.cli.internals;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.StringReader;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.streambert.schemas.avro.Entity;

class RecordViewTest {

  @Test
  void shouldMarkEntitiesByCodePointOffsets() {
    // The emoji is two chars but one code point: offsets after it count it once.
    String text = "\uD83D\uDE00 Alice met Bob";
    assertEquals("\uD83D\uDE00 [Alice]{PER} met [Bob]{PER}", RecordView.markEntities(text,
        List.of(new Entity("PER", "Bob", 12, 15, 1f), new Entity("PER", "Alice", 2, 7, 1f))));
  }

  @Test
  void shouldLeaveOverlappingOrOutOfRangeEntitiesUnmarked() {
    assertEquals("[ab]{X}cd", RecordView.markEntities("abcd", List.of(new Entity("X", "ab", 0, 2, 1f),
        new Entity("Y", "bc", 1, 3, 1f), new Entity("Z", "d", 3, 9, 1f), new Entity("W", "", 2, 2, 1f),
        new Entity("V", "", -1, 1, 1f))));
  }

  @Test
  void shouldReplaceTerminalControlCharacters() {
    assertEquals("a\uFFFD[2Jb\tc\uFFFD", RecordView.clean("a\u001b[2Jb\tc\r"));
  }

  @Test
  void shouldBoundLineLength() throws IOException {
    LineReader r = new LineReader(new StringReader("ab\r\ncdef\n"), 3);
    assertEquals("ab", r.next());
    assertEquals(1, r.lineNumber());
    try {
      r.next();
      throw new AssertionError("expected a too-long line");
    } catch (LineReader.LineTooLongException e) {
      assertEquals("line 2 is longer than 3 characters", e.getMessage());
    }
  }
}
