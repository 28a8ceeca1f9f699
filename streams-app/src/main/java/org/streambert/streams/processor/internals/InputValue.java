package org.streambert.streams.processor.internals;

import java.util.Map;

/**
 * A decoded input value with its raw bytes (kept for the dead-letter topic).
 *
 * @param raw       the value bytes as read from the topic
 * @param id        the record id from an Avro/JSON value; null if absent or in text mode
 * @param text      the text; null in text mode (decoded and checked by the validation step)
 * @param eventTime epoch milliseconds from the value, or null
 * @param metadata  the value's metadata map (Avro/JSON), or null
 */
public record InputValue(byte[] raw, String id, String text, Long eventTime, Map<String, String> metadata) {

  public InputValue(byte[] raw, String id, String text, Long eventTime) {
    this(raw, id, text, eventTime, null);
  }
}
