package org.streambert.streams.processor.internals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.Test;

/** The pending store's binary format, including entries written before records carried a question. */
class PendingRecordTest {

  private static PendingRecord record(String question) {
    return new PendingRecord("k".getBytes(StandardCharsets.UTF_8), new byte[] {1, 2}, "id-1", "alice met bob", 1000L,
        2000L, "text-input", 3, 42L, List.of(new RecordHeader("h", new byte[] {7})), question);
  }

  @Test
  void shouldRoundTripTheQuestion() {
    byte[] bytes = PendingRecord.serde().serializer().serialize("t", record("who met bob"));
    PendingRecord back = PendingRecord.serde().deserializer().deserialize("t", bytes);
    assertEquals("who met bob", back.question());
    assertEquals("alice met bob", back.text());
    assertEquals(42L, back.offset());
  }

  @Test
  void shouldRestoreAnEntryOfTheFormatWithoutQuestion() {
    byte[] current = PendingRecord.serde().serializer().serialize("t", record(null));
    // Format 1 is format 2 without the trailing question field (a 4-byte length of -1 for null).
    byte[] old = Arrays.copyOf(current, current.length - 4);
    old[0] = 1;
    PendingRecord back = PendingRecord.serde().deserializer().deserialize("t", old);
    assertNull(back.question());
    assertEquals("id-1", back.id());
    assertEquals(1, back.headers().size());
  }
}
