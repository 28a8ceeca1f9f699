package org.streambert.streams.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HttpEndpointTest {

  private HttpEndpoint http;
  private final List<Socket> clients = new ArrayList<>();

  private HttpEndpoint start(String bind) throws IOException {
    http = new HttpEndpoint(bind, 0, Map.of("/health", () -> HttpEndpoint.Reply.text(200, "streams RUNNING\n")));
    return http;
  }

  @AfterEach
  void stop() throws IOException {
    for (Socket s : clients) {
      s.close();
    }
    if (http != null) {
      http.close();
    }
  }

  /** Sends {@code request} raw and returns the whole response (the server closes the connection). */
  private String exchange(String request) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), http.port())) {
      s.setSoTimeout(5_000);
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void shouldAnswerHealthWhileSlowClientsHoldConnectionsOpen() throws IOException {
    start("127.0.0.1");
    for (int i = 0; i < HttpEndpoint.THREADS - 1; i++) {
      Socket slow = new Socket(InetAddress.getLoopbackAddress(), http.port());
      slow.getOutputStream().write("GET /hea".getBytes(StandardCharsets.ISO_8859_1)); // half a request, then silence
      clients.add(slow);
    }
    long start = System.nanoTime();
    String response = exchange("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertTrue(response.startsWith("HTTP/1.1 200 OK"), response);
    assertTrue(response.endsWith("streams RUNNING\n"), response);
    assertTrue(millis < 1_000, "answered in " + millis + " ms");
  }

  @Test
  void shouldDropClientThatDoesNotFinishItsRequestInTime() throws IOException {
    start("127.0.0.1");
    try (Socket slow = new Socket(InetAddress.getLoopbackAddress(), http.port())) {
      slow.setSoTimeout(HttpEndpoint.REQUEST_TIMEOUT_MS * 3);
      slow.getOutputStream().write("GET /health HTTP/1.1\r\n".getBytes(StandardCharsets.ISO_8859_1));
      long start = System.nanoTime();
      assertEquals(-1, slow.getInputStream().read(), "closed without an answer");
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertTrue(millis < HttpEndpoint.REQUEST_TIMEOUT_MS * 2, "dropped after " + millis + " ms");
    }
  }

  @Test
  void shouldAnswerOnlyGetAndHead() throws IOException {
    start("");
    String post = exchange("POST /health HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
    assertTrue(post.startsWith("HTTP/1.1 405"), post);
    assertTrue(post.contains("Allow: GET, HEAD"), post);
    String head = exchange("HEAD /health HTTP/1.1\r\n\r\n");
    assertTrue(head.startsWith("HTTP/1.1 200"), head);
    assertTrue(head.contains("Content-Length: 16"), head);
    assertTrue(head.endsWith("\r\n\r\n"), "HEAD has no body: " + head);
    assertTrue(exchange("GET /nope HTTP/1.1\r\n\r\n").startsWith("HTTP/1.1 404"));
    assertTrue(exchange("GET /health?x=1 HTTP/1.1\r\n\r\n").startsWith("HTTP/1.1 200"));
  }

  @Test
  void shouldRefuseOversizedRequestHead() throws IOException {
    start("127.0.0.1");
    String response = exchange("GET /health HTTP/1.1\r\nX: " + "a".repeat(HttpEndpoint.MAX_REQUEST_BYTES) + "\r\n\r\n");
    assertTrue(response.startsWith("HTTP/1.1 400"), response);
  }

  @Test
  void shouldBindTheConfiguredAddress() throws IOException {
    start("127.0.0.1");
    try (Socket s = new Socket("127.0.0.1", http.port())) {
      assertTrue(s.isConnected());
    }
  }

  @Test
  void shouldReportUnhealthyWhenThreadsKeepBeingReplaced() {
    AtomicLong now = new AtomicLong();
    StreamThreadSupervisor supervisor = new StreamThreadSupervisor(0, 0, 2, 60_000, now::get);
    assertEquals(200, HttpEndpoint.health(KafkaStreams.State.RUNNING, supervisor).status());
    supervisor.handle(new IllegalStateException("1"));
    supervisor.handle(new IllegalStateException("2"));
    HttpEndpoint.Reply reply = HttpEndpoint.health(KafkaStreams.State.RUNNING, supervisor);
    assertEquals(503, reply.status());
    assertTrue(reply.body().contains("2 stream thread replacement(s)"), reply.body());
    assertEquals(503, HttpEndpoint.health(KafkaStreams.State.ERROR, null).status());
    assertEquals(200, HttpEndpoint.health(KafkaStreams.State.REBALANCING, null).status());
  }
}
