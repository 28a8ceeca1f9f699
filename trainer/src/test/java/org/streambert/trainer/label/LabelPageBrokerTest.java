package org.streambert.trainer.label;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.schemas.avro.EntitySpan;
import org.streambert.schemas.avro.TrainingExample;
import org.streambert.schemas.signing.SigningKey;
import org.streambert.schemas.signing.TrustedKeys;
import org.streambert.trainer.ExitCodes;
import org.streambert.trainer.TrainerApp;

/**
 * {@code trainer label} over HTTP against a real broker: who may label (login, CSRF, origin), each answer written
 * once as a signed TrainingExample with the labeller, time and model version (double submit, reload, restart), span
 * snapping and input bounds, skip and "not applicable", the Label Studio export of the queue, and TLS required off
 * loopback. Tests run in order on one broker.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LabelPageBrokerTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TrainingExample FIRST = LabelPageFixture.request("Shares of Acme rose 5% on Monday.",
      "business", 0.52f, List.of());
  private static final TrainingExample SECOND = LabelPageFixture.request("Alice Smith visited Paris, France.",
      "sports", 0.47f, List.of(new EntitySpan("PER", 0, 5)));
  private static final TrainingExample THIRD = LabelPageFixture.request("Nothing to see \uD83D\uDE00 here.",
      "tech", 0.40f, List.of());
  private static final TrainingExample FOURTH = LabelPageFixture.request("Rain expected in Oslo.", "tech", 0.38f,
      List.of());

  @TempDir
  static Path dir;
  private static LabelPageFixture fixture;
  private static String base;

  @BeforeAll
  static void start() throws Exception {
    fixture = new LabelPageFixture(dir);
    fixture.produceRequests(List.of(FIRST, SECOND, THIRD, FOURTH));
    base = fixture.startPage("--double-label-share", "0");
  }

  @AfterAll
  static void stop() throws Exception {
    if (fixture != null) {
      fixture.close();
    }
  }

  private static HttpResponse<String> get(HttpClient c, String path) throws Exception {
    return c.send(HttpRequest.newBuilder(URI.create(base + path)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> post(HttpClient c, String path, String csrf, String origin, String body)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (csrf != null) {
      b.header("X-CSRF-Token", csrf);
    }
    if (origin != null) {
      b.header("Origin", origin);
    }
    return c.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String csrf(HttpClient c) throws Exception {
    return JSON.readTree(get(c, "/api/session").body()).path("csrf").asText();
  }

  private static JsonNode next(HttpClient c) throws Exception {
    HttpResponse<String> r = get(c, "/api/next");
    assertEquals(200, r.statusCode(), r.body());
    return JSON.readTree(r.body()).path("request");
  }

  @Test
  @Order(1)
  void shouldLetOnlyLoggedInUsersReadAndOnlyThisPageWrite() throws Exception {
    HttpClient anonymous = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    assertEquals(401, get(anonymous, "/api/next").statusCode());
    assertEquals(303, get(anonymous, "/").statusCode());
    HttpResponse<String> login = get(anonymous, "/login");
    assertEquals(200, login.statusCode());
    assertTrue(login.headers().firstValue("Content-Security-Policy").orElse("").contains("script-src 'self'"));
    HttpResponse<String> wrong = anonymous.send(HttpRequest.newBuilder(URI.create(base + "/login"))
        .header("Content-Type", "application/x-www-form-urlencoded").header("Origin", base)
        .POST(HttpRequest.BodyPublishers.ofString("user=alice&password=guess")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals("/login?failed", wrong.headers().firstValue("Location").orElse(""));
    assertTrue(wrong.headers().allValues("Set-Cookie").isEmpty(), "no session for a wrong password");

    HttpClient alice = LabelPageFixture.login(base, "alice");
    String body = "{\"requestId\":\"" + FIRST.getId() + "\",\"kind\":\"accept\"}";
    assertEquals(403, post(alice, "/api/answer", null, base, body).statusCode(), "no CSRF token");
    assertEquals(403, post(alice, "/api/answer", "forged", base, body).statusCode(), "a wrong token");
    assertEquals(403, post(alice, "/api/answer", csrf(alice), "https://evil.example", body).statusCode(),
        "another origin");
    assertTrue(fixture.examples().isEmpty(), "nothing written");
  }

  @Test
  @Order(2)
  void shouldWriteAnAnswerOnceSignedEvenWhenSentTwiceOrReloaded() throws Exception {
    HttpClient alice = LabelPageFixture.login(base, "alice");
    String csrf = csrf(alice);
    JsonNode shown = next(alice);
    assertEquals(FIRST.getId(), shown.path("id").asText());
    assertEquals("business", shown.path("label").asText());
    assertEquals(0.52, shown.path("score").asDouble(), 1e-6);
    assertEquals("news@7", shown.path("modelVersion").asText());
    String body = "{\"requestId\":\"" + FIRST.getId() + "\",\"kind\":\"accept\"}";
    assertEquals("written", JSON.readTree(post(alice, "/api/answer", csrf, base, body).body()).path("status")
        .asText());
    assertEquals("already answered", JSON.readTree(post(alice, "/api/answer", csrf, base, body).body())
        .path("status").asText(), "the same answer sent twice");
    assertEquals(SECOND.getId(), next(alice).path("id").asText(), "a reload shows the next request");

    List<Map.Entry<String, TrainingExample>> written = fixture.examples();
    assertEquals(1, written.size());
    assertEquals(FIRST.getId() + "/alice", written.get(0).getKey(), "the idempotency key is request + labeller");
    TrainingExample e = written.get(0).getValue();
    assertEquals("alice", e.getLabeller());
    assertEquals("news@7", e.getModelVersion());
    assertEquals("business", e.getLabel());
    assertEquals(List.of(), e.getEntities());
    assertNull(TrustedKeys.of(SigningKey.read(fixture.key)).check(e), "signed with the page's labeller key");
  }

  @Test
  @Order(3)
  void shouldSnapCorrectedSpansToWordsAndRefuseBadInput() throws Exception {
    HttpClient alice = LabelPageFixture.login(base, "alice");
    String csrf = csrf(alice);
    JsonNode shown = next(alice);
    assertEquals(SECOND.getId(), shown.path("id").asText());
    assertEquals("[[0,5],[6,11],[12,19],[20,25],[25,26],[27,33],[33,34]]", shown.path("words").toString(),
        "the words the model trains on, in code points");
    String id = SECOND.getId();
    assertEquals(400, post(alice, "/api/answer", csrf, base, "{\"requestId\":\"" + id + "\",\"kind\":\"correct\","
        + "\"label\":\"weather\",\"entities\":[]}").statusCode(), "an unknown class");
    assertEquals(400, post(alice, "/api/answer", csrf, base, "{\"requestId\":\"" + id + "\",\"kind\":\"correct\","
        + "\"label\":\"tech\",\"entities\":[{\"type\":\"PER\",\"start\":30,\"end\":99}]}").statusCode());
    assertEquals(400, post(alice, "/api/answer", csrf, base, "{\"requestId\":\"" + id + "\",\"kind\":\"guess\"}")
        .statusCode());
    assertEquals(413, post(alice, "/api/answer", csrf, base, "{\"x\":\"" + "a".repeat(300_000) + "\"}")
        .statusCode());
    assertEquals(400, post(alice, "/api/answer", csrf, base, "[1, 2").statusCode());
    HttpResponse<String> ok = post(alice, "/api/answer", csrf, base, "{\"requestId\":\"" + id + "\",\"kind\":"
        + "\"correct\",\"label\":\"tech\",\"entities\":[{\"type\":\"PER\",\"start\":2,\"end\":8},"
        + "{\"type\":\"LOC\",\"start\":20,\"end\":24}]}");
    assertEquals(200, ok.statusCode(), ok.body());
    TrainingExample e = fixture.examples().stream().filter(x -> x.getValue().getId().equals(id)).findFirst()
        .orElseThrow().getValue();
    assertEquals(List.of(new EntitySpan("PER", 0, 11), new EntitySpan("LOC", 20, 25)), e.getEntities(),
        "partial words grew to whole words");
    assertEquals("tech", e.getLabel());
    assertEquals("labelling-page:correct", e.getSource());
  }

  @Test
  @Order(4)
  void shouldWriteNothingOnSkipAndNoLabelsForNotApplicable() throws Exception {
    HttpClient bob = LabelPageFixture.login(base, "bob");
    String csrf = csrf(bob);
    assertEquals(THIRD.getId(), next(bob).path("id").asText());
    assertEquals(200, post(bob, "/api/skip", csrf, base, "{\"requestId\":\"" + THIRD.getId() + "\"}").statusCode());
    assertEquals(FOURTH.getId(), next(bob).path("id").asText());
    assertEquals(200, post(bob, "/api/answer", csrf, base, "{\"requestId\":\"" + FOURTH.getId()
        + "\",\"kind\":\"not_applicable\"}").statusCode());
    List<Map.Entry<String, TrainingExample>> all = fixture.examples();
    assertTrue(all.stream().noneMatch(x -> x.getValue().getId().equals(THIRD.getId())), "a skip writes nothing");
    TrainingExample na = all.stream().filter(x -> x.getValue().getId().equals(FOURTH.getId())).findFirst()
        .orElseThrow().getValue();
    assertNull(na.getLabel());
    assertNull(na.getEntities());
    assertEquals("bob", na.getLabeller());
    JsonNode progress = JSON.readTree(get(bob, "/api/progress").body());
    assertEquals(1, progress.path("open").asInt(), "only the skipped request is open");
    assertEquals(3, progress.path("labelsLastHour").asInt());
    JsonNode tasks = JSON.readTree(get(bob, "/export/label-studio").body());
    assertEquals(1, tasks.size());
    assertEquals(THIRD.getText(), tasks.get(0).path("data").path("text").asText());
  }

  @Test
  @Order(5)
  void shouldNotWriteAgainAfterARestart() throws Exception {
    base = fixture.startPage("--double-label-share", "0");
    HttpClient alice = LabelPageFixture.login(base, "alice");
    String body = "{\"requestId\":\"" + FIRST.getId() + "\",\"kind\":\"accept\"}";
    HttpResponse<String> again = post(alice, "/api/answer", csrf(alice), base, body);
    assertEquals("already answered", JSON.readTree(again.body()).path("status").asText(), again.body());
    assertEquals(3, fixture.examples().size(), "three answers, each once");
  }

  @Test
  @Order(6)
  void shouldRefuseToServeOffLoopbackWithoutTls() {
    assertEquals(ExitCodes.BAD_INPUT, TrainerApp.run(new String[] {"label", "--bootstrap-servers",
        fixture.broker.bootstrapServers(), "--schema-registry-url", fixture.registry, "--users-file",
        fixture.users.toString(), "--labeller-key", fixture.key.toString(), "--bind", "0.0.0.0"}));
  }
  @Test
  @Order(7)
  void shouldExportTheQueueAndImportLabelStudiosAnswersOnceFromTheCommandLine() throws Exception {
    fixture.stopPage(); // one writer per labeller key: the import below signs with the page's key
    String[] kafka = {"label", "--bootstrap-servers", fixture.broker.bootstrapServers(), "--schema-registry-url",
        fixture.registry, "--labeller-key", fixture.key.toString()};
    Path tasks = dir.resolve("tasks.json");
    assertEquals(ExitCodes.OK, TrainerApp.run(with(kafka, "--export-label-studio", tasks.toString())));
    JsonNode exported = JSON.readTree(tasks.toFile());
    assertEquals(1, exported.size(), "the request bob skipped is still open");
    ObjectNode task = (ObjectNode) exported.get(0);
    assertEquals(THIRD.getId(), task.path("data").path("request_id").asText());
    // In Label Studio, annotator 7 accepts the prediction; its JSON export comes back.
    task.putArray("annotations").addObject().put("completed_by", 7).put("was_cancelled", false)
        .set("result", task.path("predictions").get(0).path("result"));
    Path export = dir.resolve("export.json");
    JSON.writeValue(export.toFile(), exported);
    assertEquals(ExitCodes.OK, TrainerApp.run(with(kafka, "--import-label-studio", export.toString())));
    assertEquals(ExitCodes.OK, TrainerApp.run(with(kafka, "--import-label-studio", export.toString())),
        "imported twice");
    List<TrainingExample> imported = fixture.examples().stream().map(Map.Entry::getValue)
        .filter(e -> e.getId().equals(THIRD.getId())).toList();
    assertEquals(1, imported.size(), "once per request and annotator");
    assertEquals("label-studio:7", imported.get(0).getLabeller());
    assertEquals("tech", imported.get(0).getLabel());
    assertNull(TrustedKeys.of(SigningKey.read(fixture.key)).check(imported.get(0)));
  }

  private static String[] with(String[] base, String... more) {
    List<String> all = new java.util.ArrayList<>(List.of(base));
    all.addAll(List.of(more));
    return all.toArray(String[]::new);
  }
}
