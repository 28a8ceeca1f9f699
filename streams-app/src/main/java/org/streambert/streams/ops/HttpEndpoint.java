package org.streambert.streams.ops;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streambert.streams.serving.ModelHolder;

/**
 * {@code /health} (200 while Kafka Streams is RUNNING or REBALANCING and the {@link StreamThreadSupervisor} sees no
 * fault that retries are not curing, else 503 with the reason), {@code /ready} (200 once a model serves and Kafka
 * Streams is RUNNING, else 503 with the reason) and {@code /metrics} (whatever the metrics supplier renders).
 *
 * <p>A minimal HTTP/1.1 server that a slow or hostile client cannot block: connections are served by a small pool
 * (further ones wait in a short queue, beyond it they are closed at once); a request must arrive whole within
 * {@link #REQUEST_TIMEOUT_MS} and {@link #MAX_REQUEST_BYTES}; only GET and HEAD are answered (others: 405); every
 * response closes the connection. Owns its threads; {@link #close()} stops them.
 */
public final class HttpEndpoint implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(HttpEndpoint.class);

  /** Time allowed for a whole request line and headers to arrive. */
  public static final int REQUEST_TIMEOUT_MS = 2_000;
  /** Largest request line plus headers. */
  public static final int MAX_REQUEST_BYTES = 8_192;
  static final int THREADS = 4;
  static final int QUEUE = 16;

  /** One response: status, content type and body. */
  public record Reply(int status, String contentType, String body) {
    static Reply text(int status, String body) {
      return new Reply(status, "text/plain; charset=utf-8", body);
    }
  }

  private final ServerSocket socket;
  private final Map<String, Supplier<Reply>> routes;
  private final ThreadPoolExecutor workers;
  private final Thread acceptor;
  private volatile boolean closed;

  /** The application's endpoint on all interfaces; {@code metrics} renders /metrics (see {@link AppMeters#scrape()}). */
  public HttpEndpoint(int port, KafkaStreams streams, ModelHolder models, Supplier<String> metrics)
      throws IOException {
    this("", port, appRoutes(streams, models, null, metrics));
  }

  /**
   * A server answering GET/HEAD on the given paths.
   *
   * @param bindAddress host or IP address to bind, or empty for all interfaces
   * @param port        TCP port, 0 for any free one
   * @param routes      path → response, computed per request on a worker thread
   */
  public HttpEndpoint(String bindAddress, int port, Map<String, Supplier<Reply>> routes) throws IOException {
    this.routes = Map.copyOf(routes);
    InetAddress address = bindAddress == null || bindAddress.isBlank() ? null : InetAddress.getByName(bindAddress);
    socket = new ServerSocket();
    socket.setReuseAddress(true);
    socket.bind(new InetSocketAddress(address, port), 50);
    workers = new ThreadPoolExecutor(THREADS, THREADS, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(QUEUE),
        r -> {
          Thread t = new Thread(r, "nlp-http");
          t.setDaemon(true);
          return t;
        });
    acceptor = new Thread(this::acceptLoop, "nlp-http-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /**
   * The application's routes: {@code /health}, {@code /ready}, {@code /metrics}.
   *
   * @param supervisor   the stream threads' supervisor, or null
   * @param metricsBody  renders the {@code /metrics} body (Prometheus text format)
   */
  public static Map<String, Supplier<Reply>> appRoutes(KafkaStreams streams, ModelHolder models,
      StreamThreadSupervisor supervisor, Supplier<String> metricsBody) {
    return Map.of(
        "/health", () -> health(streams.state(), supervisor),
        "/ready", () -> ready(streams.state(), models),
        "/metrics", () -> new Reply(200, "text/plain; version=0.0.4; charset=utf-8", metricsBody.get()));
  }

  /** 200 while the client runs (or rebalances) and no thread fault persists; else 503 with the reason. */
  static Reply health(KafkaStreams.State state, StreamThreadSupervisor supervisor) {
    boolean running = state == KafkaStreams.State.RUNNING || state == KafkaStreams.State.REBALANCING;
    String problem = supervisor == null ? null : supervisor.problem();
    if (!running) {
      return Reply.text(503, "streams " + state + (problem == null ? "" : "; " + problem) + "\n");
    }
    return problem == null ? Reply.text(200, "streams " + state + "\n")
        : Reply.text(503, "streams " + state + "; " + problem + "\n");
  }

  private static Reply ready(KafkaStreams.State state, ModelHolder models) {
    String version = models.currentVersion();
    if (version == null) {
      String refusal = models.lastRefusal();
      return Reply.text(503, "no model '" + models.modelName() + "' loaded yet"
          + (refusal == null ? "" : "; last checkpoint refused: " + refusal) + "\n");
    }
    if (state != KafkaStreams.State.RUNNING) {
      return Reply.text(503, "streams " + state + "\n");
    }
    return Reply.text(200, "ready: model " + models.modelName() + " " + version + "\n");
  }

  /** The bound port (useful with port 0). */
  public int port() {
    return socket.getLocalPort();
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = socket.accept();
      } catch (IOException e) {
        if (!closed) {
          LOG.warn("HTTP accept failed: {}", e.toString());
        }
        continue;
      }
      try {
        workers.execute(() -> serve(client));
      } catch (RejectedExecutionException e) {
        closeQuietly(client); // every worker busy and the queue full: shed load rather than queue without bound
      }
    }
  }

  private void serve(Socket client) {
    try (client) {
      client.setSoTimeout(REQUEST_TIMEOUT_MS);
      long deadline = System.nanoTime() + REQUEST_TIMEOUT_MS * 1_000_000L;
      String requestLine = readRequestHead(client.getInputStream(), deadline);
      OutputStream out = client.getOutputStream();
      if (requestLine == null) {
        write(out, Reply.text(400, "bad request\n"), false, null);
        return;
      }
      String[] parts = requestLine.split(" ");
      if (parts.length != 3 || !parts[2].startsWith("HTTP/")) {
        write(out, Reply.text(400, "bad request line\n"), false, null);
        return;
      }
      String method = parts[0];
      if (!method.equals("GET") && !method.equals("HEAD")) {
        write(out, Reply.text(405, "only GET and HEAD\n"), false, "GET, HEAD");
        return;
      }
      String path = parts[1];
      int query = path.indexOf('?');
      Supplier<Reply> route = routes.get(query < 0 ? path : path.substring(0, query));
      Reply reply;
      if (route == null) {
        reply = Reply.text(404, "not found\n");
      } else {
        try {
          reply = route.get();
        } catch (RuntimeException e) {
          LOG.warn("HTTP {} failed: {}", path, e.toString());
          reply = Reply.text(500, "internal error\n");
        }
      }
      write(out, reply, method.equals("HEAD"), null);
    } catch (SocketTimeoutException | SocketException e) {
      // slow, half-open or vanished client: dropped
    } catch (IOException e) {
      LOG.debug("HTTP connection failed: {}", e.toString());
    }
  }

  /**
   * Reads the request line and headers up to the blank line; null if they are malformed, longer than
   * {@link #MAX_REQUEST_BYTES} or not complete by {@code deadlineNanos} (a client trickling bytes cannot stretch it).
   */
  private static String readRequestHead(InputStream in, long deadlineNanos) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (head.size() < MAX_REQUEST_BYTES) {
      if (System.nanoTime() > deadlineNanos) {
        throw new SocketTimeoutException("request not complete in time");
      }
      int b = in.read();
      if (b < 0) {
        return null;
      }
      head.write(b);
      if (b == '\n') {
        byte[] bytes = head.toByteArray();
        int n = bytes.length;
        if (n >= 2 && (bytes[n - 2] == '\n' || n >= 4 && bytes[n - 2] == '\r' && bytes[n - 3] == '\n')) {
          String text = new String(bytes, StandardCharsets.ISO_8859_1);
          int end = text.indexOf('\n');
          return text.substring(0, end).strip();
        }
      }
    }
    return null;
  }

  private static void write(OutputStream out, Reply reply, boolean headOnly, String allow) throws IOException {
    byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
    StringBuilder head = new StringBuilder("HTTP/1.1 ").append(reply.status()).append(' ')
        .append(reason(reply.status())).append("\r\n")
        .append("Content-Type: ").append(reply.contentType()).append("\r\n")
        .append("Content-Length: ").append(body.length).append("\r\n")
        .append("Connection: close\r\n");
    if (allow != null) {
      head.append("Allow: ").append(allow).append("\r\n");
    }
    head.append("\r\n");
    out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
    if (!headOnly) {
      out.write(body);
    }
    out.flush();
  }

  private static String reason(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 400 -> "Bad Request";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 503 -> "Service Unavailable";
      default -> "Error";
    };
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // nothing to do
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      socket.close();
    } catch (IOException e) {
      // closing anyway
    }
    workers.shutdownNow();
    try {
      acceptor.join(2_000);
      workers.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
