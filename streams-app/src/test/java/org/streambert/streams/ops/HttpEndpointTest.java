package org.streambert.streams.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
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
      String response = new String(slow.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertTrue(response.startsWith("HTTP/1.1 408"), response);
      assertTrue(millis < HttpEndpoint.REQUEST_TIMEOUT_MS * 2, "dropped after " + millis + " ms");
    }
  }

  /** A client socket from the given loopback address (Linux answers all of 127.0.0.0/8), connected to the server. */
  private Socket connectFrom(String localAddress) throws IOException {
    Socket s = new Socket();
    clients.add(s);
    s.bind(new InetSocketAddress(localAddress, 0));
    s.connect(new InetSocketAddress("127.0.0.1", http.port()), 5_000);
    return s;
  }

  /** GET /health from {@code localAddress}; returns the response and checks it came within the probe's timeout. */
  private String probe(String localAddress) throws IOException {
    long start = System.nanoTime();
    try (Socket s = connectFrom(localAddress)) {
      s.setSoTimeout(5_000);
      s.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertTrue(millis < PROBE_TIMEOUT_MS, "answered in " + millis + " ms: " + response);
      return response;
    }
  }

  /** deploy/k8s: the probes keep the kubelet's default timeoutSeconds, 1. */
  private static final long PROBE_TIMEOUT_MS = 1_000;

  private static boolean stillOpenWithoutAnswer(Socket s) throws IOException {
    s.setSoTimeout(1);
    try {
      s.getInputStream().read(); // an answer or the end of the stream: the server did not keep it
      return false;
    } catch (SocketTimeoutException e) {
      return true;
    }
  }

  @Test
  void shouldAnswerHealthWithinProbeTimeoutWhile200IdleConnectionsAreOpen() throws IOException {
    start("127.0.0.1");
    List<Socket> idle = new ArrayList<>();
    for (int i = 0; i < 200; i++) { // 25 addresses, each at the per-address cap of 8
      idle.add(connectFrom("127.0.0." + (10 + i / HttpEndpoint.MAX_CONNECTIONS_PER_ADDRESS)));
      if (i % 3 == 0) {
        idle.get(i).getOutputStream().write('G'); // some send a byte and stop
      }
    }
    long slowest = 0;
    for (int i = 0; i < 10; i++) {
      long start = System.nanoTime();
      assertTrue(probe("127.0.0.1").startsWith("HTTP/1.1 200 OK"));
      slowest = Math.max(slowest, (System.nanoTime() - start) / 1_000_000);
    }
    System.out.printf("/health with 200 idle connections open: slowest of 10 probes %d ms%n", slowest);
    for (int i = 0; i < idle.size(); i += 17) {
      assertTrue(stillOpenWithoutAnswer(idle.get(i)), "idle connection " + i + " kept, not refused");
    }
  }

  @Test
  void shouldAnswer503AtOnceBeyondTheConnectionsOfOneAddress() throws IOException {
    start("127.0.0.1");
    for (int i = 0; i < HttpEndpoint.MAX_CONNECTIONS_PER_ADDRESS; i++) {
      connectFrom("127.0.0.5");
    }
    long start = System.nanoTime();
    Socket extra = connectFrom("127.0.0.5");
    extra.setSoTimeout(5_000);
    String refused = new String(extra.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertTrue(refused.startsWith("HTTP/1.1 503"), refused);
    assertTrue(refused.contains("too many connections from your address"), refused);
    assertTrue(millis < PROBE_TIMEOUT_MS, "refused after " + millis + " ms");
    assertTrue(probe("127.0.0.6").startsWith("HTTP/1.1 200 OK"), "another address is still served");
  }

  @Test
  void shouldDeliverThe503EvenWhenTheRefusedClientSentItsRequestFirst() throws IOException {
    start("127.0.0.1");
    for (int i = 0; i < HttpEndpoint.MAX_CONNECTIONS_PER_ADDRESS; i++) {
      connectFrom("127.0.0.8");
    }
    for (int i = 0; i < 20; i++) { // a probe sends its request at once; the reply must not be lost to a reset
      String refused = probe("127.0.0.8");
      assertTrue(refused.startsWith("HTTP/1.1 503"), refused);
    }
  }

  @Test
  void shouldAnswer503AtOnceWhenAllConnectionsAreTaken() throws IOException {
    http = new HttpEndpoint("127.0.0.1", 0, Map.of("/health", () -> HttpEndpoint.Reply.text(200, "ok\n")),
        new HttpEndpoint.Limits(HttpEndpoint.REQUEST_TIMEOUT_MS, 8, 3));
    for (int i = 0; i < 3; i++) {
      connectFrom("127.0.0." + (20 + i));
    }
    String refused = probe("127.0.0.30");
    assertTrue(refused.startsWith("HTTP/1.1 503"), refused);
    assertTrue(refused.contains("too many connections"), refused);
  }

  @Test
  void shouldDropSlowlorisAtTheDeadlineCountedFromAccept() throws Exception {
    start("127.0.0.1");
    Socket slow = connectFrom("127.0.0.7");
    long connected = System.nanoTime();
    Thread trickle = new Thread(() -> {
      try {
        for (byte b : "GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1)) {
          slow.getOutputStream().write(b); // one byte per second
          slow.getOutputStream().flush();
          Thread.sleep(1_000);
        }
      } catch (IOException | InterruptedException e) {
        // dropped by the server, as expected
      }
    });
    trickle.setDaemon(true);
    trickle.start();
    slow.setSoTimeout(HttpEndpoint.REQUEST_TIMEOUT_MS * 5);
    String response = new String(slow.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    long millis = (System.nanoTime() - connected) / 1_000_000;
    trickle.interrupt();
    assertTrue(response.startsWith("HTTP/1.1 408"), response);
    assertTrue(millis >= HttpEndpoint.REQUEST_TIMEOUT_MS - 50 && millis < HttpEndpoint.REQUEST_TIMEOUT_MS + 500,
        "dropped " + millis + " ms after connecting");
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
