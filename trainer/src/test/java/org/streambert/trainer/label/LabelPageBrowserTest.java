package org.streambert.trainer.label;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.schemas.avro.EntitySpan;
import org.streambert.schemas.avro.TrainingExample;
import org.streambert.schemas.signing.SigningKey;
import org.streambert.schemas.signing.TrustedKeys;

/**
 * The labelling page in a real browser: headless Chromium driven over the DevTools protocol (the JDK's WebSocket
 * client, no WebDriver), on a phone-sized screen, against a real broker. A person logs in, labels one request's class
 * with a key, corrects another's entity by dragging the mouse over two words and pressing the type's key, and skips a
 * third; the test then reads the TrainingExamples from the topic. Skipped, with a message, when Chromium is missing
 * ({@code .ci/run} installs it). Leaves a screenshot in {@code target/labelling-page.png}.
 */
class LabelPageBrowserTest {

  static final Path CHROMIUM = Path.of(System.getProperty("chromium", "/usr/bin/chromium"));
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  @Test
  void shouldLabelAClassCorrectAnEntityAndSkipWithClicksAndKeys() throws Exception {
    assumeTrue(Files.isExecutable(CHROMIUM), "skipped: no Chromium at " + CHROMIUM + " (apt-get install -y "
        + "chromium, as .ci/run does; or -Dchromium=PATH)");
    TrainingExample classed = LabelPageFixture.request("The match ended in a draw after extra time.", "business",
        0.41f, List.of());
    TrainingExample entity = LabelPageFixture.request("Alice Smith flew to Paris \u2708\uFE0F on Monday.", "tech",
        0.55f, List.of(new EntitySpan("PER", 0, 5), new EntitySpan("LOC", 20, 25)));
    TrainingExample skipped = LabelPageFixture.request("Unclear text \uD83D\uDE00 here.", "tech", 0.35f, List.of());
    try (LabelPageFixture fixture = new LabelPageFixture(dir)) {
      fixture.produceRequests(List.of(classed, entity, skipped));
      fixture.produceRounds(0.41, 0.58, 0.55, 0.67, 0.72);
      String base = fixture.startPage();
      Process chromium = new ProcessBuilder(CHROMIUM.toString(), "--headless=new", "--no-sandbox", "--disable-gpu",
          "--no-first-run", "--remote-debugging-port=0", "--user-data-dir=" + dir.resolve("profile"), "about:blank")
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      try (Cdp cdp = Cdp.connect(devtoolsUrl(chromium))) {
        cdp.send("Emulation.setDeviceMetricsOverride", JSON.createObjectNode().put("width", 412).put("height", 900)
            .put("deviceScaleFactor", 2).put("mobile", true));
        cdp.navigate(base + "/login");
        cdp.waitFor("document.getElementById('user') !== null");
        cdp.eval("document.getElementById('user').value = 'alice'; document.getElementById('password').value = '"
            + LabelPageFixture.PASSWORD + "'; true");
        cdp.click("#login-button");
        cdp.waitFor("document.getElementById('text') && document.getElementById('text').textContent.indexOf("
            + "'The match') === 0");

        // 1. A class: the model said business; key 2 picks sports (classes business, sports, tech), Enter sends.
        cdp.key("2", "Digit2", 50);
        assertEquals("sports", cdp.eval("document.querySelector('input[name=class]:checked').value").asText());
        cdp.key("Enter", "Enter", 13);
        cdp.waitFor("document.getElementById('text').textContent.indexOf('Alice Smith') === 0");

        // 2. An entity: the model marked only "Alice" as PER; drag over "Alice Smith", key 2 (types LOC, PER).
        double[] from = cdp.rect("#text span[data-s='0']");
        double[] to = cdp.rect("#text span[data-s='6']");
        cdp.drag(from[0] + 2, from[1] + from[3] / 2, to[0] + to[2] - 2, to[1] + to[3] / 2);
        cdp.key("2", "Digit2", 50);
        assertEquals("PER", cdp.eval("document.querySelector('#text span.first').dataset.type").asText());
        assertEquals(5, cdp.eval("document.querySelectorAll('#chart circle').length").asInt(),
            "the served model's held-out score of each round");
        Files.createDirectories(Path.of("target"));
        Files.write(Path.of("target", "labelling-page.png"), cdp.screenshot());
        cdp.click("#submit");
        cdp.waitFor("document.getElementById('text').textContent.indexOf('Unclear') === 0");

        // 3. A skip, with its key.
        cdp.key("s", "KeyS", 83);
        cdp.waitFor("!document.getElementById('empty').hidden");
      } finally {
        chromium.destroy();
        chromium.waitFor(10, TimeUnit.SECONDS);
      }

      List<Map.Entry<String, TrainingExample>> written = fixture.examples();
      assertEquals(2, written.size(), "two answers; the skip wrote nothing: " + written);
      TrustedKeys page = TrustedKeys.of(SigningKey.read(fixture.key));
      TrainingExample first = written.stream().filter(e -> e.getValue().getId().equals(classed.getId()))
          .findFirst().orElseThrow().getValue();
      assertEquals("sports", first.getLabel());
      assertEquals("alice", first.getLabeller());
      assertNull(page.check(first));
      TrainingExample second = written.stream().filter(e -> e.getValue().getId().equals(entity.getId()))
          .findFirst().orElseThrow().getValue();
      assertEquals(List.of(new EntitySpan("PER", 0, 11), new EntitySpan("LOC", 20, 25)), second.getEntities());
      assertEquals("tech", second.getLabel(), "the suggested class, kept");
      assertEquals("labelling-page:correct", second.getSource());
      assertEquals("news@7", second.getModelVersion());
      assertNull(page.check(second));
      assertTrue(written.stream().noneMatch(e -> e.getValue().getId().equals(skipped.getId())));
    }
  }

  /** The browser's DevTools WebSocket URL, from the line Chromium prints on standard error. */
  private static String devtoolsUrl(Process chromium) throws Exception {
    CompletableFuture<String> url = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(chromium.getErrorStream(),
          StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          int at = line.indexOf("ws://");
          if (line.startsWith("DevTools listening on") && at >= 0) {
            url.complete(line.substring(at).strip());
          }
        }
      } catch (Exception e) {
        url.completeExceptionally(e);
      }
    }, "chromium-stderr");
    reader.setDaemon(true);
    reader.start();
    return url.get(60, TimeUnit.SECONDS);
  }

  /** A minimal DevTools protocol client over the JDK's WebSocket, attached to the browser's first page. */
  static final class Cdp implements AutoCloseable, WebSocket.Listener {
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();
    private final StringBuilder partial = new StringBuilder();
    private WebSocket socket;
    private String session;

    static Cdp connect(String browserUrl) throws Exception {
      Cdp cdp = new Cdp();
      cdp.socket = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(URI.create(browserUrl), cdp)
          .get(30, TimeUnit.SECONDS);
      JsonNode targets = cdp.call("Target.getTargets", JSON.createObjectNode(), null);
      String page = null;
      for (JsonNode t : targets.path("targetInfos")) {
        if (t.path("type").asText().equals("page")) {
          page = t.path("targetId").asText();
        }
      }
      if (page == null) {
        page = cdp.call("Target.createTarget", JSON.createObjectNode().put("url", "about:blank"), null)
            .path("targetId").asText();
      }
      cdp.session = cdp.call("Target.attachToTarget", JSON.createObjectNode().put("targetId", page)
          .put("flatten", true), null).path("sessionId").asText();
      cdp.send("Page.enable", JSON.createObjectNode());
      return cdp;
    }

    JsonNode send(String method, ObjectNode params) throws Exception {
      return call(method, params, session);
    }

    private JsonNode call(String method, ObjectNode params, String sessionId) throws Exception {
      int id = ids.incrementAndGet();
      ObjectNode msg = JSON.createObjectNode().put("id", id).put("method", method);
      msg.set("params", params);
      if (sessionId != null) {
        msg.put("sessionId", sessionId);
      }
      CompletableFuture<JsonNode> reply = new CompletableFuture<>();
      pending.put(id, reply);
      socket.sendText(JSON.writeValueAsString(msg), true).get(30, TimeUnit.SECONDS);
      JsonNode r = reply.get(60, TimeUnit.SECONDS);
      if (r.has("error")) {
        throw new IllegalStateException(method + ": " + r.get("error"));
      }
      return r.path("result");
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        try {
          JsonNode m = JSON.readTree(partial.toString());
          CompletableFuture<JsonNode> f = m.has("id") ? pending.remove(m.get("id").asInt()) : null;
          if (f != null) {
            f.complete(m);
          }
        } catch (Exception e) {
          // an event we cannot parse is ignored
        }
        partial.setLength(0);
      }
      ws.request(1);
      return null;
    }

    void navigate(String url) throws Exception {
      send("Page.navigate", JSON.createObjectNode().put("url", url));
    }

    JsonNode eval(String expression) throws Exception {
      JsonNode r = send("Runtime.evaluate", JSON.createObjectNode().put("expression", expression)
          .put("returnByValue", true).put("awaitPromise", true));
      if (r.has("exceptionDetails")) {
        throw new IllegalStateException(expression + ": " + r.get("exceptionDetails"));
      }
      return r.path("result").path("value");
    }

    void waitFor(String condition) throws Exception {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (true) {
        try {
          if (eval("!!(" + condition + ")").asBoolean()) {
            return;
          }
        } catch (IllegalStateException e) {
          // the page is navigating
        }
        if (System.nanoTime() > deadline) {
          throw new AssertionError("timed out waiting for " + condition + "; page: "
              + eval("document.body ? document.body.innerText : ''"));
        }
        Thread.sleep(100);
      }
    }

    /** {x, y, width, height} of the first element matching {@code selector}, in CSS pixels. */
    double[] rect(String selector) throws Exception {
      JsonNode r = eval("(() => { const b = document.querySelector(\"" + selector + "\").getBoundingClientRect(); "
          + "return [b.left, b.top, b.width, b.height]; })()");
      return new double[] {r.get(0).asDouble(), r.get(1).asDouble(), r.get(2).asDouble(), r.get(3).asDouble()};
    }

    void click(String selector) throws Exception {
      // The element's place is final only once the page (its stylesheet included) has loaded: a click computed
      // earlier can land beside the element when the layout moves under it (seen once on a loaded CI machine).
      waitFor("document.readyState === 'complete'");
      double[] b = rect(selector);
      mouse("mousePressed", b[0] + b[2] / 2, b[1] + b[3] / 2, 1);
      mouse("mouseReleased", b[0] + b[2] / 2, b[1] + b[3] / 2, 1);
    }

    void drag(double x0, double y0, double x1, double y1) throws Exception {
      mouse("mousePressed", x0, y0, 1);
      for (int i = 1; i <= 5; i++) {
        mouse("mouseMoved", x0 + (x1 - x0) * i / 5, y0 + (y1 - y0) * i / 5, 1);
      }
      mouse("mouseReleased", x1, y1, 1);
    }

    private void mouse(String type, double x, double y, int clicks) throws Exception {
      ObjectNode p = JSON.createObjectNode().put("type", type).put("x", x).put("y", y).put("clickCount", clicks);
      if (!type.equals("mouseMoved")) {
        p.put("button", "left");
      } else {
        p.put("button", "left").put("buttons", 1);
      }
      send("Input.dispatchMouseEvent", p);
    }

    void key(String key, String code, int keyCode) throws Exception {
      for (String type : List.of("keyDown", "keyUp")) {
        ObjectNode p = JSON.createObjectNode().put("type", type).put("key", key).put("code", code)
            .put("windowsVirtualKeyCode", keyCode);
        if (type.equals("keyDown") && key.length() == 1) {
          p.put("text", key);
        }
        send("Input.dispatchKeyEvent", p);
      }
    }

    byte[] screenshot() throws Exception {
      return Base64.getDecoder().decode(send("Page.captureScreenshot", JSON.createObjectNode().put("format", "png"))
          .path("data").asText());
    }

    @Override
    public void close() {
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "done");
    }
  }
}
