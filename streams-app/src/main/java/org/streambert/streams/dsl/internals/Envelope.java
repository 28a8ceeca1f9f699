package org.streambert.streams.dsl.internals;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.apache.kafka.common.errors.SerializationException;

/**
 * A user's record in the pending store, as the key bytes of its {@code PendingRecord}: the key and the value
 * serialized with the user's serdes, so that the batch processor's outputs (which carry the pending record's key)
 * give back the user's key and value for the result. Layout: key length (int, -1 for a null key), key bytes, value
 * bytes (to the end).
 *
 * @param key   the serialized key, or null
 * @param value the serialized value
 */
public record Envelope(byte[] key, byte[] value) {

  public Envelope {
    if (value == null) {
      throw new IllegalArgumentException("an envelope holds a value");
    }
  }

  /** The envelope's bytes. */
  public byte[] encode() {
    int keyLength = key == null ? 0 : key.length;
    ByteBuffer out = ByteBuffer.allocate(4 + keyLength + value.length);
    out.putInt(key == null ? -1 : key.length);
    if (key != null) {
      out.put(key);
    }
    out.put(value);
    return out.array();
  }

  /**
   * Reads {@link #encode()}'s bytes.
   *
   * @throws SerializationException when they are not an envelope (too short, a length past the end)
   */
  public static Envelope decode(byte[] bytes) {
    if (bytes == null || bytes.length < 4) {
      throw new SerializationException("not a step envelope: " + (bytes == null ? "null" : bytes.length + " bytes"));
    }
    int keyLength = ByteBuffer.wrap(bytes, 0, 4).getInt();
    if (keyLength < -1 || keyLength > bytes.length - 4) {
      throw new SerializationException("not a step envelope: key length " + keyLength + " in " + bytes.length
          + " bytes");
    }
    int valueStart = 4 + Math.max(0, keyLength);
    byte[] key = keyLength < 0 ? null : Arrays.copyOfRange(bytes, 4, valueStart);
    return new Envelope(key, Arrays.copyOfRange(bytes, valueStart, bytes.length));
  }
}
