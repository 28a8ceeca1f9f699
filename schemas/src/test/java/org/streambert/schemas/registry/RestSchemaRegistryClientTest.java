package org.streambert.schemas.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.streambert.schemas.AvroSerdeConfig;

/**
 * The REST client against the embedded registry, reached through a small loopback proxy that records requests and
 * can inject failures.
 */
class RestSchemaRegistryClientTest {
  private static final Schema A = SchemaBuilder.record("A").fields().requiredString("x").endRecord();
  private static EmbeddedSchemaRegistry registry;
  private static final HttpClient FORWARDER = HttpClient.newHttpClient();

  private HttpServer proxy;
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private final List<String> authorizations = new CopyOnWriteArrayList<>();
  /** Given the request count so far (1-based), a status to fail with, or 0 to forward to the registry. */
  private volatile Function<Integer, Integer> failure = n -> 0;
  private final AtomicInteger count = new AtomicInteger();

  @BeforeAll
  static void startRegistry() {
    registry = EmbeddedSchemaRegistry.start(0);
  }

  @AfterAll
  static void stopRegistry() {
    registry.close();
  }

  @AfterEach
  void stopProxy() {
    if (proxy != null) {
      proxy.stop(0);
    }
  }

  private String startProxy() throws IOException {
    proxy = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    proxy.createContext("/", this::forward);
    proxy.start();
    return "http://127.0.0.1:" + proxy.getAddress().getPort();
  }

  private void forward(HttpExchange exchange) throws IOException {
    String target = exchange.getRequestURI().toString();
    requests.add(exchange.getRequestMethod() + " " + target);
    authorizations.add(exchange.getRequestHeaders().getFirst("Authorization"));
    byte[] requestBody = exchange.getRequestBody().readAllBytes();
    int fail = failure.apply(count.incrementAndGet());
    int status;
    byte[] body;
    if (fail != 0) {
      status = fail;
      body = ("{\"error_code\":" + (fail * 100 + 1) + ",\"message\":\"injected\"}").getBytes(StandardCharsets.UTF_8);
    } else {
      try {
        String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(registry.url() + target))
            .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(requestBody));
        if (contentType != null) {
          request.header("Content-Type", contentType);
        }
        HttpResponse<byte[]> response = FORWARDER.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        status = response.statusCode();
        body = response.body();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
    }
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  private static RestSchemaRegistryClient client(String url, Object... extra) {
    Map<String, Object> config = new HashMap<>();
    config.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, url);
    config.put(AvroSerdeConfig.RETRIES_WAIT_MS_CONFIG, 10);
    for (int i = 0; i < extra.length; i += 2) {
      config.put((String) extra[i], extra[i + 1]);
    }
    return new RestSchemaRegistryClient(config);
  }

  @Test
  void shouldRetryAfterServerError() throws IOException {
    failure = n -> n == 1 ? 503 : 0;
    RestSchemaRegistryClient client = client(startProxy());
    int id = client.register("retry-value", A);
    assertEquals(A, client.schemaById(id));
    assertEquals(2, requests.stream().filter(r -> r.startsWith("POST /subjects/retry-value/versions")).count());
  }

  @Test
  void shouldSurfaceServerErrorAfterRetriesAreExhausted() throws IOException {
    failure = n -> 500;
    RestSchemaRegistryClient client = client(startProxy(), AvroSerdeConfig.MAX_RETRIES_CONFIG, 2);
    RestClientException e = assertThrows(RestClientException.class, () -> client.subjects());
    assertEquals(500, e.status());
    assertEquals(50001, e.errorCode());
    assertEquals(3, requests.size());
  }

  @Test
  void shouldNotRetryClientErrors() throws IOException {
    RestSchemaRegistryClient client = client(startProxy());
    RestClientException e = assertThrows(RestClientException.class, () -> client.latest("missing-value"));
    assertEquals(404, e.status());
    assertEquals(RestClientException.SUBJECT_NOT_FOUND, e.errorCode());
    assertEquals(1, requests.size());
  }

  @Test
  void shouldFailOverToNextUrlOnConnectionError() throws IOException {
    String good = startProxy();
    RestSchemaRegistryClient client = client("http://127.0.0.1:1," + good);
    client.register("failover-value", A);
    assertEquals(1, requests.size());
  }

  @Test
  void shouldRaiseUncheckedIoExceptionWhenRegistryIsUnreachable() {
    RestSchemaRegistryClient client = client("http://127.0.0.1:1", AvroSerdeConfig.MAX_RETRIES_CONFIG, 1);
    assertThrows(UncheckedIOException.class, client::subjects);
  }

  @Test
  void shouldCacheSchemasByIdAndRegistrations() throws IOException {
    RestSchemaRegistryClient client = client(startProxy());
    int id = client.register("cache-value", A);
    client.register("cache-value", A);
    client.schemaById(id);
    client.schemaById(id);
    assertEquals(List.of("POST /subjects/cache-value/versions"), requests);
  }

  @Test
  void shouldSendBasicAuthFromUserInfoConfig() throws IOException {
    RestSchemaRegistryClient client = client(startProxy(),
        AvroSerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG, "USER_INFO",
        AvroSerdeConfig.USER_INFO_CONFIG, "alice:s3cret");
    client.subjects();
    assertEquals("Basic " + Base64.getEncoder().encodeToString("alice:s3cret".getBytes(StandardCharsets.UTF_8)),
        authorizations.get(0));
  }

  @Test
  void shouldSendBasicAuthFromUrlUserInfo() throws IOException {
    String url = startProxy().replace("http://", "http://bob:pw%40x@");
    client(url).subjects();
    assertEquals("Basic " + Base64.getEncoder().encodeToString("bob:pw@x".getBytes(StandardCharsets.UTF_8)),
        authorizations.get(0));
  }

  @Test
  void shouldSendAStaticBearerTokenAndNeverShowIt() throws IOException {
    RestSchemaRegistryClient client = client(startProxy(),
        AvroSerdeConfig.BEARER_AUTH_CREDENTIALS_SOURCE_CONFIG, "STATIC_TOKEN",
        AvroSerdeConfig.BEARER_AUTH_TOKEN_CONFIG, "tok-3f9a");
    client.subjects();
    assertEquals("Bearer tok-3f9a", authorizations.get(0));
    AvroSerdeConfig config = new AvroSerdeConfig(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, "http://x",
        AvroSerdeConfig.BEARER_AUTH_TOKEN_CONFIG, "tok-3f9a"));
    assertTrue(!config.toString().contains("tok-3f9a") && !config.values().toString().contains("tok-3f9a"),
        "a config's printed form hides the token");
    ConfigException missing = assertThrows(ConfigException.class, () -> client("http://127.0.0.1:1",
        AvroSerdeConfig.BEARER_AUTH_CREDENTIALS_SOURCE_CONFIG, "STATIC_TOKEN"));
    assertTrue(missing.getMessage().contains(AvroSerdeConfig.BEARER_AUTH_TOKEN_CONFIG), missing.getMessage());
  }

  @Test
  void shouldSendNoAuthorizationWithoutCredentials() throws IOException {
    client(startProxy()).subjects();
    assertEquals(null, authorizations.get(0));
  }

  @Test
  void shouldRejectUserInfoSourceWithoutCredentials() {
    assertThrows(ConfigException.class, () -> client("http://127.0.0.1:1",
        AvroSerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG, "USER_INFO"));
  }

  @Test
  void shouldTimeOutSlowRegistry() throws IOException {
    failure = n -> {
      try {
        Thread.sleep(1_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return 0;
    };
    RestSchemaRegistryClient client = client(startProxy(), AvroSerdeConfig.HTTP_READ_TIMEOUT_MS_CONFIG, 100,
        AvroSerdeConfig.MAX_RETRIES_CONFIG, 0);
    long start = System.nanoTime();
    UncheckedIOException e = assertThrows(UncheckedIOException.class, client::subjects);
    assertTrue((System.nanoTime() - start) / 1_000_000 < 900, "gave up before the answer came");
    assertTrue(e.getCause() instanceof HttpTimeoutException, String.valueOf(e.getCause()));
  }

  @Test
  void shouldUseEveryEndpointOfTheApi() {
    RestSchemaRegistryClient client = client(registry.url());
    Schema a2 = SchemaBuilder.record("A").fields().requiredString("x").optionalString("y").endRecord();
    int id1 = client.register("api-value", A);
    int id2 = client.register("api-value", a2);
    assertEquals(new RegisteredSchema("api-value", 1, id1, A), client.lookup("api-value", A));
    assertEquals(new RegisteredSchema("api-value", 2, id2, a2), client.latest("api-value"));
    assertEquals(new RegisteredSchema("api-value", 1, id1, A), client.version("api-value", 1));
    assertEquals(List.of(1, 2), client.versions("api-value"));
    assertTrue(client.subjects().contains("api-value"));
    client.setCompatibility("api-value", CompatibilityLevel.FORWARD_TRANSITIVE);
    assertEquals(CompatibilityLevel.FORWARD_TRANSITIVE, client.compatibility("api-value"));
  }
}
