package org.streambert.schemas.registry.internals;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streambert.schemas.registry.CompatibilityLevel;
import org.streambert.schemas.registry.RegisteredSchema;
import org.streambert.schemas.registry.RestClientException;

/**
 * Confluent's Schema Registry REST API (the Avro subset) over a {@link SchemaStore}. Errors are answered with
 * Confluent's body {@code {"error_code": .., "message": ..}}: malformed JSON 400/400 (as Confluent's rest-utils),
 * invalid schema 422/42201, invalid version 422/42202, invalid level 422/42203, unknown subject 404/40401, version
 * 404/40402, schema or id 404/40403, incompatible schema 409/40901, unknown endpoint 404/404, wrong method 405/405.
 */
public final class RegistryHttpHandler implements HttpHandler {
  private static final Logger LOG = LoggerFactory.getLogger(RegistryHttpHandler.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
  /** Request bodies above this are refused, so a bad client cannot exhaust memory. */
  private static final int MAX_BODY_BYTES = 16 * 1024 * 1024;

  private final SchemaStore store;

  public RegistryHttpHandler(SchemaStore store) {
    this.store = store;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    int status;
    JsonNode body;
    try {
      body = route(exchange);
      status = 200;
    } catch (RestClientException e) {
      status = e.status();
      body = error(e.errorCode(), e.registryMessage());
    } catch (RuntimeException e) {
      LOG.error("Registry request {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
      status = 500;
      body = error(RestClientException.STORE_ERROR, "Internal error: " + e);
    }
    byte[] bytes = JSON.writeValueAsBytes(body);
    exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private JsonNode route(HttpExchange exchange) throws IOException {
    String method = exchange.getRequestMethod();
    List<String> path = segments(exchange.getRequestURI().getRawPath());
    Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
    int n = path.size();
    String head = n == 0 ? "" : path.get(0);
    switch (head) {
      case "":
        allow(method, "GET");
        return JSON.createObjectNode();
      case "subjects":
        if (n == 1) {
          allow(method, "GET");
          return strings(store.subjects());
        }
        String subject = path.get(1);
        if (n == 2) {
          allow(method, "POST");
          return registered(store.lookup(subject, schemaOf(exchange)));
        }
        if (path.get(2).equals("versions")) {
          if (n == 3) {
            if (method.equals("POST")) {
              int id = store.register(subject, schemaOf(exchange));
              return JSON.createObjectNode().put("id", id);
            }
            allow(method, "GET");
            ArrayNode versions = JSON.createArrayNode();
            store.versions(subject).forEach(versions::add);
            return versions;
          }
          if (n == 4) {
            allow(method, "GET");
            return registered(store.version(subject, version(path.get(3))));
          }
        }
        break;
      case "schemas":
        if (n == 2 && path.get(1).equals("types")) {
          allow(method, "GET");
          return JSON.createArrayNode().add("AVRO");
        }
        if (n == 3 && path.get(1).equals("ids")) {
          allow(method, "GET");
          Schema schema = store.schemaById(id(path.get(2)));
          return JSON.createObjectNode().put("schema", schema.toString());
        }
        break;
      case "compatibility":
        if ((n == 4 || n == 5) && path.get(1).equals("subjects") && path.get(3).equals("versions")) {
          allow(method, "POST");
          Integer version = n == 5 ? version(path.get(4)) : null;
          List<String> problems = store.incompatibilities(path.get(2), schemaOf(exchange), version);
          ObjectNode answer = JSON.createObjectNode().put("is_compatible", problems.isEmpty());
          if ("true".equals(query.get("verbose"))) {
            problems.forEach(answer.putArray("messages")::add);
          }
          return answer;
        }
        break;
      case "config":
        if (n == 1) {
          if (method.equals("PUT")) {
            CompatibilityLevel level = levelOf(exchange);
            store.setGlobalCompatibility(level);
            return JSON.createObjectNode().put("compatibility", level.name());
          }
          allow(method, "GET");
          return JSON.createObjectNode().put("compatibilityLevel", store.globalCompatibility().name());
        }
        if (n == 2) {
          String configSubject = path.get(1);
          switch (method) {
            case "PUT" -> {
              CompatibilityLevel level = levelOf(exchange);
              store.setSubjectCompatibility(configSubject, level);
              return JSON.createObjectNode().put("compatibility", level.name());
            }
            case "DELETE" -> {
              CompatibilityLevel removed = store.setSubjectCompatibility(configSubject, null);
              if (removed == null) {
                throw notConfigured(configSubject);
              }
              return JSON.createObjectNode().put("compatibilityLevel", removed.name());
            }
            default -> {
              allow(method, "GET");
              CompatibilityLevel level = store.subjectCompatibility(configSubject);
              if (level == null && "true".equals(query.get("defaultToGlobal"))) {
                level = store.globalCompatibility();
              }
              if (level == null) {
                throw notConfigured(configSubject);
              }
              return JSON.createObjectNode().put("compatibilityLevel", level.name());
            }
          }
        }
        break;
      default:
        break;
    }
    throw new RestClientException("HTTP 404 Not Found", 404, RestClientException.ENDPOINT_NOT_FOUND);
  }

  private static RestClientException notConfigured(String subject) {
    return new RestClientException("Subject '" + subject + "' does not have subject-level compatibility configured",
        404, RestClientException.SUBJECT_COMPATIBILITY_NOT_CONFIGURED);
  }

  private static void allow(String method, String allowed) {
    if (!method.equals(allowed)) {
      throw new RestClientException("HTTP 405 Method Not Allowed", 405, 405);
    }
  }

  private static int version(String raw) {
    if (raw.equals("latest") || raw.equals("-1")) {
      return -1;
    }
    try {
      int v = Integer.parseInt(raw);
      if (v > 0) {
        return v;
      }
    } catch (NumberFormatException ignored) {
      // fall through
    }
    throw new RestClientException("The specified version '" + raw + "' is not a valid version id. Allowed values are"
        + " between [1, 2^31-1] and the string \"latest\"", 422, RestClientException.INVALID_VERSION);
  }

  private static int id(String raw) {
    try {
      return Integer.parseInt(raw);
    } catch (NumberFormatException e) {
      throw new RestClientException("Schema " + raw + " not found", 404, RestClientException.SCHEMA_NOT_FOUND);
    }
  }

  private static Schema schemaOf(HttpExchange exchange) throws IOException {
    JsonNode body = bodyOf(exchange);
    JsonNode type = body.get("schemaType");
    if (type != null && !type.isNull() && !"AVRO".equals(type.asText())) {
      throw new RestClientException("Unsupported schema type " + type.asText() + "; this registry supports AVRO",
          422, RestClientException.INVALID_SCHEMA);
    }
    JsonNode references = body.get("references");
    if (references != null && references.isArray() && !references.isEmpty()) {
      throw new RestClientException("Schema references are not supported by this registry", 422,
          RestClientException.INVALID_SCHEMA);
    }
    JsonNode schema = body.get("schema");
    return RegisteredSchema.parse(schema == null || !schema.isTextual() ? null : schema.asText());
  }

  private static CompatibilityLevel levelOf(HttpExchange exchange) throws IOException {
    String raw = bodyOf(exchange).path("compatibility").asText(null);
    try {
      return CompatibilityLevel.parse(raw);
    } catch (IllegalArgumentException e) {
      throw new RestClientException(e.getMessage(), 422, RestClientException.INVALID_COMPATIBILITY_LEVEL);
    }
  }

  private static JsonNode bodyOf(HttpExchange exchange) throws IOException {
    byte[] bytes;
    try (InputStream in = exchange.getRequestBody()) {
      bytes = in.readNBytes(MAX_BODY_BYTES + 1);
    }
    if (bytes.length > MAX_BODY_BYTES) {
      throw new RestClientException("Request body larger than " + MAX_BODY_BYTES + " bytes", 422,
          RestClientException.INVALID_SCHEMA);
    }
    try {
      JsonNode node = JSON.readTree(bytes);
      if (node == null || !node.isObject()) {
        throw new RestClientException("Request body must be a JSON object", RestClientException.MALFORMED_REQUEST,
            RestClientException.MALFORMED_REQUEST);
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new RestClientException(e.getOriginalMessage(), RestClientException.MALFORMED_REQUEST,
          RestClientException.MALFORMED_REQUEST);
    }
  }

  private static JsonNode registered(RegisteredSchema r) {
    return JSON.createObjectNode().put("subject", r.subject()).put("version", r.version()).put("id", r.id())
        .put("schema", r.schema().toString());
  }

  private static JsonNode strings(List<String> values) {
    ArrayNode array = JSON.createArrayNode();
    values.forEach(array::add);
    return array;
  }

  private static ObjectNode error(int code, String message) {
    return JSON.createObjectNode().put("error_code", code).put("message", message);
  }

  private static List<String> segments(String rawPath) {
    List<String> out = new ArrayList<>();
    for (String s : (rawPath == null ? "" : rawPath).split("/")) {
      if (!s.isEmpty()) {
        out.add(URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  private static Map<String, String> query(String rawQuery) {
    Map<String, String> out = new HashMap<>();
    if (rawQuery != null) {
      for (String pair : rawQuery.split("&")) {
        int eq = pair.indexOf('=');
        String key = eq < 0 ? pair : pair.substring(0, eq);
        String value = eq < 0 ? "" : pair.substring(eq + 1);
        out.put(URLDecoder.decode(key, StandardCharsets.UTF_8), URLDecoder.decode(value, StandardCharsets.UTF_8));
      }
    }
    return out;
  }
}
