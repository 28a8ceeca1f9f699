package org.streambert.schemas;

import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;
import org.streambert.schemas.registry.SchemaRegistryClient;

/**
 * {@link SpecificAvroSerializer} and {@link SpecificAvroDeserializer} as one Kafka {@link Serde}.
 *
 * <pre>{@code
 * Serde<TextRecord> serde = new SpecificAvroSerde<>(TextRecord.class);
 * serde.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, url), false);
 * }</pre>
 *
 * @param <T> the generated record class
 */
public final class SpecificAvroSerde<T extends SpecificRecord> implements Serde<T> {
  private final SpecificAvroSerializer<T> serializer;
  private final SpecificAvroDeserializer<T> deserializer;

  /** A serde configured by {@link #configure(Map, boolean)}, reading into the class named like the writer schema. */
  public SpecificAvroSerde() {
    this(null, null);
  }

  /** A serde configured by {@link #configure(Map, boolean)}, reading into {@code type}. */
  public SpecificAvroSerde(Class<T> type) {
    this(type, null);
  }

  /** A serde sharing {@code client} (if not null) between its serializer and deserializer. */
  public SpecificAvroSerde(Class<T> type, SchemaRegistryClient client) {
    this.serializer = new SpecificAvroSerializer<>(client);
    this.deserializer = new SpecificAvroDeserializer<>(type, client);
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    serializer.configure(configs, isKey);
    deserializer.configure(configs, isKey);
  }

  @Override
  public Serializer<T> serializer() {
    return serializer;
  }

  @Override
  public Deserializer<T> deserializer() {
    return deserializer;
  }
}
