package org.streambert.schemas.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import javax.net.ssl.SSLContext;
import org.apache.avro.Schema;
import org.apache.kafka.common.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link SchemaRegistryClient} over Confluent's REST API ({@code application/vnd.schemaregistry.v1+json}), built on
 * the JDK's {@link HttpClient}. Caches what never changes in a registry (id → schema, subject + schema → id and
 * version); latest versions and configuration are always fetched. I/O errors and 5xx answers are retried with
 * exponential backoff ({@link RegistryClientConfig#MAX_RETRIES_CONFIG}), moving to the next configured URL on each retry.
 */
public final class RestSchemaRegistryClient implements SchemaRegistryClient {
  /** Confluent's media type for requests and answers. */
  public static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
  private static final String ACCEPT = CONTENT_TYPE
      + ", application/vnd.schemaregistry+json; qs=0.9, application/json; qs=0.5";
  private static final Logger LOG = LoggerFactory.getLogger(RestSchemaRegistryClient.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final List<URI> baseUrls;
  private final String authorization;
  private final HttpClient http;
  private final Duration readTimeout;
  private final int maxRetries;
  private final long retryWaitMs;
  private final long retryMaxWaitMs;

  private final ConcurrentMap<Integer, Schema> schemasById = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, ConcurrentMap<Schema, Integer>> idsBySubject = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, ConcurrentMap<Schema, RegisteredSchema>> lookupsBySubject =
      new ConcurrentHashMap<>();

  /** A client for serde-style settings (see {@link RegistryClientConfig}); {@code mock://} URLs are not accepted here. */
  public RestSchemaRegistryClient(Map<String, ?> configs) {
    this(new RegistryClientConfig(configs));
  }

  RestSchemaRegistryClient(RegistryClientConfig config) {
    List<URI> urls = new ArrayList<>();
    String urlUserInfo = null;
    for (String raw : config.requireRegistryUrls()) {
      URI uri;
      try {
        uri = URI.create(raw);
      } catch (IllegalArgumentException e) {
        throw new ConfigException(RegistryClientConfig.SCHEMA_REGISTRY_URL_CONFIG, raw, e.getMessage());
      }
      if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
        throw new ConfigException(RegistryClientConfig.SCHEMA_REGISTRY_URL_CONFIG, raw, "expected an http(s) URL");
      }
      if (uri.getRawUserInfo() != null && urlUserInfo == null) {
        urlUserInfo = URLDecoder.decode(uri.getRawUserInfo(), StandardCharsets.UTF_8);
      }
      String path = uri.getRawPath() == null ? "" : uri.getRawPath().replaceAll("/+$", "");
      urls.add(URI.create(uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort())
          + path));
    }
    this.baseUrls = List.copyOf(urls);
    String source = config.getString(RegistryClientConfig.BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG);
    String userInfo = "USER_INFO".equals(source) ? config.userInfo() : urlUserInfo;
    if ("USER_INFO".equals(source) && (userInfo == null || !userInfo.contains(":"))) {
      throw new ConfigException(RegistryClientConfig.USER_INFO_CONFIG, "[hidden]",
          "basic.auth.credentials.source=USER_INFO needs user:password");
    }
    String bearer = config.bearerToken();
    this.authorization = bearer != null ? "Bearer " + bearer : userInfo == null ? null
        : "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
    HttpClient.Builder builder = HttpClient.newBuilder()
        .connectTimeout(Duration.ofMillis(config.getInt(RegistryClientConfig.HTTP_CONNECT_TIMEOUT_MS_CONFIG)))
        .version(HttpClient.Version.HTTP_1_1);
    SSLContext tls = config.sslContext();
    if (tls != null) {
      builder.sslContext(tls);
    }
    this.http = builder.build();
    this.readTimeout = Duration.ofMillis(config.getInt(RegistryClientConfig.HTTP_READ_TIMEOUT_MS_CONFIG));
    this.maxRetries = config.getInt(RegistryClientConfig.MAX_RETRIES_CONFIG);
    this.retryWaitMs = config.getInt(RegistryClientConfig.RETRIES_WAIT_MS_CONFIG);
    this.retryMaxWaitMs = config.getInt(RegistryClientConfig.RETRIES_MAX_WAIT_MS_CONFIG);
  }

  @Override
  public int register(String subject, Schema schema) {
    Objects.requireNonNull(schema, "schema");
    ConcurrentMap<Schema, Integer> ids = idsBySubject.computeIfAbsent(subject, s -> new ConcurrentHashMap<>());
    Integer cached = ids.get(schema);
    if (cached != null) {
      return cached;
    }
    JsonNode answer = send("POST", "/subjects/" + segment(subject) + "/versions", schemaBody(schema));
    int id = requiredInt(answer, "id");
    ids.put(schema, id);
    schemasById.putIfAbsent(id, schema);
    return id;
  }

  @Override
  public RegisteredSchema lookup(String subject, Schema schema) {
    Objects.requireNonNull(schema, "schema");
    ConcurrentMap<Schema, RegisteredSchema> lookups =
        lookupsBySubject.computeIfAbsent(subject, s -> new ConcurrentHashMap<>());
    RegisteredSchema cached = lookups.get(schema);
    if (cached != null) {
      return cached;
    }
    RegisteredSchema found = registered(send("POST", "/subjects/" + segment(subject), schemaBody(schema)), subject);
    lookups.put(schema, found);
    schemasById.putIfAbsent(found.id(), found.schema());
    return found;
  }

  @Override
  public Schema schemaById(int id) {
    Schema cached = schemasById.get(id);
    if (cached != null) {
      return cached;
    }
    JsonNode answer = send("GET", "/schemas/ids/" + id, null);
    Schema schema = parseSchema(answer);
    Schema raced = schemasById.putIfAbsent(id, schema);
    return raced != null ? raced : schema;
  }

  @Override
  public RegisteredSchema latest(String subject) {
    return registered(send("GET", "/subjects/" + segment(subject) + "/versions/latest", null), subject);
  }

  @Override
  public RegisteredSchema version(String subject, int version) {
    return registered(send("GET", "/subjects/" + segment(subject) + "/versions/" + version, null), subject);
  }

  @Override
  public List<Integer> versions(String subject) {
    List<Integer> versions = new ArrayList<>();
    send("GET", "/subjects/" + segment(subject) + "/versions", null).forEach(v -> versions.add(v.asInt()));
    return versions;
  }

  @Override
  public List<String> subjects() {
    List<String> subjects = new ArrayList<>();
    send("GET", "/subjects", null).forEach(v -> subjects.add(v.asText()));
    return subjects;
  }

  @Override
  public boolean isCompatible(String subject, Schema schema) {
    JsonNode answer = send("POST", "/compatibility/subjects/" + segment(subject) + "/versions/latest",
        schemaBody(schema));
    return answer.path("is_compatible").asBoolean(false);
  }

  @Override
  public CompatibilityLevel globalCompatibility() {
    return CompatibilityLevel.parse(send("GET", "/config", null).path("compatibilityLevel").asText(null));
  }

  @Override
  public void setGlobalCompatibility(CompatibilityLevel level) {
    send("PUT", "/config", compatibilityBody(level));
  }

  @Override
  public CompatibilityLevel compatibility(String subject) {
    JsonNode answer = send("GET", "/config/" + segment(subject) + "?defaultToGlobal=true", null);
    return CompatibilityLevel.parse(answer.path("compatibilityLevel").asText(null));
  }

  @Override
  public void setCompatibility(String subject, CompatibilityLevel level) {
    send("PUT", "/config/" + segment(subject), compatibilityBody(level));
  }

  private static String schemaBody(Schema schema) {
    return JSON.createObjectNode().put("schema", schema.toString()).toString();
  }

  private static String compatibilityBody(CompatibilityLevel level) {
    return JSON.createObjectNode().put("compatibility", Objects.requireNonNull(level, "level").name()).toString();
  }

  private static RegisteredSchema registered(JsonNode answer, String subject) {
    return new RegisteredSchema(answer.path("subject").asText(subject), requiredInt(answer, "version"),
        requiredInt(answer, "id"), parseSchema(answer));
  }

  private static Schema parseSchema(JsonNode answer) {
    JsonNode schema = answer.get("schema");
    if (schema == null || !schema.isTextual()) {
      throw new RestClientException("Registry answer has no schema: " + abbreviate(answer.toString()), 200,
          RestClientException.UNPARSEABLE_RESPONSE);
    }
    return RegisteredSchema.parse(schema.asText());
  }

  private static int requiredInt(JsonNode answer, String field) {
    JsonNode value = answer.get(field);
    if (value == null || !value.canConvertToInt()) {
      throw new RestClientException("Registry answer has no integer '" + field + "': " + abbreviate(answer.toString()),
          200, RestClientException.UNPARSEABLE_RESPONSE);
    }
    return value.asInt();
  }

  private static String segment(String subject) {
    Objects.requireNonNull(subject, "subject");
    return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** Sends one request with retries; answers the parsed JSON body of a 2xx answer. */
  private JsonNode send(String method, String pathAndQuery, String body) {
    IOException lastIo = null;
    RestClientException lastServerError = null;
    for (int attempt = 0; attempt <= maxRetries; attempt++) {
      if (attempt > 0) {
        sleepBeforeRetry(attempt);
      }
      URI base = baseUrls.get(attempt % baseUrls.size());
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + pathAndQuery))
          .timeout(readTimeout)
          .header("Accept", ACCEPT)
          .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
      if (body != null) {
        request.header("Content-Type", CONTENT_TYPE);
      }
      if (authorization != null) {
        request.header("Authorization", authorization);
      }
      HttpResponse<String> response;
      try {
        response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      } catch (IOException e) {
        lastIo = e;
        lastServerError = null;
        LOG.warn("Schema registry {} {} {} failed (attempt {} of {}): {}", method, base, pathAndQuery, attempt + 1,
            maxRetries + 1, e.toString());
        continue;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new UncheckedIOException(new InterruptedIOException("interrupted calling schema registry " + base));
      }
      int status = response.statusCode();
      if (status >= 200 && status < 300) {
        try {
          return JSON.readTree(response.body().isEmpty() ? "{}" : response.body());
        } catch (JsonProcessingException e) {
          throw new RestClientException("Unparseable registry answer to " + method + " " + pathAndQuery + ": "
              + abbreviate(response.body()), status, RestClientException.UNPARSEABLE_RESPONSE);
        }
      }
      RestClientException error = errorOf(response, method, pathAndQuery);
      if (status < 500) {
        throw error;
      }
      lastServerError = error;
      lastIo = null;
      LOG.warn("Schema registry {} {} {} answered {} (attempt {} of {})", method, base, pathAndQuery, status,
          attempt + 1, maxRetries + 1);
    }
    if (lastServerError != null) {
      throw lastServerError;
    }
    throw new UncheckedIOException("Schema registry " + baseUrls + " unreachable for " + method + " " + pathAndQuery
        + " after " + (maxRetries + 1) + " attempts", lastIo);
  }

  private void sleepBeforeRetry(int attempt) {
    long wait = retryWaitMs << Math.min(attempt - 1, 30);
    wait = Math.min(wait < 0 ? Long.MAX_VALUE : wait, retryMaxWaitMs);
    try {
      Thread.sleep(wait);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UncheckedIOException(new InterruptedIOException("interrupted waiting to retry schema registry"));
    }
  }

  private static RestClientException errorOf(HttpResponse<String> response, String method, String path) {
    try {
      JsonNode node = JSON.readTree(response.body());
      if (node instanceof ObjectNode && node.has("error_code")) {
        return new RestClientException(node.path("message").asText(""), response.statusCode(),
            node.get("error_code").asInt());
      }
    } catch (JsonProcessingException ignored) {
      // fall through: not a Confluent error body
    }
    return new RestClientException("Unexpected registry answer to " + method + " " + path + ": "
        + abbreviate(response.body()), response.statusCode(), RestClientException.UNPARSEABLE_RESPONSE);
  }

  private static String abbreviate(String s) {
    return s == null ? "" : s.length() <= 300 ? s : s.substring(0, 300) + "...";
  }

  @Override
  public String toString() {
    return "RestSchemaRegistryClient" + baseUrls;
  }
}
