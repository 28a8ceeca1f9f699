package org.streambert.schemas.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The embedded server's REST API and Confluent error bodies, spoken to with a plain HTTP client. */
class EmbeddedSchemaRegistryTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
  private static final String SCHEMA_A =
      "{\"type\":\"record\",\"name\":\"A\",\"fields\":[{\"name\":\"x\",\"type\":\"string\"}]}";
  private static final String SCHEMA_A2 = "{\"type\":\"record\",\"name\":\"A\",\"fields\":[{\"name\":\"x\","
      + "\"type\":\"string\"},{\"name\":\"y\",\"type\":\"int\",\"default\":0}]}";
  private static EmbeddedSchemaRegistry registry;
  private static HttpClient http;

  private final String subject = "s-" + UUID.randomUUID();

  record Answer(int status, JsonNode body, String contentType) {}

  @BeforeAll
  static void start() {
    registry = EmbeddedSchemaRegistry.start(0);
    http = HttpClient.newHttpClient();
  }

  @AfterAll
  static void stop() {
    registry.close();
  }

  private static Answer call(String method, String path, String body) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(registry.url() + path))
        .header("Content-Type", CONTENT_TYPE)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .build();
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    return new Answer(response.statusCode(), JSON.readTree(response.body()),
        response.headers().firstValue("Content-Type").orElse(""));
  }

  private static String schemaBody(String schema) {
    return JSON.createObjectNode().put("schema", schema).toString();
  }

  private static void assertError(Answer answer, int status, int errorCode) {
    assertEquals(status, answer.status(), answer.body().toString());
    assertEquals(errorCode, answer.body().path("error_code").asInt(), answer.body().toString());
    assertFalse(answer.body().path("message").asText().isEmpty(), "message present");
  }

  @Test
  void shouldBindLoopbackAndReportUrl() {
    assertTrue(registry.url().startsWith("http://127.0.0.1:"));
    assertEquals(registry.port(), URI.create(registry.url()).getPort());
  }

  @Test
  void shouldRegisterAndFetchByIdWithConfluentContentType() throws Exception {
    Answer registered = call("POST", "/subjects/" + subject + "/versions", schemaBody(SCHEMA_A));
    assertEquals(200, registered.status());
    assertEquals(CONTENT_TYPE, registered.contentType());
    int id = registered.body().get("id").asInt();
    Answer byId = call("GET", "/schemas/ids/" + id, null);
    assertEquals(JSON.readTree(SCHEMA_A), JSON.readTree(byId.body().get("schema").asText()));
  }

  @Test
  void shouldAnswerLatestVersionAndLookup() throws Exception {
    call("POST", "/subjects/" + subject + "/versions", schemaBody(SCHEMA_A));
    int id2 = call("POST", "/subjects/" + subject + "/versions", schemaBody(SCHEMA_A2)).body().get("id").asInt();
    Answer latest = call("GET", "/subjects/" + subject + "/versions/latest", null);
    assertEquals(subject, latest.body().get("subject").asText());
    assertEquals(2, latest.body().get("version").asInt());
    assertEquals(id2, latest.body().get("id").asInt());
    Answer lookup = call("POST", "/subjects/" + subject, schemaBody(SCHEMA_A));
    assertEquals(1, lookup.body().get("version").asInt());
    assertEquals("[1,2]", call("GET", "/subjects/" + subject + "/versions", null).body().toString());
  }

  @Test
  void shouldReturnSameIdForIdenticalSchemaInAnotherSubjectAndNotAddVersionOnReregistration() throws Exception {
    int first = call("POST", "/subjects/" + subject + "/versions", schemaBody(SCHEMA_A)).body().get("id").asInt();
    int again = call("POST", "/subjects/" + subject + "/versions", schemaBody(SCHEMA_A)).body().get("id").asInt();
    int other = call("POST", "/subjects/" + subject + "-other/versions", schemaBody(SCHEMA_A)).body().get("id")
        .asInt();
    assertEquals(first, again);
    assertEquals(first, other);
    assertEquals(1, call("GET", "/subjects/" + subject + "/versions", null).body().size());
  }

  @Test
  void shouldAnswerMalformedJsonWith400() throws Exception {
    assertError(call("POST", "/subjects/" + subject + "/versions", "{\"schema\": "), 400, 400);
  }

  @Test
  void shouldAnswerInvalidAvroSchemaWith42201() throws Exception {
    assertError(call("POST", "/subjects/" + subject + "/versions", schemaBody("{\"type\":\"record\"}")), 422, 42201);
  }

  @Test
  void shouldAnswerUnsupportedSchemaTypeWith42201() throws Exception {
    String body = JSON.createObjectNode().put("schema", "syntax = \"proto3\";").put("schemaType", "PROTOBUF")
        .toString();
    assertError(call("POST", "/subjects/" + subject + "/versions", body), 422, 42201);
  }

  @Test
  void shouldAnswerUnknownSubjectWith40401() throws Exception {
    assertError(call("GET", "/subjects/" + subject + "/versions/latest", null), 404, 40401);
  }

  @Test
  void shouldAnswerUnknownVersionWith40402() throws Exception {
    call("POST", "/subjects/" + subject + "/versions", schemaBody(SCHEMA_A));
    assertError(call("GET", "/subjects/" + subject + "/versions/7", null), 404, 40402);
  }

  @Test
  void shouldAnswerInvalidVersionWith42202() throws Exception {
    call("POST", "/subjects/" + subject + "/versions", schemaBody(SCHEMA_A));
    assertError(call("GET", "/subjects/" + subject + "/versions/zero", null), 422, 42202);
  }

  @Test
  void shouldAnswerUnknownIdWith40403() throws Exception {
    assertError(call("GET", "/schemas/ids/987654", null), 404, 40403);
  }

  @Test
  void shouldAnswerLookupOfUnregisteredSchemaWith40403() throws Exception {
    call("POST", "/subjects/" + subject + "/versions", schemaBody(SCHEMA_A));
    assertError(call("POST", "/subjects/" + subject, schemaBody(SCHEMA_A2)), 404, 40403);
  }

  @Test
  void shouldAnswerIncompatibleSchemaWith40901() throws Exception {
    call("POST", "/subjects/" + subject + "/versions", schemaBody(SCHEMA_A));
    String changedType = SCHEMA_A.replace("\"string\"", "\"int\"");
    assertError(call("POST", "/subjects/" + subject + "/versions", schemaBody(changedType)), 409, 40901);
  }

  @Test
  void shouldReportCompatibilityWithReasonsWhenVerbose() throws Exception {
    call("POST", "/subjects/" + subject + "/versions", schemaBody(SCHEMA_A));
    String changedType = SCHEMA_A.replace("\"string\"", "\"int\"");
    Answer answer = call("POST", "/compatibility/subjects/" + subject + "/versions/latest?verbose=true",
        schemaBody(changedType));
    assertFalse(answer.body().get("is_compatible").asBoolean());
    assertTrue(answer.body().get("messages").get(0).asText().contains("TYPE_MISMATCH"), answer.body().toString());
    assertTrue(call("POST", "/compatibility/subjects/" + subject + "/versions/latest", schemaBody(SCHEMA_A2)).body()
        .get("is_compatible").asBoolean());
  }

  @Test
  void shouldSetAndGetSubjectCompatibilityAndRejectUnknownLevel() throws Exception {
    assertError(call("GET", "/config/" + subject, null), 404, 40408);
    assertEquals("BACKWARD",
        call("GET", "/config/" + subject + "?defaultToGlobal=true", null).body().get("compatibilityLevel").asText());
    Answer put = call("PUT", "/config/" + subject, "{\"compatibility\":\"FULL_TRANSITIVE\"}");
    assertEquals("FULL_TRANSITIVE", put.body().get("compatibility").asText());
    assertEquals("FULL_TRANSITIVE", call("GET", "/config/" + subject, null).body().get("compatibilityLevel").asText());
    assertError(call("PUT", "/config/" + subject, "{\"compatibility\":\"SIDEWAYS\"}"), 422, 42203);
  }

  @Test
  void shouldAnswerUnknownEndpointWith404AndWrongMethodWith405() throws Exception {
    assertError(call("GET", "/nothing/here", null), 404, 404);
    assertError(call("DELETE", "/schemas/ids/1", null), 405, 405);
  }

  @Test
  void shouldDecodeUrlEncodedSubjectNames() throws Exception {
    String odd = subject + " with space/and+plus";
    String encoded = URLEncoder.encode(odd, StandardCharsets.UTF_8).replace("+", "%20");
    assertEquals(200, call("POST", "/subjects/" + encoded + "/versions", schemaBody(SCHEMA_A)).status());
    assertTrue(call("GET", "/subjects", null).body().toString().contains(odd));
  }
}
