package org.streambert.streams.processor.internals;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.streambert.streams.errors.RejectedRecordException;
import org.streambert.streams.errors.RejectedRecordException.Reason;
import org.streambert.streams.errors.TransientFailureException;

/**
 * Checks and completes one input record: decodes the value ({@link InputDeserializer}; failures are
 * {@link Reason#UNDECODABLE}, except transient ones such as an unreachable registry, which throw
 * {@link TransientFailureException} and fail the task instead), decodes text-mode values as strict UTF-8, refuses empty, blank, over-long
 * and binary texts by throwing {@link RejectedRecordException} (the processing exception handler sends the raw record
 * to the dead-letter topic), and fills in a missing id (value id, else the UTF-8 key, else
 * {@code topic-partition-offset}) and event time (the record timestamp).
 */
public final class ValidateProcessor implements Processor<byte[], byte[], byte[], PendingRecord> {

  /** Its node name in the topology; the processing exception handler dead-letters this node's failures per record. */
  public static final String NAME = "validate";

  private final InputDeserializer decoder;
  private final boolean textMode;
  private final int maxCodePoints;
  private final String questionKey;
  private ProcessorContext<byte[], PendingRecord> context;

  /**
   * @param questionKey metadata entry holding a question about the text (question-answering mode), or null when that
   *                    mode is off
   */
  public ValidateProcessor(InputDeserializer decoder, boolean textMode, int maxCodePoints, String questionKey) {
    this.questionKey = questionKey;
    this.decoder = decoder;
    this.textMode = textMode;
    this.maxCodePoints = maxCodePoints;
  }

  @Override
  public void init(ProcessorContext<byte[], PendingRecord> context) {
    this.context = context;
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    if (record.value() == null) {
      throw new RejectedRecordException(Reason.EMPTY_RECORD, "record has a null value");
    }
    RecordMetadata meta = context.recordMetadata().orElse(null);
    InputValue value;
    try {
      value = decoder.deserialize(meta == null ? null : meta.topic(), record.value());
    } catch (RuntimeException e) {
      if (TransientFailureException.isTransient(e)) {
        // The registry is down, not the record bad: fail the task, retry after a backoff, dead-letter nothing.
        throw new TransientFailureException("value cannot be decoded now: " + e.getMessage(), e);
      }
      throw new RejectedRecordException(Reason.UNDECODABLE, "value cannot be decoded: " + e.getMessage());
    }
    String text = textMode ? decodeText(value.raw()) : value.text();
    if (text == null || text.isBlank()) {
      throw new RejectedRecordException(Reason.BLANK_TEXT, "text is empty or blank");
    }
    int length = text.codePointCount(0, text.length());
    if (length > maxCodePoints) {
      throw new RejectedRecordException(Reason.TEXT_TOO_LONG, "text has " + length + " code points, more than the"
          + " limit " + maxCodePoints + " (nlp.text.max.chars)");
    }
    String topic = meta == null ? null : meta.topic();
    int partition = meta == null ? -1 : meta.partition();
    long offset = meta == null ? -1 : meta.offset();
    String id = value.id();
    if (id == null || id.isBlank()) {
      id = keyText(record.key());
    }
    if (id == null || id.isBlank()) {
      id = topic + "-" + partition + "-" + offset;
    }
    byte[] key = record.key() != null ? record.key() : id.getBytes(StandardCharsets.UTF_8);
    long eventTime = value.eventTime() != null ? value.eventTime() : record.timestamp();
    List<Header> headers = new ArrayList<>();
    for (Header h : record.headers()) {
      headers.add(new RecordHeader(h.key(), h.value()));
    }
    String question = questionKey == null || value.metadata() == null ? null : value.metadata().get(questionKey);
    if (question != null && question.isBlank()) {
      question = null;
    }
    context.forward(record.withKey(key).withValue(new PendingRecord(key, value.raw(), id, text, eventTime,
        record.timestamp(), topic, partition, offset, headers, question)));
  }

  private static String decodeText(byte[] raw) {
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(raw)).toString();
    } catch (CharacterCodingException e) {
      throw new RejectedRecordException(Reason.INVALID_UTF8, "value is not valid UTF-8 text: " + e);
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isISOControl(c) && c != '\t' && c != '\n' && c != '\r') {
        throw new RejectedRecordException(Reason.NOT_TEXT, "value holds control character U+"
            + String.format("%04X", (int) c) + " at index " + i + "; binary data is not text");
      }
    }
    return text;
  }

  private static String keyText(byte[] key) {
    if (key == null) {
      return null;
    }
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(key)).toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }
}
