package org.streambert.streams.dsl.internals;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class EnvelopeTest {

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void shouldGiveBackKeyAndValueBytes() {
    Envelope e = Envelope.decode(new Envelope(utf8("customer-7"), utf8("{\"comment\":\"late\"}")).encode());
    assertArrayEquals(utf8("customer-7"), e.key());
    assertArrayEquals(utf8("{\"comment\":\"late\"}"), e.value());
  }

  @Test
  void shouldKeepANullKeyApartFromAnEmptyOne() {
    assertNull(Envelope.decode(new Envelope(null, utf8("v")).encode()).key());
    assertArrayEquals(new byte[0], Envelope.decode(new Envelope(new byte[0], utf8("v")).encode()).key());
    assertArrayEquals(new byte[0], Envelope.decode(new Envelope(utf8("k"), new byte[0]).encode()).value());
  }

  @Test
  void shouldRefuseBytesThatAreNoEnvelope() {
    assertThrows(SerializationException.class, () -> Envelope.decode(new byte[3]));
    assertThrows(SerializationException.class, () -> Envelope.decode(null));
    byte[] pastTheEnd = ByteBuffer.allocate(6).putInt(3).put(new byte[2]).array();
    assertThrows(SerializationException.class, () -> Envelope.decode(pastTheEnd));
    byte[] negative = ByteBuffer.allocate(6).putInt(-2).array();
    assertThrows(SerializationException.class, () -> Envelope.decode(negative));
    assertThrows(IllegalArgumentException.class, () -> new Envelope(utf8("k"), null));
  }
}
