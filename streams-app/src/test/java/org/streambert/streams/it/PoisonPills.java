package org.streambert.streams.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.streambert.schemas.SpecificAvroSerializer;
import org.streambert.schemas.avro.TextRecord;

/**
 * The poison pills the broker suites mix into their input (docs/reliability.md): values built on the input
 * subject's real schema id that the app must dead-letter with their raw bytes, never stop on, never lose.
 */
final class PoisonPills {

  /** A pill: its bytes and the {@code nlp.error.reason} it must reach the dead-letter topic with. */
  record Pill(byte[] bytes, String reason) {
  }

  private PoisonPills() {
  }

  /** Every kind, by name, in a fixed order; {@code serializer} registers the input topic's TextRecord schema. */
  static Map<String, Pill> all(SpecificAvroSerializer<TextRecord> serializer, String topic) throws IOException {
    byte[] valid = serializer.serialize(topic, ItSupport.textRecord("x", "alice met bob"));
    Map<String, Pill> pills = new LinkedHashMap<>();
    pills.put("string-bomb", undecodable(avro(valid, e -> e.writeLong(1L << 31)))); // 10 bytes, a 2 GiB id
    pills.put("map-count-bomb", undecodable(avro(valid, e -> {
      e.writeString("id");
      e.writeString("text");
      e.writeIndex(0);
      e.writeIndex(1);
      e.writeMapStart();
      e.setItemCount(1 << 30);
      e.startItem();
      e.writeString("k");
      e.writeString("v");
    })));
    byte[] magic = valid.clone();
    magic[0] = 1;
    pills.put("wrong-magic", undecodable(magic));
    pills.put("unknown-id", undecodable(withSchemaId(valid, 999_999)));
    pills.put("truncated", undecodable(Arrays.copyOf(valid, valid.length - 4)));
    pills.put("invalid-utf8", undecodable(avro(valid, e -> {
      e.writeString("id");
      e.writeBytes(new byte[] {'a', (byte) 0xc3, (byte) 0x28, 'b'});
      e.writeIndex(0);
      e.writeIndex(0);
      e.writeLong(0);
    })));
    pills.put("cjk-100k", new Pill(serializer.serialize(topic, ItSupport.textRecord("cjk", "中".repeat(100_000))),
        "TOO_MANY_WINDOWS"));
    return pills;
  }

  /** A copy of a Confluent-framed value that names another schema id. */
  static byte[] withSchemaId(byte[] value, int schemaId) {
    byte[] copy = value.clone();
    ByteBuffer.wrap(copy).putInt(1, schemaId);
    return copy;
  }

  private static Pill undecodable(byte[] bytes) {
    return new Pill(bytes, "UNDECODABLE");
  }

  interface Body {
    void write(BinaryEncoder e) throws IOException;
  }

  /** The Confluent header of {@code valid} followed by an Avro body written by {@code body}. */
  static byte[] avro(byte[] valid, Body body) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(valid, 0, 5);
    BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
    body.write(encoder);
    encoder.flush();
    return out.toByteArray();
  }
}
