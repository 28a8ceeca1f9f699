package org.streambert.trainer.label.internals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.streambert.bert.tokenizer.TextWords;
import org.streambert.schemas.avro.EntitySpan;
import org.streambert.schemas.avro.TrainingExample;
import org.streambert.trainer.label.LabelStudio;

/**
 * The labelling page over HTTP(S) (the JDK's {@code com.sun.net.httpserver}): a login form against the users file,
 * a session cookie ({@code HttpOnly}, {@code SameSite=Strict}, {@code Secure} over TLS), a CSRF token per session
 * that every write must echo in {@code X-CSRF-Token} (and an {@code Origin} that must be this page's), the page
 * itself (HTML, CSS and a little JavaScript from the classpath, under a Content-Security-Policy that allows nothing
 * but this origin's own files), and a small JSON API: the next request, an answer, a skip, progress, and the queue as
 * Label Studio tasks. Every input is bounded (body size, field lengths, span counts) and every error is a typed JSON
 * reply; no answer is written twice for one person and request ({@link LabelLoop#write}).
 */
public final class LabelServer implements AutoCloseable {

  /** Largest request body read. */
  public static final int MAX_BODY_BYTES = 256 * 1024;
  /** Sessions kept at once, and how long one lives without use. */
  public static final int MAX_SESSIONS = 10_000;
  public static final Duration SESSION_IDLE = Duration.ofHours(12);
  /** Failed logins per user name before it is locked for {@link #LOCKOUT}. */
  public static final int MAX_FAILED_LOGINS = 5;
  public static final Duration LOCKOUT = Duration.ofMinutes(1);

  static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
      + "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
  private static final String COOKIE = "label_session";
  private static final ObjectMapper JSON = new ObjectMapper();

  private record Session(String user, String csrf, Instant lastUse) {}

  private final HttpServer server;
  private final ExecutorService executor;
  private final Users users;
  private final LabelQueue queue;
  private final LabelLoop loop;
  private final boolean tls;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, Session> sessions = new ConcurrentHashMap<>();
  private final Map<String, Integer> failures = new ConcurrentHashMap<>();
  private final Map<String, Instant> locked = new ConcurrentHashMap<>();

  /**
   * Binds the page. TLS is used when {@code ssl} is given; the command refuses a non-loopback address without it.
   *
   * @param port 0 for any free port
   */
  public LabelServer(String host, int port, SSLContext ssl, Users users, LabelQueue queue, LabelLoop loop,
      Clock clock) throws IOException {
    this.users = users;
    this.queue = queue;
    this.loop = loop;
    this.clock = clock;
    this.tls = ssl != null;
    InetSocketAddress address = new InetSocketAddress(host, port);
    if (ssl != null) {
      HttpsServer https = HttpsServer.create(address, 64);
      https.setHttpsConfigurator(new HttpsConfigurator(ssl));
      server = https;
    } else {
      server = HttpServer.create(address, 64);
    }
    executor = new ThreadPoolExecutor(4, 4, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(256),
        r -> {
          Thread t = new Thread(r, "labelling-page-http");
          t.setDaemon(true);
          return t;
        }, new ThreadPoolExecutor.AbortPolicy());
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  /** The bound port. */
  public int port() {
    return server.getAddress().getPort();
  }

  private void handle(HttpExchange x) throws IOException {
    try {
      String path = x.getRequestURI().getPath();
      String method = x.getRequestMethod();
      switch (path) {
        case "/app.css" -> resource(x, "app.css", "text/css; charset=utf-8");
        case "/app.js" -> resource(x, "app.js", "text/javascript; charset=utf-8");
        case "/login" -> {
          if (method.equals("POST")) {
            login(x);
          } else {
            resource(x, "login.html", "text/html; charset=utf-8");
          }
        }
        default -> authenticated(x, path, method);
      }
    } catch (RuntimeException e) {
      try {
        json(x, 500, error("internal error"));
      } catch (IOException | RuntimeException ignored) {
        // the reply may already have started
      }
    } finally {
      x.close();
    }
  }

  private void authenticated(HttpExchange x, String path, String method) throws IOException {
    Session s = session(x);
    if (s == null) {
      if (path.startsWith("/api/") || path.startsWith("/export/")) {
        json(x, 401, error("log in first"));
      } else {
        redirect(x, "/login");
      }
      return;
    }
    if (method.equals("POST") && !sameOriginWithToken(x, s)) {
      json(x, 403, error("missing or wrong CSRF token or origin"));
      return;
    }
    if (!loop.caughtUp() && path.startsWith("/api/") && !path.equals("/api/session")) {
      json(x, 503, error("still reading the topics; try again in a moment"));
      return;
    }
    switch (method + " " + path) {
      case "GET /" -> resource(x, "page.html", "text/html; charset=utf-8");
      case "GET /api/session" -> {
        ObjectNode o = JSON.createObjectNode();
        o.put("user", s.user());
        o.put("csrf", s.csrf());
        json(x, 200, o);
      }
      case "GET /api/next" -> json(x, 200, next(s.user()));
      case "GET /api/progress" -> json(x, 200, progress());
      case "POST /api/answer" -> answer(x, s.user());
      case "POST /api/skip" -> skip(x, s.user());
      case "POST /logout" -> {
        sessions.values().remove(s);
        x.getResponseHeaders().add("Set-Cookie", COOKIE + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict"
            + (tls ? "; Secure" : ""));
        redirect(x, "/login");
      }
      case "GET /export/label-studio" -> {
        x.getResponseHeaders().set("Content-Disposition", "attachment; filename=\"label-studio-tasks.json\"");
        json(x, 200, LabelStudio.tasks(queue.openRequests()));
      }
      default -> json(x, 404, error("no such page"));
    }
  }

  private ObjectNode next(String user) {
    LabelQueue.Shown shown = queue.next(user, clock.instant());
    ObjectNode o = JSON.createObjectNode();
    o.set("progress", progress());
    if (shown == null) {
      o.putNull("request");
      return o;
    }
    TrainingExample r = shown.request();
    ObjectNode q = o.putObject("request");
    q.put("id", r.getId());
    q.put("text", r.getText());
    q.put("modelVersion", r.getModelVersion());
    q.put("label", r.getLabel());
    if (r.getScore() != null) {
      q.put("score", r.getScore());
    } else {
      q.putNull("score");
    }
    q.put("doubleLabelled", shown.doubleLabelled());
    if (r.getEntities() == null) {
      q.putNull("entities");
    } else {
      ArrayNode e = q.putArray("entities");
      r.getEntities().forEach(span -> e.addObject().put("type", span.getType()).put("start", span.getStart())
          .put("end", span.getEnd()));
    }
    ArrayNode words = q.putArray("words");
    TextWords w = TextWords.of(r.getText());
    for (int i = 0; i < w.size(); i++) {
      words.addArray().add(w.start(i)).add(w.end(i));
    }
    ArrayNode classes = q.putArray("classes");
    shown.classes().forEach(classes::add);
    ArrayNode types = q.putArray("types");
    shown.types().forEach(types::add);
    return o;
  }

  private ObjectNode progress() {
    LabelQueue.Progress p = queue.progress(clock.instant());
    ObjectNode o = JSON.createObjectNode();
    o.put("open", p.open());
    o.put("labelsLastHour", p.answeredLastHour());
    o.put("doubleLabelled", p.doubleLabelled());
    o.put("agreeing", p.agreeing());
    o.put("metric", p.metric());
    ArrayNode rounds = o.putArray("rounds");
    p.rounds().forEach(e -> rounds.addObject().put("round", e.getKey()).put("score", e.getValue()));
    return o;
  }

  private void answer(HttpExchange x, String user) throws IOException {
    JsonNode body = body(x);
    if (body == null) {
      return;
    }
    String id = body.path("requestId").asText("");
    String kind = body.path("kind").asText("");
    TrainingExample request = queue.requestOf(id);
    if (request == null) {
      json(x, queue.answerOf(id, user) != null ? 200 : 404, queue.answerOf(id, user) != null
          ? status("already answered") : error("no open request with this id"));
      return;
    }
    String label;
    List<EntitySpan> entities;
    try {
      switch (kind) {
        case "accept" -> {
          label = request.getLabel();
          entities = request.getEntities();
        }
        case "correct" -> {
          JsonNode l = body.path("label");
          label = l.isNull() || l.isMissingNode() ? null : l.asText();
          if (label != null && (label.length() > 100 || !queue.knowsClass(label))) {
            throw new IllegalArgumentException("unknown class (configure it with --classes)");
          }
          JsonNode e = body.path("entities");
          if (e.isNull() || e.isMissingNode()) {
            entities = null;
          } else if (!e.isArray() || e.size() > LabelQueue.MAX_SPANS) {
            throw new IllegalArgumentException("entities must be an array of at most " + LabelQueue.MAX_SPANS);
          } else {
            List<EntitySpan> spans = new ArrayList<>();
            for (JsonNode span : e) {
              if (!span.path("start").canConvertToInt() || !span.path("end").canConvertToInt()
                  || !span.path("type").isTextual() || span.path("type").asText().length() > 100) {
                throw new IllegalArgumentException("a span is {type, start, end} in code points");
              }
              spans.add(new EntitySpan(span.path("type").asText(), span.path("start").asInt(),
                  span.path("end").asInt()));
            }
            entities = queue.snap(request.getText(), spans);
          }
        }
        case "not_applicable" -> {
          label = null;
          entities = null;
        }
        default -> throw new IllegalArgumentException("kind is accept, correct or not_applicable");
      }
    } catch (IllegalArgumentException e) {
      json(x, 400, error(e.getMessage()));
      return;
    }
    TrainingExample answer = TrainingExample.newBuilder().setId(id).setText(request.getText()).setLabel(label)
        .setEntities(entities).setSource("labelling-page:" + kind).setCreatedAt(clock.instant()).setLabeller(user)
        .setModelVersion(request.getModelVersion()).build();
    LabelLoop.Written w = loop.write(answer);
    json(x, 200, status(w == LabelLoop.Written.WRITTEN ? "written" : "already answered"));
  }

  private void skip(HttpExchange x, String user) throws IOException {
    JsonNode body = body(x);
    if (body == null) {
      return;
    }
    String id = body.path("requestId").asText("");
    if (id.isEmpty() || id.length() > 200) {
      json(x, 400, error("requestId is 1 to 200 characters"));
      return;
    }
    queue.skip(user, id);
    json(x, 200, status("skipped"));
  }

  private JsonNode body(HttpExchange x) throws IOException {
    String type = x.getRequestHeaders().getFirst("Content-Type");
    if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
      json(x, 415, error("send application/json"));
      return null;
    }
    byte[] bytes = readBounded(x.getRequestBody(), MAX_BODY_BYTES);
    if (bytes == null) {
      json(x, 413, error("body larger than " + MAX_BODY_BYTES + " bytes"));
      return null;
    }
    try {
      JsonNode node = JSON.readTree(bytes);
      if (node == null || !node.isObject()) {
        throw new IOException("not an object");
      }
      return node;
    } catch (IOException e) {
      json(x, 400, error("body is not a JSON object"));
      return null;
    }
  }

  private void login(HttpExchange x) throws IOException {
    if (!sameOrigin(x)) {
      json(x, 403, error("cross-origin login refused"));
      return;
    }
    byte[] bytes = readBounded(x.getRequestBody(), 8 * 1024);
    Map<String, String> form = bytes == null ? Map.of() : form(new String(bytes, StandardCharsets.UTF_8));
    String user = form.getOrDefault("user", "");
    char[] password = form.getOrDefault("password", "").toCharArray();
    Instant now = clock.instant();
    Instant until = locked.get(user);
    boolean ok = (until == null || now.isAfter(until)) && Users.validName(user) && users.check(user, password);
    Arrays.fill(password, '\0');
    if (!ok) {
      if (Users.validName(user) && failures.merge(user, 1, Integer::sum) >= MAX_FAILED_LOGINS) {
        locked.put(user, now.plus(LOCKOUT));
        failures.remove(user);
      }
      redirect(x, "/login?failed");
      return;
    }
    failures.remove(user);
    if (sessions.size() >= MAX_SESSIONS) {
      expireSessions(now);
      if (sessions.size() >= MAX_SESSIONS) {
        json(x, 503, error("too many sessions"));
        return;
      }
    }
    String token = token();
    sessions.put(token, new Session(user, token(), now));
    x.getResponseHeaders().add("Set-Cookie", COOKIE + "=" + token + "; Path=/; HttpOnly; SameSite=Strict"
        + (tls ? "; Secure" : ""));
    redirect(x, "/");
  }

  private Session session(HttpExchange x) {
    String cookies = x.getRequestHeaders().getFirst("Cookie");
    if (cookies == null || cookies.length() > 8192) {
      return null;
    }
    for (String c : cookies.split(";")) {
      String t = c.strip();
      if (t.startsWith(COOKIE + "=")) {
        String token = t.substring(COOKIE.length() + 1);
        Session s = sessions.get(token);
        Instant now = clock.instant();
        if (s == null || s.lastUse().plus(SESSION_IDLE).isBefore(now)) {
          sessions.remove(token);
          return null;
        }
        Session touched = new Session(s.user(), s.csrf(), now);
        sessions.put(token, touched);
        return touched;
      }
    }
    return null;
  }

  private void expireSessions(Instant now) {
    for (Iterator<Session> it = sessions.values().iterator(); it.hasNext(); ) {
      if (it.next().lastUse().plus(SESSION_IDLE).isBefore(now)) {
        it.remove();
      }
    }
  }

  /** A write must come from this page: its Origin (when sent) is this host, and it echoes the session's token. */
  private boolean sameOriginWithToken(HttpExchange x, Session s) {
    String token = x.getRequestHeaders().getFirst("X-CSRF-Token");
    if (token == null && "/logout".equals(x.getRequestURI().getPath())) {
      byte[] bytes;
      try {
        bytes = readBounded(x.getRequestBody(), 4096);
      } catch (IOException e) {
        return false;
      }
      token = bytes == null ? null : form(new String(bytes, StandardCharsets.UTF_8)).get("csrf");
    }
    return sameOrigin(x) && token != null && MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8),
        s.csrf().getBytes(StandardCharsets.UTF_8));
  }

  private boolean sameOrigin(HttpExchange x) {
    String origin = x.getRequestHeaders().getFirst("Origin");
    String host = x.getRequestHeaders().getFirst("Host");
    if (origin == null) {
      String site = x.getRequestHeaders().getFirst("Sec-Fetch-Site");
      return site == null || site.equals("same-origin") || site.equals("none");
    }
    return host != null && origin.equals((tls ? "https://" : "http://") + host);
  }

  private String token() {
    byte[] b = new byte[32];
    random.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  private static Map<String, String> form(String body) {
    Map<String, String> out = new HashMap<>();
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0 && out.size() < 8) {
        try {
          out.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
              URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
          // a malformed pair is left out
        }
      }
    }
    return out;
  }

  private static byte[] readBounded(InputStream in, int max) throws IOException {
    byte[] bytes = in.readNBytes(max + 1);
    return bytes.length > max ? null : bytes;
  }

  private static ObjectNode error(String message) {
    return JSON.createObjectNode().put("error", message);
  }

  private static ObjectNode status(String status) {
    return JSON.createObjectNode().put("status", status);
  }

  private void headers(HttpExchange x, String type) {
    var h = x.getResponseHeaders();
    h.set("Content-Type", type);
    h.set("Content-Security-Policy", CSP);
    h.set("X-Content-Type-Options", "nosniff");
    h.set("Referrer-Policy", "same-origin"); // no-referrer would make browsers send "Origin: null" on form posts
    h.set("X-Frame-Options", "DENY");
    h.set("Cache-Control", "no-store");
    if (tls) {
      h.set("Strict-Transport-Security", "max-age=31536000");
    }
  }

  private void json(HttpExchange x, int status, JsonNode body) throws IOException {
    send(x, status, "application/json; charset=utf-8", JSON.writeValueAsBytes(body));
  }

  private void redirect(HttpExchange x, String to) throws IOException {
    headers(x, "text/plain; charset=utf-8");
    x.getResponseHeaders().set("Location", to);
    x.sendResponseHeaders(303, -1);
  }

  private void resource(HttpExchange x, String name, String type) throws IOException {
    try (InputStream in = LabelServer.class.getResourceAsStream("/org/streambert/trainer/label/" + name)) {
      if (in == null) {
        json(x, 404, error("no such page"));
        return;
      }
      send(x, 200, type, in.readAllBytes());
    }
  }

  private void send(HttpExchange x, int status, String type, byte[] body) throws IOException {
    headers(x, type);
    x.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream out = x.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
