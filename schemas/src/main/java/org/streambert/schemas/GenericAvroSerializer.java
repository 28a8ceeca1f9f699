package org.streambert.schemas;

import java.util.Map;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.Serializer;
import org.streambert.schemas.internals.WireEncoder;
import org.streambert.schemas.registry.SchemaRegistryClient;

/**
 * Serializes {@link GenericRecord}s in the Confluent wire format under the TopicNameStrategy subject; as
 * {@link SpecificAvroSerializer} otherwise. Logical types are written as their underlying Avro types (a
 * timestamp-millis field holds a long).
 */
public final class GenericAvroSerializer implements Serializer<GenericRecord> {
  private final SchemaRegistryClient givenClient;
  private WireEncoder encoder;
  private boolean isKey;

  /** A serializer whose registry client comes from {@link #configure(Map, boolean)}. */
  public GenericAvroSerializer() {
    this(null);
  }

  /** A serializer using {@code client}; usable without configure() as an auto-registering value serializer. */
  public GenericAvroSerializer(SchemaRegistryClient client) {
    this.givenClient = client;
    this.encoder = client == null ? null : WireEncoder.withDefaults(client);
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    this.isKey = isKey;
    this.encoder = WireEncoder.fromConfigs(configs, givenClient);
  }

  @Override
  public byte[] serialize(String topic, GenericRecord data) {
    if (data == null) {
      return null;
    }
    if (encoder == null) {
      throw new IllegalStateException("GenericAvroSerializer used before configure() and without a client");
    }
    return encoder.encode(topic, isKey, data, GenericData.get());
  }
}
