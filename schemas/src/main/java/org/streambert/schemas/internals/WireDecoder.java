package org.streambert.schemas.internals;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericData;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.streambert.schemas.AvroSerdeException;
import org.streambert.schemas.AvroSerdeException.Reason;
import org.streambert.schemas.registry.RestClientException;
import org.streambert.schemas.registry.SchemaRegistryClient;

/**
 * Decodes the Confluent wire format — byte 0 magic 0, bytes 1–4 the writer schema id (big-endian), then Avro binary —
 * projecting the writer schema onto a reader schema chosen by a {@link ReaderChoice}. Thread-safe: a Kafka Streams
 * serde instance is shared by all stream threads.
 */
public final class WireDecoder {
  /** Magic byte plus schema id. */
  public static final int HEADER_SIZE = 5;

  /** How to read a writer schema: the reader schema and the data model (generic or a specific class's). */
  public record ReadPlan(Schema reader, GenericData model) {}

  /** Chooses the read plan for a writer schema. */
  @FunctionalInterface
  public interface ReaderChoice {
    /**
     * @return the plan
     * @throws IllegalStateException with a message saying why, if the writer schema cannot be read
     */
    ReadPlan planFor(Schema writer);
  }

  /** Most unknown ids remembered; beyond it the oldest half is forgotten (a flood of bogus ids stays bounded). */
  static final int MISSING_ID_CACHE_MAX = 10_000;

  private final SchemaRegistryClient client;
  private final ReaderChoice choice;
  private final DecodeLimits limits;
  private final Map<Integer, Resolved> resolved = new ConcurrentHashMap<>();
  /** Schema id → wall-clock ms until which it is known to be missing from the registry. */
  private final Map<Integer, Long> missing = new ConcurrentHashMap<>();

  private record Resolved(Schema writer, ReadPlan plan) {}

  public WireDecoder(SchemaRegistryClient client, ReaderChoice choice, DecodeLimits limits) {
    this.client = Objects.requireNonNull(client, "client");
    this.choice = Objects.requireNonNull(choice, "choice");
    this.limits = Objects.requireNonNull(limits, "limits");
  }

  /** Decodes {@code data}; null for null (a tombstone). */
  public Object decode(String topic, boolean isKey, byte[] data) {
    if (data == null) {
      return null;
    }
    String subject = WireEncoder.subject(topic, isKey);
    int noId = AvroSerdeException.NO_SCHEMA_ID;
    if (data.length == 0) {
      throw new AvroSerdeException(Reason.EMPTY_PAYLOAD, topic, subject, noId,
          "zero-length payload (a tombstone must be null, not empty)", null);
    }
    if (data[0] != WireEncoder.MAGIC_BYTE) {
      throw new AvroSerdeException(Reason.UNKNOWN_MAGIC_BYTE, topic, subject, noId,
          String.format("first byte is 0x%02x, expected the Confluent magic byte 0x00", data[0] & 0xff), null);
    }
    if (data.length < HEADER_SIZE) {
      throw new AvroSerdeException(Reason.TRUNCATED_PAYLOAD, topic, subject, noId,
          data.length + " bytes, shorter than the 5-byte header (magic byte + schema id)", null);
    }
    int id = ByteBuffer.wrap(data, 1, 4).getInt();
    Resolved r = resolve(topic, subject, id);
    DatumReader<Object> reader = r.plan.model().createDatumReader(r.writer, r.plan.reader());
    int bodyBytes = data.length - HEADER_SIZE;
    BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(data, HEADER_SIZE, bodyBytes, null);
    Object value;
    try {
      value = reader.read(null, new BoundedDecoder(decoder, bodyBytes, limits));
    } catch (BoundedDecoder.LimitExceededException e) {
      throw new AvroSerdeException(Reason.LIMIT_EXCEEDED, topic, subject, id, e.getMessage(), null);
    } catch (OutOfMemoryError | StackOverflowError e) {
      // The limits make this unreachable for the project's schemas; for any other it must not kill the thread.
      throw new AvroSerdeException(Reason.LIMIT_EXCEEDED, topic, subject, id,
          "decoding " + bodyBytes + " bytes failed with " + e, null);
    } catch (EOFException e) {
      throw new AvroSerdeException(Reason.TRUNCATED_PAYLOAD, topic, subject, id,
          "Avro body of " + bodyBytes + " bytes ends before the record does", e);
    } catch (IOException | RuntimeException e) {
      throw new AvroSerdeException(Reason.MALFORMED_PAYLOAD, topic, subject, id,
          "Avro body does not decode with the writer schema " + r.writer.getFullName() + ": " + e, e);
    }
    try {
      if (!decoder.isEnd()) {
        throw new AvroSerdeException(Reason.MALFORMED_PAYLOAD, topic, subject, id,
            "trailing bytes after the record (wrong schema id for this payload?)", null);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // cannot happen for an in-memory array
    }
    return value;
  }

  private Resolved resolve(String topic, String subject, int id) {
    Resolved cached = resolved.get(id);
    if (cached != null) {
      return cached;
    }
    Long missingUntil = missing.get(id);
    if (missingUntil != null) {
      if (System.currentTimeMillis() < missingUntil) {
        throw new AvroSerdeException(Reason.UNKNOWN_SCHEMA_ID, topic, subject, id,
            "schema id " + id + " is not in the registry (cached answer, missing.id.cache.ttl.sec)", null);
      }
      missing.remove(id);
    }
    Schema writer;
    try {
      writer = client.schemaById(id);
    } catch (RestClientException e) {
      if (e.errorCode() == RestClientException.SCHEMA_NOT_FOUND) {
        rememberMissing(id);
        throw new AvroSerdeException(Reason.UNKNOWN_SCHEMA_ID, topic, subject, id,
            "schema id " + id + " is not in the registry", e);
      }
      throw WireEncoder.registryFailure(topic, subject, id, e);
    } catch (UncheckedIOException e) {
      throw WireEncoder.registryFailure(topic, subject, id, e);
    }
    ReadPlan plan;
    try {
      plan = choice.planFor(writer);
    } catch (IllegalStateException e) {
      throw new AvroSerdeException(Reason.UNRESOLVABLE_WRITER_SCHEMA, topic, subject, id, e.getMessage(), e);
    }
    if (!plan.reader().equals(writer)) {
      SchemaCompatibility.SchemaPairCompatibility compatibility =
          SchemaCompatibility.checkReaderWriterCompatibility(plan.reader(), writer);
      if (compatibility.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
        throw new AvroSerdeException(Reason.UNRESOLVABLE_WRITER_SCHEMA, topic, subject, id,
            "reader schema " + plan.reader().getFullName() + " cannot read writer schema " + writer.getFullName()
                + ": " + compatibility.getResult().getIncompatibilities().stream()
                    .map(i -> i.getType() + " at " + i.getLocation() + " (" + i.getMessage() + ")").toList(),
            null);
      }
    }
    Resolved fresh = new Resolved(writer, plan);
    resolved.putIfAbsent(id, fresh);
    return fresh;
  }

  private void rememberMissing(int id) {
    if (limits.missingIdTtlMs() <= 0) {
      return;
    }
    if (missing.size() >= MISSING_ID_CACHE_MAX) {
      long now = System.currentTimeMillis();
      missing.values().removeIf(until -> until <= now);
      if (missing.size() >= MISSING_ID_CACHE_MAX) {
        missing.clear();
      }
    }
    missing.put(id, System.currentTimeMillis() + limits.missingIdTtlMs());
  }
}
