package org.streambert.trainer.internals;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/** The trainer's one JSON writer (Jackson), so every report is formatted the same way. */
public final class Json {

  private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private Json() {}

  /** The shared mapper; configured once, safe to use from several threads. */
  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /** Pretty-printed JSON of a value (records serialise as objects of their components). */
  public static String pretty(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise " + value.getClass().getName() + " to JSON", e);
    }
  }
}
