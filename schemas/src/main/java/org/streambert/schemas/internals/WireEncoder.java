package org.streambert.schemas.internals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.streambert.schemas.AvroSerdeConfig;
import org.streambert.schemas.AvroSerdeException;
import org.streambert.schemas.AvroSerdeException.Reason;
import org.streambert.schemas.registry.RegisteredSchema;
import org.streambert.schemas.registry.RestClientException;
import org.streambert.schemas.registry.SchemaRegistryClient;
import org.streambert.schemas.registry.SchemaRegistryClients;

/**
 * Encodes records in the Confluent wire format under the TopicNameStrategy subject, obtaining the schema id by
 * registration, lookup or the subject's latest version. Thread-safe.
 */
public final class WireEncoder {
  /** Confluent's magic byte, the first of every value. */
  public static final byte MAGIC_BYTE = 0;

  private final SchemaRegistryClient client;
  private final boolean autoRegister;
  private final boolean useLatestVersion;
  private final Map<String, RegisteredSchema> latestBySubject = new ConcurrentHashMap<>();

  /** An encoder on {@code client} with the serializers' defaults (auto-register, no latest-version lookup). */
  public static WireEncoder withDefaults(SchemaRegistryClient client) {
    return new WireEncoder(client, AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_DEFAULT,
        AvroSerdeConfig.USE_LATEST_VERSION_DEFAULT);
  }

  /**
   * An encoder configured by a serializer's {@code configure}: {@code givenClient} if not null, else the registry
   * named by {@code schema.registry.url}; auto-registration and latest-version lookup from the configs.
   */
  public static WireEncoder fromConfigs(Map<String, ?> configs, SchemaRegistryClient givenClient) {
    AvroSerdeConfig config = new AvroSerdeConfig(configs);
    return new WireEncoder(givenClient != null ? givenClient : SchemaRegistryClients.forConfig(configs),
        config.getBoolean(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG),
        config.getBoolean(AvroSerdeConfig.USE_LATEST_VERSION_CONFIG));
  }

  public WireEncoder(SchemaRegistryClient client, boolean autoRegister, boolean useLatestVersion) {
    this.client = Objects.requireNonNull(client, "client");
    this.autoRegister = autoRegister;
    this.useLatestVersion = useLatestVersion;
  }

  /** Confluent's TopicNameStrategy: {@code <topic>-key} or {@code <topic>-value}. */
  public static String subject(String topic, boolean isKey) {
    return topic + (isKey ? "-key" : "-value");
  }

  /**
   * Encodes {@code record}; null for null.
   *
   * @param model the data model matching the record (a generated class's SpecificData, or GenericData)
   */
  public byte[] encode(String topic, boolean isKey, GenericContainer record, GenericData model) {
    if (record == null) {
      return null;
    }
    String subject = subject(topic, isKey);
    Schema schema = record.getSchema();
    int id;
    Object datum = record;
    Schema writeSchema = schema;
    GenericData writeModel = model;
    if (useLatestVersion) {
      RegisteredSchema latest = latest(topic, subject);
      id = latest.id();
      if (!latest.schema().equals(schema)) {
        datum = convert(topic, subject, latest, record, model);
        writeSchema = latest.schema();
        writeModel = GenericData.get();
      }
    } else if (autoRegister) {
      id = register(topic, subject, schema);
    } else {
      id = lookup(topic, subject, schema);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(128);
    out.write(MAGIC_BYTE);
    out.write(id >>> 24);
    out.write(id >>> 16);
    out.write(id >>> 8);
    out.write(id);
    write(topic, subject, id, datum, writeSchema, writeModel, out);
    return out.toByteArray();
  }

  private static void write(String topic, String subject, int id, Object datum, Schema schema, GenericData model,
      ByteArrayOutputStream out) {
    @SuppressWarnings("unchecked")
    DatumWriter<Object> writer = (DatumWriter<Object>) model.createDatumWriter(schema);
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    try {
      writer.write(datum, encoder);
      encoder.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // cannot happen for an in-memory stream
    } catch (RuntimeException e) {
      // Avro reports a null in a non-null field as NullPointerException, a wrong type as ClassCastException.
      throw new AvroSerdeException(Reason.INVALID_RECORD, topic, subject, id,
          "record does not match schema " + schema.getFullName() + ": " + e, e);
    }
  }

  private int register(String topic, String subject, Schema schema) {
    try {
      return client.register(subject, schema);
    } catch (RestClientException e) {
      if (e.errorCode() == RestClientException.INCOMPATIBLE_SCHEMA
          || e.errorCode() == RestClientException.INVALID_SCHEMA) {
        throw new AvroSerdeException(Reason.SCHEMA_REFUSED, topic, subject, AvroSerdeException.NO_SCHEMA_ID,
            "registry refused schema " + schema.getFullName() + ": " + e.getMessage(), e);
      }
      throw registryFailure(topic, subject, AvroSerdeException.NO_SCHEMA_ID, e);
    } catch (UncheckedIOException e) {
      throw registryFailure(topic, subject, AvroSerdeException.NO_SCHEMA_ID, e);
    }
  }

  private int lookup(String topic, String subject, Schema schema) {
    try {
      return client.lookup(subject, schema).id();
    } catch (RestClientException e) {
      if (e.errorCode() == RestClientException.SUBJECT_NOT_FOUND
          || e.errorCode() == RestClientException.SCHEMA_NOT_FOUND) {
        throw new AvroSerdeException(Reason.SCHEMA_NOT_REGISTERED, topic, subject, AvroSerdeException.NO_SCHEMA_ID,
            "schema " + schema.getFullName() + " is not registered under the subject and auto.register.schemas"
                + " is false: " + e.getMessage(), e);
      }
      throw registryFailure(topic, subject, AvroSerdeException.NO_SCHEMA_ID, e);
    } catch (UncheckedIOException e) {
      throw registryFailure(topic, subject, AvroSerdeException.NO_SCHEMA_ID, e);
    }
  }

  private RegisteredSchema latest(String topic, String subject) {
    RegisteredSchema cached = latestBySubject.get(subject);
    if (cached != null) {
      return cached;
    }
    try {
      RegisteredSchema latest = client.latest(subject);
      latestBySubject.putIfAbsent(subject, latest);
      return latest;
    } catch (RestClientException e) {
      if (e.errorCode() == RestClientException.SUBJECT_NOT_FOUND) {
        throw new AvroSerdeException(Reason.SCHEMA_NOT_REGISTERED, topic, subject, AvroSerdeException.NO_SCHEMA_ID,
            "use.latest.version is true but the subject has no version: " + e.getMessage(), e);
      }
      throw registryFailure(topic, subject, AvroSerdeException.NO_SCHEMA_ID, e);
    } catch (UncheckedIOException e) {
      throw registryFailure(topic, subject, AvroSerdeException.NO_SCHEMA_ID, e);
    }
  }

  /** Re-expresses {@code record} in the latest schema by Avro schema resolution (write with own, read with latest). */
  private static Object convert(String topic, String subject, RegisteredSchema latest, GenericContainer record,
      GenericData model) {
    SchemaCompatibility.SchemaPairCompatibility compatibility =
        SchemaCompatibility.checkReaderWriterCompatibility(latest.schema(), record.getSchema());
    if (compatibility.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
      throw new AvroSerdeException(Reason.INCOMPATIBLE_WITH_LATEST, topic, subject, latest.id(),
          "latest version " + latest.version() + " cannot read records of the given schema: "
              + compatibility.getDescription(), null);
    }
    ByteArrayOutputStream own = new ByteArrayOutputStream(128);
    write(topic, subject, latest.id(), record, record.getSchema(), model, own);
    try {
      return new GenericDatumReader<>(record.getSchema(), latest.schema(), GenericData.get())
          .read(null, DecoderFactory.get().binaryDecoder(own.toByteArray(), null));
    } catch (IOException e) {
      throw new UncheckedIOException(e); // cannot happen: just written with this schema
    }
  }

  static AvroSerdeException registryFailure(String topic, String subject, int id, RuntimeException e) {
    boolean unavailable = e instanceof UncheckedIOException
        || (e instanceof RestClientException rce && rce.status() >= 500);
    return new AvroSerdeException(unavailable ? Reason.REGISTRY_UNAVAILABLE : Reason.REGISTRY_ERROR, topic, subject,
        id, "schema registry failed: " + e.getMessage(), e);
  }
}
