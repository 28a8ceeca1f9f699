package org.streambert.schemas;

import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;
import org.streambert.schemas.registry.SchemaRegistryClient;

/** {@link GenericAvroSerializer} and {@link GenericAvroDeserializer} as one Kafka {@link Serde}. */
public final class GenericAvroSerde implements Serde<GenericRecord> {
  private final GenericAvroSerializer serializer;
  private final GenericAvroDeserializer deserializer;

  /** A serde configured by {@link #configure(Map, boolean)}. */
  public GenericAvroSerde() {
    this(null, null);
  }

  /** A serde sharing {@code client} (if not null), reading with {@code readerSchema} (if not null). */
  public GenericAvroSerde(SchemaRegistryClient client, Schema readerSchema) {
    this.serializer = new GenericAvroSerializer(client);
    this.deserializer = new GenericAvroDeserializer(client, readerSchema);
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    serializer.configure(configs, isKey);
    deserializer.configure(configs, isKey);
  }

  @Override
  public Serializer<GenericRecord> serializer() {
    return serializer;
  }

  @Override
  public Deserializer<GenericRecord> deserializer() {
    return deserializer;
  }
}
