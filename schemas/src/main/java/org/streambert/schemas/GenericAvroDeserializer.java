package org.streambert.schemas;

import java.nio.ByteBuffer;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificData;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.Deserializer;
import org.streambert.schemas.internals.WireDecoder;
import org.streambert.schemas.internals.WireDecoder.ReadPlan;
import org.streambert.schemas.registry.RegisteredSchema;
import org.streambert.schemas.registry.RestClientException;
import org.streambert.schemas.registry.SchemaRegistryClient;
import org.streambert.schemas.registry.SchemaRegistryClients;

/**
 * Deserializes the Confluent wire format into {@link GenericRecord}s: with the writer schema (fetched by id), or
 * projected onto a reader schema given to the constructor or as {@link AvroSerdeConfig#AVRO_READER_SCHEMA_CONFIG}.
 * With {@link AvroSerdeConfig#SPECIFIC_AVRO_READER_CONFIG} it returns generated classes where they exist. Null
 * deserializes to null; bad payloads raise {@link AvroSerdeException}.
 */
public final class GenericAvroDeserializer implements Deserializer<GenericRecord> {
  private final SchemaRegistryClient givenClient;
  private Schema readerSchema;
  private boolean specificReader;
  private WireDecoder decoder;
  private boolean isKey;

  /** A deserializer configured by {@link #configure(Map, boolean)}. */
  public GenericAvroDeserializer() {
    this(null, null);
  }

  /**
   * A deserializer using {@code client}, reading with the writer schema, or with {@code readerSchema} if not null;
   * usable without configure() as a value deserializer.
   */
  public GenericAvroDeserializer(SchemaRegistryClient client, Schema readerSchema) {
    this.givenClient = client;
    this.readerSchema = readerSchema;
    this.decoder = client == null ? null : new WireDecoder(client, this::planFor,
        AvroSerdeConfig.defaultDecodeLimits());
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    this.isKey = isKey;
    AvroSerdeConfig config = new AvroSerdeConfig(configs);
    String readerJson = config.getString(AvroSerdeConfig.AVRO_READER_SCHEMA_CONFIG);
    if (readerJson != null) {
      try {
        readerSchema = RegisteredSchema.parse(readerJson);
      } catch (RestClientException e) {
        throw new ConfigException(AvroSerdeConfig.AVRO_READER_SCHEMA_CONFIG, readerJson, e.registryMessage());
      }
    }
    specificReader = config.getBoolean(AvroSerdeConfig.SPECIFIC_AVRO_READER_CONFIG);
    this.decoder = new WireDecoder(givenClient != null ? givenClient : SchemaRegistryClients.forConfig(configs),
        this::planFor, config.decodeLimits());
  }

  @Override
  public GenericRecord deserialize(String topic, byte[] data) {
    if (data == null) {
      return null;
    }
    if (decoder == null) {
      throw new IllegalStateException("GenericAvroDeserializer used before configure() and without a client");
    }
    Object value = decoder.decode(topic, isKey, data);
    if (!(value instanceof GenericRecord record)) {
      throw new AvroSerdeException(AvroSerdeException.Reason.UNRESOLVABLE_WRITER_SCHEMA, topic,
          topic + (isKey ? "-key" : "-value"), ByteBuffer.wrap(data, 1, 4).getInt(),
          "payload is a " + (value == null ? "null" : value.getClass().getSimpleName()) + ", not a record", null);
    }
    return record;
  }

  private ReadPlan planFor(Schema writer) {
    if (specificReader) {
      Class<?> type = SpecificAvroDeserializer.specificClassOf(readerSchema != null ? readerSchema : writer);
      if (type != null) {
        SpecificData model = SpecificData.getForClass(type);
        return new ReadPlan(model.getSchema(type), model);
      }
    }
    return new ReadPlan(readerSchema != null ? readerSchema : writer, GenericData.get());
  }
}
