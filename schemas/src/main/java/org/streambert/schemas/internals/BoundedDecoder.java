package org.streambert.schemas.internals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.Decoder;
import org.apache.avro.util.Utf8;

/**
 * An Avro {@link Decoder} over one in-memory payload that checks every length and count the payload declares
 * <em>before</em> allocating for it: a string or bytes value may not be longer than the limit nor than the payload
 * itself, and all arrays and maps of the record together may not hold more than the item limit. Avro's own reader
 * pre-sizes strings, byte buffers, lists and hash maps from these declared numbers, so without the checks an
 * 11-byte payload declaring a 2 GiB string is an {@link OutOfMemoryError} (CVE-2023-39410 is the same class of bug).
 * A violated limit throws {@link LimitExceededException}; a string that is not valid UTF-8 is malformed data. Not
 * thread-safe: one per decode.
 */
final class BoundedDecoder extends Decoder {

  /** A declared length or count is over its limit. */
  static final class LimitExceededException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    LimitExceededException(String message) {
      super(message, null, false, false);
    }
  }

  private final BinaryDecoder in;
  private final long maxStringBytes;
  private final long maxBytesLength;
  private final long maxItems;
  private long items;

  /**
   * @param in           the decoder over the payload's Avro body
   * @param payloadBytes length of that body: no string or bytes value can be longer
   * @param limits       the configured limits
   */
  BoundedDecoder(BinaryDecoder in, int payloadBytes, DecodeLimits limits) {
    this.in = in;
    this.maxStringBytes = Math.min(payloadBytes, limits.maxStringBytes());
    this.maxBytesLength = Math.min(payloadBytes, limits.maxBytesLength());
    this.maxItems = limits.maxCollectionItems();
  }

  private int stringLength() throws IOException {
    return checkedLength(in.readLong(), maxStringBytes, "string");
  }

  private int bytesLength() throws IOException {
    return checkedLength(in.readLong(), maxBytesLength, "bytes");
  }

  private static int checkedLength(long length, long max, String what) {
    if (length < 0) {
      throw new AvroRuntimeException("malformed data: negative " + what + " length " + length);
    }
    if (length > max) {
      throw new LimitExceededException(what + " length " + length + " exceeds the limit of " + max
          + " bytes (the configured limit or the payload's own size)");
    }
    return (int) length;
  }

  private long items(long count) {
    if (count < 0 || count > maxItems - items) {
      throw new LimitExceededException("arrays and maps declare " + (items + count) + " items, more than the limit "
          + maxItems);
    }
    items += count;
    return count;
  }

  @Override
  public void readNull() throws IOException {
    in.readNull();
  }

  @Override
  public boolean readBoolean() throws IOException {
    return in.readBoolean();
  }

  @Override
  public int readInt() throws IOException {
    return in.readInt();
  }

  @Override
  public long readLong() throws IOException {
    return in.readLong();
  }

  @Override
  public float readFloat() throws IOException {
    return in.readFloat();
  }

  @Override
  public double readDouble() throws IOException {
    return in.readDouble();
  }

  @Override
  public Utf8 readString(Utf8 old) throws IOException {
    int length = stringLength();
    Utf8 result = old != null ? old : new Utf8();
    result.setByteLength(length);
    if (length > 0) {
      in.readFixed(result.getBytes(), 0, length);
      requireUtf8(result.getBytes(), length);
    }
    return result;
  }

  /**
   * Avro strings are UTF-8; Java's decoding would silently replace malformed sequences with U+FFFD, so a record
   * whose text is not UTF-8 would be enriched as if it were another text. Refused instead.
   */
  private static void requireUtf8(byte[] bytes, int length) {
    for (int i = 0; i < length; i++) {
      if (bytes[i] < 0) { // not pure ASCII: check strictly
        try {
          StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes, i, length - i));
        } catch (CharacterCodingException e) {
          throw new AvroRuntimeException("malformed data: a string is not valid UTF-8 (" + e + ")");
        }
        return;
      }
    }
  }

  @Override
  public String readString() throws IOException {
    return readString(null).toString();
  }

  @Override
  public void skipString() throws IOException {
    in.skipFixed(stringLength());
  }

  @Override
  public ByteBuffer readBytes(ByteBuffer old) throws IOException {
    int length = bytesLength();
    byte[] bytes = new byte[length];
    in.readFixed(bytes, 0, length);
    return ByteBuffer.wrap(bytes);
  }

  @Override
  public void skipBytes() throws IOException {
    in.skipFixed(bytesLength());
  }

  @Override
  public void readFixed(byte[] bytes, int start, int length) throws IOException {
    in.readFixed(bytes, start, length);
  }

  @Override
  public void skipFixed(int length) throws IOException {
    in.skipFixed(length);
  }

  @Override
  public int readEnum() throws IOException {
    return in.readEnum();
  }

  @Override
  public long readArrayStart() throws IOException {
    return items(in.readArrayStart());
  }

  @Override
  public long arrayNext() throws IOException {
    return items(in.arrayNext());
  }

  @Override
  public long skipArray() throws IOException {
    return items(in.skipArray());
  }

  @Override
  public long readMapStart() throws IOException {
    return items(in.readMapStart());
  }

  @Override
  public long mapNext() throws IOException {
    return items(in.mapNext());
  }

  @Override
  public long skipMap() throws IOException {
    return items(in.skipMap());
  }

  @Override
  public int readIndex() throws IOException {
    return in.readIndex();
  }
}
