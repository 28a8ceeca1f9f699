package org.streambert.streams.processor.internals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A validated record waiting in the pending store for its batch. Keeps the raw key and value bytes and where the
 * record came from, so a record whose inference fails can still go to the dead-letter topic as it was read.
 *
 * @param key       raw key bytes of the output (the input key, or the generated id when the input had none)
 * @param rawValue  raw input value bytes
 * @param id        record id
 * @param text      the text
 * @param eventTime epoch milliseconds
 * @param timestamp the input record's timestamp (used for the output record)
 * @param question  the question about the text in question-answering mode, else null
 */
public record PendingRecord(byte[] key, byte[] rawValue, String id, String text, long eventTime, long timestamp,
    String topic, int partition, long offset, List<Header> headers, String question) {

  /** Format 2 appends the question; format 1 entries (written before QA mode existed) still restore. */
  private static final byte FORMAT = 2;
  private static final byte FORMAT_WITHOUT_QUESTION = 1;

  /** A record without a question. */
  public PendingRecord(byte[] key, byte[] rawValue, String id, String text, long eventTime, long timestamp,
      String topic, int partition, long offset, List<Header> headers) {
    this(key, rawValue, id, text, eventTime, timestamp, topic, partition, offset, headers, null);
  }

  /** This record with another text (the prefix that runs under nlp.text.max.windows.policy=truncate). */
  public PendingRecord withText(String runText) {
    return new PendingRecord(key, rawValue, id, runText, eventTime, timestamp, topic, partition, offset, headers,
        question);
  }

  public Headers headersCopy() {
    RecordHeaders copy = new RecordHeaders();
    headers.forEach(h -> copy.add(new RecordHeader(h.key(), h.value())));
    return copy;
  }

  /** Binary serde of the pending store (format byte 2, then the fields in order; format 1 is read too). */
  public static Serde<PendingRecord> serde() {
    return new Serde<>() {
      @Override
      public Serializer<PendingRecord> serializer() {
        return (topic, r) -> r == null ? null : write(r);
      }

      @Override
      public Deserializer<PendingRecord> deserializer() {
        return (topic, bytes) -> bytes == null ? null : read(bytes);
      }
    };
  }

  private static byte[] write(PendingRecord r) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(FORMAT);
      writeBytes(out, r.key);
      writeBytes(out, r.rawValue);
      writeBytes(out, r.id.getBytes(StandardCharsets.UTF_8));
      writeBytes(out, r.text.getBytes(StandardCharsets.UTF_8));
      out.writeLong(r.eventTime);
      out.writeLong(r.timestamp);
      writeBytes(out, r.topic == null ? null : r.topic.getBytes(StandardCharsets.UTF_8));
      out.writeInt(r.partition);
      out.writeLong(r.offset);
      out.writeInt(r.headers.size());
      for (Header h : r.headers) {
        writeBytes(out, h.key().getBytes(StandardCharsets.UTF_8));
        writeBytes(out, h.value());
      }
      writeBytes(out, r.question == null ? null : r.question.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static PendingRecord read(byte[] bytes) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      byte format = in.readByte();
      if (format != FORMAT && format != FORMAT_WITHOUT_QUESTION) {
        throw new SerializationException("pending record format " + format + " is neither " + FORMAT_WITHOUT_QUESTION
            + " nor " + FORMAT);
      }
      byte[] key = readBytes(in);
      byte[] raw = readBytes(in);
      String id = string(readBytes(in));
      String text = string(readBytes(in));
      long eventTime = in.readLong();
      long timestamp = in.readLong();
      String topic = string(readBytes(in));
      int partition = in.readInt();
      long offset = in.readLong();
      int n = in.readInt();
      List<Header> headers = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        headers.add(new RecordHeader(string(readBytes(in)), readBytes(in)));
      }
      String question = format == FORMAT ? string(readBytes(in)) : null;
      return new PendingRecord(key, raw, id, text, eventTime, timestamp, topic, partition, offset, headers,
          question);
    } catch (IOException e) {
      throw new SerializationException("corrupt pending record", e);
    }
  }

  private static String string(byte[] b) {
    return b == null ? null : new String(b, StandardCharsets.UTF_8);
  }

  private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
    if (b == null) {
      out.writeInt(-1);
    } else {
      out.writeInt(b.length);
      out.write(b);
    }
  }

  private static byte[] readBytes(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0) {
      return null;
    }
    return in.readNBytes(n);
  }
}
