package org.streambert.streams.processor.internals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.streambert.schemas.avro.TextRecord;

/**
 * Decodes input values by format: {@code avro} (TextRecord, Confluent wire format), {@code json} (an object with a
 * string field {@code text} and optional {@code id}, {@code eventTime}) or {@code text} (raw bytes, decoded by the
 * validation step so that invalid UTF-8 is reported as a processing failure). A value that cannot be decoded throws
 * {@link SerializationException}, which the deserialization handler sends to the dead-letter topic.
 */
public final class InputDeserializer implements Deserializer<InputValue> {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final String format;
  private final Deserializer<TextRecord> avro;

  public InputDeserializer(String format, Deserializer<TextRecord> avro) {
    this.format = format;
    this.avro = avro;
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    // The Avro deserializer comes configured.
  }

  @Override
  public InputValue deserialize(String topic, byte[] data) {
    if (data == null) {
      return null;
    }
    switch (format) {
      case "avro": {
        TextRecord r = avro.deserialize(topic, data);
        return new InputValue(data, r.getId(), r.getText(), r.getEventTime() == null ? null
            : r.getEventTime().toEpochMilli(), r.getMetadata());
      }
      case "json":
        return json(data);
      case "text":
        return new InputValue(data, null, null, null);
      default:
        throw new IllegalStateException("unknown input format " + format);
    }
  }

  private static InputValue json(byte[] data) {
    JsonNode root;
    try {
      root = MAPPER.readTree(data);
    } catch (IOException e) {
      throw new SerializationException("value is not valid JSON: " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw new SerializationException("JSON value is not an object with a \"text\" field");
    }
    JsonNode text = root.get("text");
    if (text == null || !text.isTextual()) {
      throw new SerializationException("JSON value has no string field \"text\"");
    }
    JsonNode id = root.get("id");
    JsonNode eventTime = root.get("eventTime");
    Map<String, String> metadata = null;
    JsonNode meta = root.get("metadata");
    if (meta != null && meta.isObject()) {
      metadata = new LinkedHashMap<>();
      for (var it = meta.fields(); it.hasNext(); ) {
        var e = it.next();
        if (e.getValue().isTextual()) {
          metadata.put(e.getKey(), e.getValue().textValue());
        }
      }
    }
    return new InputValue(data, id != null && (id.isTextual() || id.isNumber()) ? id.asText() : null,
        text.textValue(), eventTime != null && eventTime.canConvertToLong() ? eventTime.longValue() : null, metadata);
  }
}
