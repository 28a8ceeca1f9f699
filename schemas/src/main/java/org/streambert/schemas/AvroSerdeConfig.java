package org.streambert.schemas;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;
import org.streambert.schemas.registry.MockSchemaRegistry;

/**
 * Settings of the Avro serdes and of the registry client they create, under Confluent's key names (so existing
 * {@code KafkaAvroSerializer} configurations carry over). Keys not listed here are ignored.
 */
public final class AvroSerdeConfig extends AbstractConfig {

  public static final String SCHEMA_REGISTRY_URL_CONFIG = "schema.registry.url";
  public static final String SCHEMA_REGISTRY_URL_DOC = "Comma-separated registry URLs, tried in order on I/O errors;"
      + " mock://<scope> selects the in-memory registry of that scope (tests). Required unless the serde was given a"
      + " SchemaRegistryClient.";

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

  public static final String BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG = "basic.auth.credentials.source";
  public static final String BASIC_AUTH_CREDENTIALS_SOURCE_DOC = "Where HTTP basic-auth credentials come from: URL"
      + " (user info of the registry URL, http://user:pass@host:port) or USER_INFO (basic.auth.user.info).";
  public static final String BASIC_AUTH_CREDENTIALS_SOURCE_DEFAULT = "URL";

  public static final String USER_INFO_CONFIG = "basic.auth.user.info";
  public static final String USER_INFO_DOC = "user:password for basic.auth.credentials.source=USER_INFO.";

  /** Confluent's newer, prefixed spelling of {@link #USER_INFO_CONFIG}; wins when both are set. */
  public static final String SCHEMA_REGISTRY_USER_INFO_CONFIG = "schema.registry.basic.auth.user.info";
  public static final String SCHEMA_REGISTRY_USER_INFO_DOC = "Same as " + USER_INFO_CONFIG + ", preferred if set.";

  public static final String SPECIFIC_AVRO_READER_CONFIG = "specific.avro.reader";
  public static final String SPECIFIC_AVRO_READER_DOC = "Generic deserializer: return instances of the generated"
      + " SpecificRecord class named like the writer schema when it is on the class path (they are GenericRecords"
      + " too); falls back to generic records otherwise.";
  public static final boolean SPECIFIC_AVRO_READER_DEFAULT = false;

  public static final String AVRO_READER_SCHEMA_CONFIG = "avro.reader.schema";
  public static final String AVRO_READER_SCHEMA_DOC = "Generic deserializer: JSON of a reader schema to project"
      + " every record onto (not a Confluent key). Default: read with the writer schema.";

  public static final String HTTP_CONNECT_TIMEOUT_MS_CONFIG = "http.connect.timeout.ms";
  public static final String HTTP_CONNECT_TIMEOUT_MS_DOC = "Registry client connect timeout in milliseconds.";
  public static final int HTTP_CONNECT_TIMEOUT_MS_DEFAULT = 10_000;

  public static final String HTTP_READ_TIMEOUT_MS_CONFIG = "http.read.timeout.ms";
  public static final String HTTP_READ_TIMEOUT_MS_DOC = "Registry client timeout for a whole response, milliseconds.";
  public static final int HTTP_READ_TIMEOUT_MS_DEFAULT = 30_000;

  public static final String MAX_RETRIES_CONFIG = "max.retries";
  public static final String MAX_RETRIES_DOC = "Registry client retries after an I/O error or a 5xx answer.";
  public static final int MAX_RETRIES_DEFAULT = 3;

  public static final String RETRIES_WAIT_MS_CONFIG = "retries.wait.ms";
  public static final String RETRIES_WAIT_MS_DOC = "Wait before the first retry, doubled for each further one.";
  public static final int RETRIES_WAIT_MS_DEFAULT = 1000;

  public static final String RETRIES_MAX_WAIT_MS_CONFIG = "retries.max.wait.ms";
  public static final String RETRIES_MAX_WAIT_MS_DOC = "Upper bound of the wait between retries.";
  public static final int RETRIES_MAX_WAIT_MS_DEFAULT = 20_000;

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

  public static final String BEARER_AUTH_CREDENTIALS_SOURCE_CONFIG = "bearer.auth.credentials.source";
  public static final String BEARER_AUTH_CREDENTIALS_SOURCE_DOC = "STATIC_TOKEN: send 'Authorization: Bearer "
      + "<bearer.auth.token>' to the registry (instead of basic auth). Empty: no bearer token.";
  public static final String BEARER_AUTH_TOKEN_CONFIG = "bearer.auth.token";
  public static final String BEARER_AUTH_TOKEN_DOC = "The token for bearer.auth.credentials.source=STATIC_TOKEN; "
      + "never logged.";

  /** Prefix of the registry client's TLS keys, as in Confluent's client. */
  public static final String SSL_PREFIX = "schema.registry.ssl.";
  public static final String SSL_TRUSTSTORE_LOCATION_CONFIG = SSL_PREFIX + "truststore.location";
  public static final String SSL_TRUSTSTORE_PASSWORD_CONFIG = SSL_PREFIX + "truststore.password";
  public static final String SSL_TRUSTSTORE_TYPE_CONFIG = SSL_PREFIX + "truststore.type";
  public static final String SSL_KEYSTORE_LOCATION_CONFIG = SSL_PREFIX + "keystore.location";
  public static final String SSL_KEYSTORE_PASSWORD_CONFIG = SSL_PREFIX + "keystore.password";
  public static final String SSL_KEYSTORE_TYPE_CONFIG = SSL_PREFIX + "keystore.type";
  public static final String SSL_KEY_PASSWORD_CONFIG = SSL_PREFIX + "key.password";
  public static final String SSL_STORE_TYPE_DEFAULT = "JKS";
  private static final String SSL_TRUSTSTORE_DOC = "Registry over https: the trust store (file, password, type JKS "
      + "or PKCS12) holding the certificates the client trusts. Empty location: the JDK's default trust store.";
  private static final String SSL_KEYSTORE_DOC = "Registry over https with client certificates (mutual TLS): the key "
      + "store (file, password, type) and the private key's password (default: the key store's).";

  private static final ConfigDef DEFINITION = new ConfigDef()
      .define(BEARER_AUTH_CREDENTIALS_SOURCE_CONFIG, Type.STRING, "",
          ConfigDef.ValidString.in("", "STATIC_TOKEN"), Importance.MEDIUM, BEARER_AUTH_CREDENTIALS_SOURCE_DOC)
      .define(BEARER_AUTH_TOKEN_CONFIG, Type.PASSWORD, null, Importance.MEDIUM, BEARER_AUTH_TOKEN_DOC)
      .define(SSL_TRUSTSTORE_LOCATION_CONFIG, Type.STRING, null, Importance.MEDIUM, SSL_TRUSTSTORE_DOC)
      .define(SSL_TRUSTSTORE_PASSWORD_CONFIG, Type.PASSWORD, null, Importance.MEDIUM, SSL_TRUSTSTORE_DOC)
      .define(SSL_TRUSTSTORE_TYPE_CONFIG, Type.STRING, SSL_STORE_TYPE_DEFAULT, Importance.LOW, SSL_TRUSTSTORE_DOC)
      .define(SSL_KEYSTORE_LOCATION_CONFIG, Type.STRING, null, Importance.MEDIUM, SSL_KEYSTORE_DOC)
      .define(SSL_KEYSTORE_PASSWORD_CONFIG, Type.PASSWORD, null, Importance.MEDIUM, SSL_KEYSTORE_DOC)
      .define(SSL_KEYSTORE_TYPE_CONFIG, Type.STRING, SSL_STORE_TYPE_DEFAULT, Importance.LOW, SSL_KEYSTORE_DOC)
      .define(SSL_KEY_PASSWORD_CONFIG, Type.PASSWORD, null, Importance.MEDIUM, SSL_KEYSTORE_DOC)
      .define(SCHEMA_REGISTRY_URL_CONFIG, Type.LIST, "", Importance.HIGH,
          SCHEMA_REGISTRY_URL_DOC)
      .define(AUTO_REGISTER_SCHEMAS_CONFIG, Type.BOOLEAN, AUTO_REGISTER_SCHEMAS_DEFAULT, Importance.MEDIUM,
          AUTO_REGISTER_SCHEMAS_DOC)
      .define(USE_LATEST_VERSION_CONFIG, Type.BOOLEAN, USE_LATEST_VERSION_DEFAULT, Importance.LOW,
          USE_LATEST_VERSION_DOC)
      .define(BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG, Type.STRING, BASIC_AUTH_CREDENTIALS_SOURCE_DEFAULT,
          ConfigDef.ValidString.in("URL", "USER_INFO"), Importance.MEDIUM, BASIC_AUTH_CREDENTIALS_SOURCE_DOC)
      .define(USER_INFO_CONFIG, Type.PASSWORD, null, Importance.MEDIUM, USER_INFO_DOC)
      .define(SCHEMA_REGISTRY_USER_INFO_CONFIG, Type.PASSWORD, null, Importance.MEDIUM, SCHEMA_REGISTRY_USER_INFO_DOC)
      .define(SPECIFIC_AVRO_READER_CONFIG, Type.BOOLEAN, SPECIFIC_AVRO_READER_DEFAULT, Importance.LOW,
          SPECIFIC_AVRO_READER_DOC)
      .define(AVRO_READER_SCHEMA_CONFIG, Type.STRING, null, Importance.LOW, AVRO_READER_SCHEMA_DOC)
      .define(HTTP_CONNECT_TIMEOUT_MS_CONFIG, Type.INT, HTTP_CONNECT_TIMEOUT_MS_DEFAULT, ConfigDef.Range.atLeast(1),
          Importance.LOW, HTTP_CONNECT_TIMEOUT_MS_DOC)
      .define(HTTP_READ_TIMEOUT_MS_CONFIG, Type.INT, HTTP_READ_TIMEOUT_MS_DEFAULT, ConfigDef.Range.atLeast(1),
          Importance.LOW, HTTP_READ_TIMEOUT_MS_DOC)
      .define(MAX_RETRIES_CONFIG, Type.INT, MAX_RETRIES_DEFAULT, ConfigDef.Range.atLeast(0), Importance.LOW,
          MAX_RETRIES_DOC)
      .define(RETRIES_WAIT_MS_CONFIG, Type.INT, RETRIES_WAIT_MS_DEFAULT, ConfigDef.Range.atLeast(0), Importance.LOW,
          RETRIES_WAIT_MS_DOC)
      .define(RETRIES_MAX_WAIT_MS_CONFIG, Type.INT, RETRIES_MAX_WAIT_MS_DEFAULT, ConfigDef.Range.atLeast(0),
          Importance.LOW, RETRIES_MAX_WAIT_MS_DOC)
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
    super(DEFINITION, originals, false);
  }

  /**
   * The configured registry URLs, in order.
   *
   * @throws ConfigException if none is configured
   */
  public List<String> requireRegistryUrls() {
    List<String> urls = registryUrls();
    if (urls.isEmpty()) {
      throw new ConfigException(SCHEMA_REGISTRY_URL_CONFIG, "", "at least one registry URL is required");
    }
    return urls;
  }

  /** The definition of every key, e.g. for documentation. */
  public static ConfigDef configDef() {
    return new ConfigDef(DEFINITION);
  }

  /** The configured registry URLs, in order. */
  public List<String> registryUrls() {
    return getList(SCHEMA_REGISTRY_URL_CONFIG).stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
  }

  /** The scope of a {@code mock://<scope>} URL, or {@code null} for a real registry. */
  public String mockScope() {
    String url = requireRegistryUrls().get(0);
    return url.startsWith(MockSchemaRegistry.MOCK_URL_PREFIX)
        ? url.substring(MockSchemaRegistry.MOCK_URL_PREFIX.length()) : null;
  }

  /** The decode limits and negative-cache time of the deserializers. */
  org.streambert.schemas.internals.WireDecoder.Limits decodeLimits() {
    return new org.streambert.schemas.internals.WireDecoder.Limits(getInt(LIMITS_STRING_MAX_BYTES_CONFIG),
        getInt(LIMITS_BYTES_MAX_LENGTH_CONFIG), getInt(LIMITS_COLLECTION_ITEMS_MAX_CONFIG),
        getInt(MISSING_ID_CACHE_TTL_SEC_CONFIG) * 1000L);
  }

  /** The bearer token when {@code bearer.auth.credentials.source=STATIC_TOKEN}, else null. */
  public String bearerToken() {
    if (!"STATIC_TOKEN".equals(getString(BEARER_AUTH_CREDENTIALS_SOURCE_CONFIG))) {
      return null;
    }
    Password token = getPassword(BEARER_AUTH_TOKEN_CONFIG);
    if (token == null || token.value().isBlank()) {
      throw new ConfigException(BEARER_AUTH_TOKEN_CONFIG, "[hidden]",
          "bearer.auth.credentials.source=STATIC_TOKEN needs a token");
    }
    return token.value();
  }

  /**
   * The TLS context of the {@code schema.registry.ssl.*} keys, or null when none is set (the JDK's defaults).
   *
   * @throws ConfigException naming the key when a store cannot be read (never its password)
   */
  public javax.net.ssl.SSLContext sslContext() {
    String trustLocation = getString(SSL_TRUSTSTORE_LOCATION_CONFIG);
    String keyLocation = getString(SSL_KEYSTORE_LOCATION_CONFIG);
    if (trustLocation == null && keyLocation == null) {
      return null;
    }
    try {
      javax.net.ssl.TrustManager[] trust = null;
      if (trustLocation != null) {
        java.security.KeyStore store = load(SSL_TRUSTSTORE_LOCATION_CONFIG, trustLocation,
            getString(SSL_TRUSTSTORE_TYPE_CONFIG), getPassword(SSL_TRUSTSTORE_PASSWORD_CONFIG));
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
            javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        trust = tmf.getTrustManagers();
      }
      javax.net.ssl.KeyManager[] keys = null;
      if (keyLocation != null) {
        Password storePassword = getPassword(SSL_KEYSTORE_PASSWORD_CONFIG);
        java.security.KeyStore store = load(SSL_KEYSTORE_LOCATION_CONFIG, keyLocation,
            getString(SSL_KEYSTORE_TYPE_CONFIG), storePassword);
        Password keyPassword = getPassword(SSL_KEY_PASSWORD_CONFIG) != null ? getPassword(SSL_KEY_PASSWORD_CONFIG)
            : storePassword;
        javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance(
            javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, keyPassword == null ? new char[0] : keyPassword.value().toCharArray());
        keys = kmf.getKeyManagers();
      }
      javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
      context.init(keys, trust, null);
      return context;
    } catch (java.security.GeneralSecurityException e) {
      throw new ConfigException(SSL_PREFIX + "*", "[hidden]", "cannot set up TLS: " + e.getClass().getSimpleName());
    }
  }

  private static java.security.KeyStore load(String key, String location, String type, Password password) {
    try (java.io.InputStream in = java.nio.file.Files.newInputStream(java.nio.file.Path.of(location))) {
      java.security.KeyStore store = java.security.KeyStore.getInstance(type);
      store.load(in, password == null ? null : password.value().toCharArray());
      return store;
    } catch (java.io.IOException | java.security.GeneralSecurityException e) {
      throw new ConfigException(key, location, "cannot read the " + type + " store (wrong path, type or password): "
          + e.getClass().getSimpleName());
    }
  }

  /** The configured user:password for USER_INFO credentials, or {@code null}. */
  public String userInfo() {
    Password preferred = getPassword(SCHEMA_REGISTRY_USER_INFO_CONFIG);
    Password legacy = getPassword(USER_INFO_CONFIG);
    Password chosen = preferred != null ? preferred : legacy;
    return chosen == null ? null : chosen.value();
  }
}
