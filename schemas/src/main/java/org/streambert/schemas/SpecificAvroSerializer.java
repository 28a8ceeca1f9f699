package org.streambert.schemas;

import java.util.Map;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serializer;
import org.streambert.schemas.internals.WireEncoder;
import org.streambert.schemas.registry.SchemaRegistryClient;

/**
 * Serializes generated Avro classes in the Confluent wire format (magic byte 0, 4-byte big-endian schema id, Avro
 * binary) under the TopicNameStrategy subject {@code <topic>-key} / {@code <topic>-value}. Settings: see
 * {@link AvroSerdeConfig}. Null serializes to null (tombstones). Failures raise {@link AvroSerdeException}.
 *
 * @param <T> the generated record class
 */
public final class SpecificAvroSerializer<T extends SpecificRecord> implements Serializer<T> {
  private final SchemaRegistryClient givenClient;
  private WireEncoder encoder;
  private boolean isKey;

  /** A serializer whose registry client comes from {@link #configure(Map, boolean)}. */
  public SpecificAvroSerializer() {
    this(null);
  }

  /**
   * A serializer using {@code client}; usable without {@link #configure(Map, boolean)} as a value serializer with
   * auto-registration.
   */
  public SpecificAvroSerializer(SchemaRegistryClient client) {
    this.givenClient = client;
    this.encoder = client == null ? null : WireEncoder.withDefaults(client);
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    this.isKey = isKey;
    this.encoder = WireEncoder.fromConfigs(configs, givenClient);
  }

  @Override
  public byte[] serialize(String topic, T data) {
    if (data == null) {
      return null;
    }
    if (encoder == null) {
      throw new IllegalStateException("SpecificAvroSerializer used before configure() and without a client");
    }
    return encoder.encode(topic, isKey, data, SpecificData.getForClass(data.getClass()));
  }
}
