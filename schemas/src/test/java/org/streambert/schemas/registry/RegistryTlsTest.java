package org.streambert.schemas.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.schemas.AvroSerdeConfig;
import org.streambert.schemas.testing.SelfSignedTls;

/**
 * The registry client over https: the embedded registry runs with a self-signed certificate made by the JDK's
 * keytool, and only a client whose {@code schema.registry.ssl.truststore.*} trusts it gets through.
 */
class RegistryTlsTest {

  private static final Schema A = SchemaBuilder.record("A").fields().requiredString("x").endRecord();

  @Test
  void shouldTalkToASelfSignedRegistryOnlyWithTheTrustStore(@TempDir Path dir) throws Exception {
    SelfSignedTls tls = SelfSignedTls.create(dir);
    Path truststore = tls.trustStore();

    try (EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.start(0, tls.serverContext())) {
      assertTrue(registry.url().startsWith("https://"), registry.url());

      RestSchemaRegistryClient trusting = client(registry.url(),
          AvroSerdeConfig.SSL_TRUSTSTORE_LOCATION_CONFIG, truststore.toString(),
          AvroSerdeConfig.SSL_TRUSTSTORE_PASSWORD_CONFIG, SelfSignedTls.PASSWORD,
          AvroSerdeConfig.SSL_TRUSTSTORE_TYPE_CONFIG, "PKCS12");
      int id = trusting.register("a-value", A);
      assertEquals(A, trusting.schemaById(id));

      RestSchemaRegistryClient untrusting = client(registry.url());
      RuntimeException refused = assertThrows(RuntimeException.class, () -> untrusting.register("b-value", A));
      assertTrue(String.valueOf(refused).contains("SSL") || String.valueOf(refused.getCause()).contains("SSL")
          || String.valueOf(refused.getCause()).contains("certificat"), String.valueOf(refused));
    }
  }

  @Test
  void shouldNameTheKeyNotThePasswordWhenATrustStoreCannotBeRead(@TempDir Path dir) throws Exception {
    Path bogus = Files.writeString(dir.resolve("not-a-store.p12"), "nope");
    ConfigException e = assertThrows(ConfigException.class, () -> client("https://127.0.0.1:1",
        AvroSerdeConfig.SSL_TRUSTSTORE_LOCATION_CONFIG, bogus.toString(),
        AvroSerdeConfig.SSL_TRUSTSTORE_PASSWORD_CONFIG, "hunter2-secret",
        AvroSerdeConfig.SSL_TRUSTSTORE_TYPE_CONFIG, "PKCS12"));
    assertTrue(e.getMessage().contains(AvroSerdeConfig.SSL_TRUSTSTORE_LOCATION_CONFIG), e.getMessage());
    assertFalse(e.getMessage().contains("hunter2-secret"), e.getMessage());
  }

  private static RestSchemaRegistryClient client(String url, Object... extra) {
    Map<String, Object> config = new HashMap<>();
    config.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, url);
    config.put(AvroSerdeConfig.MAX_RETRIES_CONFIG, 0);
    for (int i = 0; i < extra.length; i += 2) {
      config.put((String) extra[i], extra[i + 1]);
    }
    return new RestSchemaRegistryClient(config);
  }
}
