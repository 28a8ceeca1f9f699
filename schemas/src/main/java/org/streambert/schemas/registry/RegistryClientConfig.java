package org.streambert.schemas.registry;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * Settings of a registry client under Confluent's key names: registry URLs (or {@code mock://<scope>}), credentials,
 * TLS, timeouts and retries. The serdes' configuration (AvroSerdeConfig) extends it with their own keys, so one map
 * configures a serde and the client it creates. Keys not listed here are ignored.
 */
public class RegistryClientConfig extends AbstractConfig {

  /** URL prefix that selects an in-memory registry ({@link MockSchemaRegistry}): {@code mock://<scope>}. */
  public static final String MOCK_URL_PREFIX = "mock://";

  public static final String SCHEMA_REGISTRY_URL_CONFIG = "schema.registry.url";
  public static final String SCHEMA_REGISTRY_URL_DOC = "Comma-separated registry URLs, tried in order on I/O errors;"
      + " mock://<scope> selects the in-memory registry of that scope (tests). Required unless the serde was given a"
      + " SchemaRegistryClient.";

  public static final String BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG = "basic.auth.credentials.source";
  public static final String BASIC_AUTH_CREDENTIALS_SOURCE_DOC = "Where HTTP basic-auth credentials come from: URL"
      + " (user info of the registry URL, http://user:pass@host:port) or USER_INFO (basic.auth.user.info).";
  public static final String BASIC_AUTH_CREDENTIALS_SOURCE_DEFAULT = "URL";

  public static final String USER_INFO_CONFIG = "basic.auth.user.info";
  public static final String USER_INFO_DOC = "user:password for basic.auth.credentials.source=USER_INFO.";

  /** Confluent's newer, prefixed spelling of {@link #USER_INFO_CONFIG}; wins when both are set. */
  public static final String SCHEMA_REGISTRY_USER_INFO_CONFIG = "schema.registry.basic.auth.user.info";
  public static final String SCHEMA_REGISTRY_USER_INFO_DOC = "Same as " + USER_INFO_CONFIG + ", preferred if set.";

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

  private static final ConfigDef DEFINITION = defineKeys(new ConfigDef());

  /** Adds this class's keys to {@code definition} (for a configuration that extends this one); returns it. */
  protected static ConfigDef defineKeys(ConfigDef definition) {
    return definition
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
      .define(BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG, Type.STRING, BASIC_AUTH_CREDENTIALS_SOURCE_DEFAULT,
          ConfigDef.ValidString.in("URL", "USER_INFO"), Importance.MEDIUM, BASIC_AUTH_CREDENTIALS_SOURCE_DOC)
      .define(USER_INFO_CONFIG, Type.PASSWORD, null, Importance.MEDIUM, USER_INFO_DOC)
      .define(SCHEMA_REGISTRY_USER_INFO_CONFIG, Type.PASSWORD, null, Importance.MEDIUM, SCHEMA_REGISTRY_USER_INFO_DOC)
      .define(HTTP_CONNECT_TIMEOUT_MS_CONFIG, Type.INT, HTTP_CONNECT_TIMEOUT_MS_DEFAULT, ConfigDef.Range.atLeast(1),
          Importance.LOW, HTTP_CONNECT_TIMEOUT_MS_DOC)
      .define(HTTP_READ_TIMEOUT_MS_CONFIG, Type.INT, HTTP_READ_TIMEOUT_MS_DEFAULT, ConfigDef.Range.atLeast(1),
          Importance.LOW, HTTP_READ_TIMEOUT_MS_DOC)
      .define(MAX_RETRIES_CONFIG, Type.INT, MAX_RETRIES_DEFAULT, ConfigDef.Range.atLeast(0), Importance.LOW,
          MAX_RETRIES_DOC)
      .define(RETRIES_WAIT_MS_CONFIG, Type.INT, RETRIES_WAIT_MS_DEFAULT, ConfigDef.Range.atLeast(0), Importance.LOW,
          RETRIES_WAIT_MS_DOC)
      .define(RETRIES_MAX_WAIT_MS_CONFIG, Type.INT, RETRIES_MAX_WAIT_MS_DEFAULT, ConfigDef.Range.atLeast(0),
          Importance.LOW, RETRIES_MAX_WAIT_MS_DOC);
  }

  /**
   * Parses and validates client settings.
   *
   * @throws ConfigException naming the offending key
   */
  public RegistryClientConfig(Map<String, ?> originals) {
    this(DEFINITION, originals);
  }

  /** For a configuration whose {@code definition} holds this class's keys (see {@link #defineKeys}) and more. */
  protected RegistryClientConfig(ConfigDef definition, Map<String, ?> originals) {
    super(definition, originals, false);
  }

  /** The definition of every key, e.g. for documentation. */
  public static ConfigDef configDef() {
    return new ConfigDef(DEFINITION);
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

  /** The configured registry URLs, in order. */
  public List<String> registryUrls() {
    return getList(SCHEMA_REGISTRY_URL_CONFIG).stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
  }

  /** The scope of a {@code mock://<scope>} URL, or {@code null} for a real registry. */
  public String mockScope() {
    String url = requireRegistryUrls().get(0);
    return url.startsWith(MOCK_URL_PREFIX)
        ? url.substring(MOCK_URL_PREFIX.length()) : null;
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
  public SSLContext sslContext() {
    String trustLocation = getString(SSL_TRUSTSTORE_LOCATION_CONFIG);
    String keyLocation = getString(SSL_KEYSTORE_LOCATION_CONFIG);
    if (trustLocation == null && keyLocation == null) {
      return null;
    }
    try {
      TrustManager[] trust = null;
      if (trustLocation != null) {
        KeyStore store = load(SSL_TRUSTSTORE_LOCATION_CONFIG, trustLocation,
            getString(SSL_TRUSTSTORE_TYPE_CONFIG), getPassword(SSL_TRUSTSTORE_PASSWORD_CONFIG));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(
            TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        trust = tmf.getTrustManagers();
      }
      KeyManager[] keys = null;
      if (keyLocation != null) {
        Password storePassword = getPassword(SSL_KEYSTORE_PASSWORD_CONFIG);
        KeyStore store = load(SSL_KEYSTORE_LOCATION_CONFIG, keyLocation,
            getString(SSL_KEYSTORE_TYPE_CONFIG), storePassword);
        Password keyPassword = getPassword(SSL_KEY_PASSWORD_CONFIG) != null ? getPassword(SSL_KEY_PASSWORD_CONFIG)
            : storePassword;
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(
            KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, keyPassword == null ? new char[0] : keyPassword.value().toCharArray());
        keys = kmf.getKeyManagers();
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys, trust, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new ConfigException(SSL_PREFIX + "*", "[hidden]", "cannot set up TLS: " + e.getClass().getSimpleName());
    }
  }

  private static KeyStore load(String key, String location, String type, Password password) {
    try (InputStream in = Files.newInputStream(Path.of(location))) {
      KeyStore store = KeyStore.getInstance(type);
      store.load(in, password == null ? null : password.value().toCharArray());
      return store;
    } catch (IOException | GeneralSecurityException e) {
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
