package org.streambert.streams.cli.internals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.io.JsonEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;
import org.streambert.schemas.avro.EnrichedText;
import org.streambert.schemas.avro.Entity;
import org.streambert.schemas.avro.TextRecord;

/**
 * Turns a record value of any of the project's topics into one line of output: Avro values in the Confluent wire
 * format as Avro JSON (what Confluent's console consumer prints), other values as JSON if they are JSON, as a JSON
 * string if they are UTF-8 text, else as {@code {"base64": ...}}. The readable view shows an {@link EnrichedText} as
 * version, label, score and its text with the entities marked ({@code [Alice Smith]{PER}}). Text shown in the
 * readable view has control characters replaced, so a record cannot move the cursor or recolour the terminal.
 */
public final class RecordView {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final Deserializer<GenericRecord> avro;

  /** @param avro a configured Confluent wire-format deserializer (specific reader on) */
  public RecordView(Deserializer<GenericRecord> avro) {
    this.avro = avro;
  }

  /** The decoded value: a GenericRecord (generated class where one exists), a String, or the bytes. */
  public Object decode(String topic, byte[] value) {
    if (value == null) {
      return null;
    }
    if (value.length >= 5 && value[0] == 0) {
      try {
        return avro.deserialize(topic, value);
      } catch (RuntimeException notAvro) {
        // Not (decodable) Avro after all: show it as text or bytes.
      }
    }
    String text = utf8(value);
    return text != null ? text : value;
  }

  /** One JSON line for a decoded value. */
  public String json(Object decoded) {
    try {
      if (decoded == null) {
        return "null";
      }
      if (decoded instanceof GenericRecord r) {
        return avroJson(r);
      }
      if (decoded instanceof String s) {
        try {
          return JSON.writeValueAsString(JSON.readTree(s));
        } catch (IOException notJson) {
          return JSON.writeValueAsString(s);
        }
      }
      return JSON.writeValueAsString(Map.of("base64", Base64.getEncoder().encodeToString((byte[]) decoded)));
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode record as JSON: " + e, e);
    }
  }

  /** One readable line for a decoded value. */
  public String readable(Object decoded, Headers headers) {
    if (decoded instanceof EnrichedText e) {
      StringBuilder line = new StringBuilder();
      line.append('[').append(e.getModelName()).append(" v").append(e.getModelVersion()).append("] ");
      if (e.getClassification() != null) {
        line.append(e.getClassification().getLabel()).append(' ')
            .append(String.format(Locale.ROOT, "%.2f", e.getClassification().getScore())).append(" | ");
      }
      line.append(markEntities(e.getText(), e.getEntities()));
      if (e.getAnswer() != null) {
        line.append(" | Q: ").append(e.getAnswer().getQuestion()).append(" A: ").append(e.getAnswer().getText())
            .append(String.format(Locale.ROOT, " (%.2f)", e.getAnswer().getScore()));
      }
      return clean(line.toString());
    }
    if (decoded instanceof TextRecord t) {
      return clean(t.getText());
    }
    Header reason = headers == null ? null : headers.lastHeader("nlp.error.reason");
    String body = decoded instanceof String s ? s : json(decoded);
    return clean(reason == null ? body : "[" + utf8OrHex(reason.value()) + "] " + body);
  }

  /**
   * {@code text} with each entity marked as {@code [surface]{TYPE}}. Offsets are code points, end exclusive;
   * entities that overlap an earlier one or lie outside the text are left unmarked.
   */
  public static String markEntities(String text, List<Entity> entities) {
    if (text == null) {
      return "";
    }
    int length = text.codePointCount(0, text.length());
    List<Entity> sorted = new ArrayList<>(entities == null ? List.of() : entities);
    sorted.sort(Comparator.comparingInt(Entity::getStart));
    StringBuilder out = new StringBuilder();
    int at = 0; // code points written so far
    for (Entity e : sorted) {
      int start = e.getStart();
      int end = e.getEnd();
      if (start < at || start >= end || end > length) {
        continue;
      }
      out.append(slice(text, at, start)).append('[').append(slice(text, start, end)).append("]{")
          .append(e.getType()).append('}');
      at = end;
    }
    return out.append(slice(text, at, length)).toString();
  }

  private static String slice(String text, int fromCp, int toCp) {
    int from = text.offsetByCodePoints(0, fromCp);
    return text.substring(from, text.offsetByCodePoints(from, toCp - fromCp));
  }

  /** Control characters (ESC, CR, BEL, ...) become U+FFFD; tabs stay. */
  public static String clean(String s) {
    StringBuilder out = new StringBuilder(s.length());
    s.codePoints().forEach(cp -> out.appendCodePoint(cp != '\t' && (Character.isISOControl(cp)
        || Character.getType(cp) == Character.FORMAT && cp != 0x200D) ? 0xFFFD : cp));
    return out.toString();
  }

  private static String avroJson(GenericRecord record) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    SpecificDatumWriter<GenericRecord> writer = new SpecificDatumWriter<>(record.getSchema(),
        SpecificData.getForClass(record.getClass()));
    JsonEncoder encoder = EncoderFactory.get().jsonEncoder(record.getSchema(), out);
    writer.write(record, encoder);
    encoder.flush();
    return out.toString(StandardCharsets.UTF_8);
  }

  private static String utf8(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  private static String utf8OrHex(byte[] bytes) {
    String s = utf8(bytes);
    return s != null ? s : HexFormat.of().formatHex(bytes);
  }
}
