package org.streambert.schemas;

import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.streambert.schemas.internals.WireDecoder;
import org.streambert.schemas.internals.WireDecoder.ReadPlan;
import org.streambert.schemas.registry.SchemaRegistryClient;
import org.streambert.schemas.registry.SchemaRegistryClients;

/**
 * Deserializes the Confluent wire format into a generated Avro class: the writer schema is fetched by id from the
 * registry (cached) and projected onto the class's schema by Avro schema resolution, so a newer class reads data of
 * older compatible writers and vice versa. Null deserializes to null; bad payloads raise {@link AvroSerdeException}.
 *
 * @param <T> the generated record class
 */
public final class SpecificAvroDeserializer<T extends SpecificRecord> implements Deserializer<T> {
  private final Class<T> type;
  private final SchemaRegistryClient givenClient;
  private WireDecoder decoder;
  private boolean isKey;

  /**
   * A deserializer configured by {@link #configure(Map, boolean)} that reads each record into the generated class
   * named like its writer schema (found on the context class loader).
   */
  public SpecificAvroDeserializer() {
    this(null, null);
  }

  /** A deserializer configured by {@link #configure(Map, boolean)} that reads into {@code type}. */
  public SpecificAvroDeserializer(Class<T> type) {
    this(type, null);
  }

  /**
   * A deserializer reading into {@code type} (or, if null, the class named like the writer schema) through
   * {@code client}; usable without configure() as a value deserializer.
   */
  public SpecificAvroDeserializer(Class<T> type, SchemaRegistryClient client) {
    this.type = type;
    this.givenClient = client;
    this.decoder = client == null ? null : new WireDecoder(client, this::planFor,
        AvroSerdeConfig.defaultDecodeLimits());
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    this.isKey = isKey;
    AvroSerdeConfig config = new AvroSerdeConfig(configs);
    this.decoder = new WireDecoder(givenClient != null ? givenClient : SchemaRegistryClients.forConfig(configs),
        this::planFor, config.decodeLimits());
  }

  @Override
  public T deserialize(String topic, byte[] data) {
    if (data == null) {
      return null;
    }
    if (decoder == null) {
      throw new IllegalStateException("SpecificAvroDeserializer used before configure() and without a client");
    }
    @SuppressWarnings("unchecked")
    T value = (T) decoder.decode(topic, isKey, data);
    return value;
  }

  private ReadPlan planFor(Schema writer) {
    Class<?> target = type;
    if (target == null) {
      target = specificClassOf(writer);
      if (target == null) {
        throw new IllegalStateException("no generated SpecificRecord class " + writer.getFullName()
            + " on the class path for writer schema " + writer.getFullName());
      }
    }
    SpecificData model = SpecificData.getForClass(target);
    return new ReadPlan(model.getSchema(target), model);
  }

  /** The generated class named like {@code writer}, or null. */
  static Class<?> specificClassOf(Schema writer) {
    if (writer.getType() != Schema.Type.RECORD) {
      return null;
    }
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    Class<?> found = new SpecificData(loader != null ? loader : SpecificAvroDeserializer.class.getClassLoader())
        .getClass(writer);
    return found != null && SpecificRecord.class.isAssignableFrom(found) ? found : null;
  }
}
