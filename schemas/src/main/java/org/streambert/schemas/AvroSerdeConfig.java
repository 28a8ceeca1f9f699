package org.streambert.schemas;

import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.streambert.schemas.internals.DecodeLimits;
import org.streambert.schemas.registry.RegistryClientConfig;

/**
 * Settings of the Avro serdes and of the registry client they create, under Confluent's key names (so existing
 * {@code KafkaAvroSerializer} configurations carry over): the serdes' own keys here, the client's in
 * {@link RegistryClientConfig} (inherited, so {@code AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG} still names them).
 * Keys not listed here are ignored.
 */
public final class AvroSerdeConfig extends RegistryClientConfig {

  public static final String AUTO_REGISTER_SCHEMAS_CONFIG = "auto.register.schemas";
  public static final String AUTO_REGISTER_SCHEMAS_DOC = "Serializer: register the record's schema under the subject"
      + " (subject to the registry's compatibility check). If false, the schema must already be registered.";
  public static final boolean AUTO_REGISTER_SCHEMAS_DEFAULT = true;

  public static final String USE_LATEST_VERSION_CONFIG = "use.latest.version";
  public static final String USE_LATEST_VERSION_DOC = "Serializer: write with the subject's latest registered schema"
      + " (fetched once per subject and cached for the serializer's life) instead of the record's own; the record is"
      + " converted by Avro schema resolution and refused if the latest schema cannot read it. Takes precedence over"
      + " " + AUTO_REGISTER_SCHEMAS_CONFIG + ".";
  public static final boolean USE_LATEST_VERSION_DEFAULT = false;

  public static final String SPECIFIC_AVRO_READER_CONFIG = "specific.avro.reader";
  public static final String SPECIFIC_AVRO_READER_DOC = "Generic deserializer: return instances of the generated"
      + " SpecificRecord class named like the writer schema when it is on the class path (they are GenericRecords"
      + " too); falls back to generic records otherwise.";
  public static final boolean SPECIFIC_AVRO_READER_DEFAULT = false;

  public static final String AVRO_READER_SCHEMA_CONFIG = "avro.reader.schema";
  public static final String AVRO_READER_SCHEMA_DOC = "Generic deserializer: JSON of a reader schema to project"
      + " every record onto (not a Confluent key). Default: read with the writer schema.";

  public static final String LIMITS_STRING_MAX_BYTES_CONFIG = "avro.limits.string.max.bytes";
  public static final String LIMITS_STRING_MAX_BYTES_DOC = "Deserializer: longest Avro string value in UTF-8 bytes;"
      + " a payload declaring a longer one fails with LIMIT_EXCEEDED before anything is allocated for it (no string"
      + " can be longer than its payload either). Not a Confluent key; Avro's own JVM-wide counterpart is"
      + " org.apache.avro.limits.string.maxLength.";
  public static final int LIMITS_STRING_MAX_BYTES_DEFAULT = 1 << 20;

  public static final String LIMITS_BYTES_MAX_LENGTH_CONFIG = "avro.limits.bytes.max.length";
  public static final String LIMITS_BYTES_MAX_LENGTH_DOC = "Deserializer: longest Avro bytes value; checked like"
      + " " + LIMITS_STRING_MAX_BYTES_CONFIG + ".";
  public static final int LIMITS_BYTES_MAX_LENGTH_DEFAULT = 1 << 20;

  public static final String LIMITS_COLLECTION_ITEMS_MAX_CONFIG = "avro.limits.collection.items.max";
  public static final String LIMITS_COLLECTION_ITEMS_MAX_DOC = "Deserializer: most items of all arrays and maps of"
      + " one record together (Avro pre-sizes lists and hash maps from the declared count, and items of null or empty"
      + " records take no bytes, so the payload size alone does not bound them).";
  public static final int LIMITS_COLLECTION_ITEMS_MAX_DEFAULT = 100_000;

  public static final String MISSING_ID_CACHE_TTL_SEC_CONFIG = "missing.id.cache.ttl.sec";
  public static final String MISSING_ID_CACHE_TTL_SEC_DOC = "Deserializer: seconds for which a schema id the"
      + " registry answered 'not found' (40403) is refused from memory, so a flood of records with bogus ids does not"
      + " hammer the registry (Confluent's key). 0 asks the registry every time.";
  public static final int MISSING_ID_CACHE_TTL_SEC_DEFAULT = 60;

  private static final ConfigDef DEFINITION = defineKeys(new ConfigDef())
      .define(AUTO_REGISTER_SCHEMAS_CONFIG, Type.BOOLEAN, AUTO_REGISTER_SCHEMAS_DEFAULT, Importance.MEDIUM,
          AUTO_REGISTER_SCHEMAS_DOC)
      .define(USE_LATEST_VERSION_CONFIG, Type.BOOLEAN, USE_LATEST_VERSION_DEFAULT, Importance.LOW,
          USE_LATEST_VERSION_DOC)
      .define(SPECIFIC_AVRO_READER_CONFIG, Type.BOOLEAN, SPECIFIC_AVRO_READER_DEFAULT, Importance.LOW,
          SPECIFIC_AVRO_READER_DOC)
      .define(AVRO_READER_SCHEMA_CONFIG, Type.STRING, null, Importance.LOW, AVRO_READER_SCHEMA_DOC)
      .define(LIMITS_STRING_MAX_BYTES_CONFIG, Type.INT, LIMITS_STRING_MAX_BYTES_DEFAULT, ConfigDef.Range.atLeast(0),
          Importance.MEDIUM, LIMITS_STRING_MAX_BYTES_DOC)
      .define(LIMITS_BYTES_MAX_LENGTH_CONFIG, Type.INT, LIMITS_BYTES_MAX_LENGTH_DEFAULT, ConfigDef.Range.atLeast(0),
          Importance.MEDIUM, LIMITS_BYTES_MAX_LENGTH_DOC)
      .define(LIMITS_COLLECTION_ITEMS_MAX_CONFIG, Type.INT, LIMITS_COLLECTION_ITEMS_MAX_DEFAULT,
          ConfigDef.Range.atLeast(0), Importance.MEDIUM, LIMITS_COLLECTION_ITEMS_MAX_DOC)
      .define(MISSING_ID_CACHE_TTL_SEC_CONFIG, Type.INT, MISSING_ID_CACHE_TTL_SEC_DEFAULT, ConfigDef.Range.atLeast(0),
          Importance.LOW, MISSING_ID_CACHE_TTL_SEC_DOC);


  /**
   * Parses and validates serde/client settings.
   *
   * @throws ConfigException naming the offending key
   */
  public AvroSerdeConfig(Map<String, ?> originals) {
    super(DEFINITION, originals);
  }

  /** The definition of every key, e.g. for documentation. */
  public static ConfigDef configDef() {
    return new ConfigDef(DEFINITION);
  }

  /** The decode limits and negative-cache time of the deserializers. */
  DecodeLimits decodeLimits() {
    return new DecodeLimits(getInt(LIMITS_STRING_MAX_BYTES_CONFIG), getInt(LIMITS_BYTES_MAX_LENGTH_CONFIG),
        getInt(LIMITS_COLLECTION_ITEMS_MAX_CONFIG), getInt(MISSING_ID_CACHE_TTL_SEC_CONFIG) * 1000L);
  }

  /** The decode limits of a deserializer that was given its client instead of a configuration: the defaults. */
  static DecodeLimits defaultDecodeLimits() {
    return new DecodeLimits(LIMITS_STRING_MAX_BYTES_DEFAULT, LIMITS_BYTES_MAX_LENGTH_DEFAULT,
        LIMITS_COLLECTION_ITEMS_MAX_DEFAULT, MISSING_ID_CACHE_TTL_SEC_DEFAULT * 1000L);
  }
}
