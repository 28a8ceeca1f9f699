package org.streambert.streams.ops;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
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
 * <p>A minimal HTTP/1.1 server that slow or hostile clients cannot starve (issue 29): one selector thread accepts and
 * reads every connection without blocking, so an idle or trickling client holds a file descriptor, never a thread.
 * A request must arrive whole within {@link #REQUEST_TIMEOUT_MS} counted from accept, and within
 * {@link #MAX_REQUEST_BYTES}; a client that misses the deadline gets 408 and is closed. At most
 * {@link #MAX_CONNECTIONS_PER_ADDRESS} connections per client address and {@link #MAX_CONNECTIONS} in all are open;
 * one more is answered 503 at once and closed. Only complete requests reach the small worker pool that computes the
 * routes (a full pool: 503 at once). Only GET and HEAD are answered (others: 405); every response closes the
 * connection. Owns its threads; {@link #close()} stops them.
 */
public final class HttpEndpoint implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(HttpEndpoint.class);

  /** Time allowed from accept until the whole request line and headers have arrived. */
  public static final int REQUEST_TIMEOUT_MS = 2_000;
  /** Time allowed from a complete request until the response is written (route computed, bytes taken by the peer). */
  public static final int RESPONSE_TIMEOUT_MS = 5_000;
  /** Largest request line plus headers. */
  public static final int MAX_REQUEST_BYTES = 8_192;
  /** Open connections allowed per client IP address; one more is answered 503 and closed. */
  public static final int MAX_CONNECTIONS_PER_ADDRESS = 8;
  /** Open connections allowed in all (file descriptors); one more is answered 503 and closed. */
  public static final int MAX_CONNECTIONS = 512;
  static final int THREADS = 2;
  static final int QUEUE = 32;
  private static final int BACKLOG = 256;
  private static final long TICK_MS = 100;

  /** One response: status, content type and body. */
  public record Reply(int status, String contentType, String body) {
    static Reply text(int status, String body) {
      return new Reply(status, "text/plain; charset=utf-8", body);
    }
  }

  /** Connection limits (the public constants by default; tests use smaller ones). */
  record Limits(int requestTimeoutMs, int perAddress, int total) {
    static final Limits DEFAULT = new Limits(REQUEST_TIMEOUT_MS, MAX_CONNECTIONS_PER_ADDRESS, MAX_CONNECTIONS);
  }

  /** One open connection; touched only by the selector thread, except {@code pending} which a worker fills. */
  private static final class Connection {
    final SocketChannel channel;
    final InetAddress address;
    long deadlineNanos;
    ByteBuffer in;
    int scanned;
    ByteBuffer out;
    boolean dispatched;
    volatile byte[] pending;

    Connection(SocketChannel channel, InetAddress address, long deadlineNanos) {
      this.channel = channel;
      this.address = address;
      this.deadlineNanos = deadlineNanos;
    }
  }

  private final Map<String, Supplier<Reply>> routes;
  private final Limits limits;
  private final ServerSocketChannel server;
  private final Selector selector;
  private final ThreadPoolExecutor workers;
  private final Thread loop;
  private final Set<Connection> open = new HashSet<>();
  private final Map<InetAddress, Integer> perAddress = new HashMap<>();
  private final ConcurrentLinkedQueue<Connection> answered = new ConcurrentLinkedQueue<>();
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
    this(bindAddress, port, routes, Limits.DEFAULT);
  }

  HttpEndpoint(String bindAddress, int port, Map<String, Supplier<Reply>> routes, Limits limits) throws IOException {
    this.routes = Map.copyOf(routes);
    this.limits = limits;
    InetAddress address = bindAddress == null || bindAddress.isBlank() ? null : InetAddress.getByName(bindAddress);
    selector = Selector.open();
    try {
      server = ServerSocketChannel.open();
      server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
      server.bind(new InetSocketAddress(address, port), BACKLOG);
      server.configureBlocking(false);
      server.register(selector, SelectionKey.OP_ACCEPT);
    } catch (IOException | RuntimeException e) {
      selector.close();
      throw e;
    }
    workers = new ThreadPoolExecutor(THREADS, THREADS, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(QUEUE),
        r -> {
          Thread t = new Thread(r, "nlp-http");
          t.setDaemon(true);
          return t;
        });
    loop = new Thread(this::selectLoop, "nlp-http-select");
    loop.setDaemon(true);
    loop.start();
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
    return server.socket().getLocalPort();
  }

  private void selectLoop() {
    try {
      while (!closed) {
        selector.select(TICK_MS);
        if (closed) {
          break;
        }
        Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
        while (keys.hasNext()) {
          SelectionKey key = keys.next();
          keys.remove();
          try {
            if (key.isAcceptable()) {
              acceptAll();
            } else if (key.isReadable()) {
              read((Connection) key.attachment());
            } else if (key.isWritable()) {
              flush((Connection) key.attachment());
            }
          } catch (CancelledKeyException e) {
            // closed meanwhile
          } catch (RuntimeException e) {
            LOG.warn("HTTP connection failed: {}", e.toString());
            if (key.attachment() instanceof Connection c) {
              drop(c);
            }
          }
        }
        for (Connection c; (c = answered.poll()) != null; ) {
          if (open.contains(c)) {
            c.out = ByteBuffer.wrap(c.pending);
            flush(c);
          }
        }
        expire(System.nanoTime());
      }
    } catch (IOException | RuntimeException e) {
      if (!closed) {
        LOG.error("HTTP endpoint stopped: {}", e.toString(), e);
      }
    } finally {
      for (Connection c : new ArrayList<>(open)) {
        drop(c);
      }
      closeQuietly(server);
      closeQuietly(selector);
    }
  }

  private void acceptAll() throws IOException {
    for (SocketChannel channel; (channel = server.accept()) != null; ) {
      long now = System.nanoTime();
      InetAddress address = addressOf(channel);
      try {
        channel.configureBlocking(false);
        int fromAddress = perAddress.getOrDefault(address, 0);
        if (open.size() >= limits.total() || fromAddress >= limits.perAddress()) {
          refuse(channel, fromAddress >= limits.perAddress() ? "too many connections from your address\n"
              : "too many connections\n");
          continue;
        }
        Connection c = new Connection(channel, address, now + limits.requestTimeoutMs() * 1_000_000L);
        channel.register(selector, SelectionKey.OP_READ, c);
        open.add(c);
        perAddress.merge(address, 1, Integer::sum);
      } catch (IOException e) {
        closeQuietly(channel);
      }
    }
  }

  private static InetAddress addressOf(SocketChannel channel) {
    try {
      SocketAddress remote = channel.getRemoteAddress();
      return remote instanceof InetSocketAddress inet ? inet.getAddress() : null;
    } catch (IOException e) {
      return null;
    }
  }

  /** Over a limit: 503 written without waiting (the socket buffer of a fresh connection takes it), then closed. */
  private static void refuse(SocketChannel channel, String why) {
    try (channel) {
      channel.write(ByteBuffer.wrap(bytes(Reply.text(503, why), false, null)));
      channel.shutdownOutput();
      drain(channel);
    } catch (IOException e) {
      // gone already
    }
  }

  /**
   * Reads what the client already sent (at most {@link #MAX_REQUEST_BYTES}, without waiting), so that closing sends a
   * FIN after the response rather than a reset that could make the client drop the response unread.
   */
  private static void drain(SocketChannel channel) throws IOException {
    ByteBuffer scratch = ByteBuffer.allocate(1_024);
    for (int total = 0, n; total < MAX_REQUEST_BYTES && (n = channel.read(scratch)) > 0; total += n) {
      scratch.clear();
    }
  }

  private void read(Connection c) {
    try {
      if (c.in == null) {
        c.in = ByteBuffer.allocate(MAX_REQUEST_BYTES);
      }
      int n = c.channel.read(c.in);
      if (n < 0) {
        drop(c); // the client went away before finishing its request
        return;
      }
      int end = headEnd(c);
      if (end < 0) {
        if (!c.in.hasRemaining()) {
          answerNow(c, Reply.text(400, "request head over " + MAX_REQUEST_BYTES + " bytes\n"), false, null);
        }
        return;
      }
      dispatch(c, new String(c.in.array(), 0, end, StandardCharsets.ISO_8859_1).strip());
    } catch (IOException e) {
      drop(c);
    }
  }

  /** Index of the end of the request line once the head's blank line has arrived, else -1. */
  private static int headEnd(Connection c) {
    byte[] a = c.in.array();
    int limit = c.in.position();
    for (int i = Math.max(c.scanned, 1); i < limit; i++) {
      if (a[i] == '\n' && (a[i - 1] == '\n' || i >= 2 && a[i - 1] == '\r' && a[i - 2] == '\n')) {
        for (int j = 0; j < limit; j++) {
          if (a[j] == '\n') {
            return j;
          }
        }
      }
    }
    c.scanned = limit;
    return -1;
  }

  private void dispatch(Connection c, String requestLine) {
    String[] parts = requestLine.split(" ");
    if (parts.length != 3 || !parts[2].startsWith("HTTP/")) {
      answerNow(c, Reply.text(400, "bad request line\n"), false, null);
      return;
    }
    String method = parts[0];
    if (!method.equals("GET") && !method.equals("HEAD")) {
      answerNow(c, Reply.text(405, "only GET and HEAD\n"), false, "GET, HEAD");
      return;
    }
    String path = parts[1];
    int query = path.indexOf('?');
    Supplier<Reply> route = routes.get(query < 0 ? path : path.substring(0, query));
    boolean headOnly = method.equals("HEAD");
    if (route == null) {
      answerNow(c, Reply.text(404, "not found\n"), headOnly, null);
      return;
    }
    c.dispatched = true;
    c.deadlineNanos = System.nanoTime() + RESPONSE_TIMEOUT_MS * 1_000_000L;
    c.channel.keyFor(selector).interestOps(0);
    try {
      workers.execute(() -> {
        Reply reply;
        try {
          reply = route.get();
        } catch (RuntimeException e) {
          LOG.warn("HTTP {} failed: {}", path, e.toString());
          reply = Reply.text(500, "internal error\n");
        }
        c.pending = bytes(reply, headOnly, null);
        answered.add(c);
        selector.wakeup();
      });
    } catch (RejectedExecutionException e) {
      answerNow(c, Reply.text(503, "busy\n"), headOnly, null); // every worker busy and the queue full: shed load
    }
  }

  private void answerNow(Connection c, Reply reply, boolean headOnly, String allow) {
    c.dispatched = true;
    c.out = ByteBuffer.wrap(bytes(reply, headOnly, allow));
    flush(c);
  }

  private void flush(Connection c) {
    try {
      c.channel.write(c.out);
      if (c.out.hasRemaining()) {
        c.channel.keyFor(selector).interestOps(SelectionKey.OP_WRITE);
        return;
      }
      c.channel.shutdownOutput();
      drain(c.channel);
    } catch (IOException e) {
      // the peer went away: nothing more to send
    }
    drop(c);
  }

  /** Drops every connection past its deadline; one still sending its request gets a 408 first, if it fits. */
  private void expire(long now) {
    for (Connection c : new ArrayList<>(open)) {
      if (now - c.deadlineNanos > 0) {
        if (!c.dispatched) {
          try {
            c.channel.write(ByteBuffer.wrap(bytes(Reply.text(408, "request not complete in time\n"), false, null)));
          } catch (IOException e) {
            // dropped anyway
          }
        }
        drop(c);
      }
    }
  }

  private void drop(Connection c) {
    if (open.remove(c)) {
      perAddress.computeIfPresent(c.address, (a, n) -> n > 1 ? n - 1 : null);
    }
    closeQuietly(c.channel);
  }

  private static byte[] bytes(Reply reply, boolean headOnly, String allow) {
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
    byte[] h = head.toString().getBytes(StandardCharsets.ISO_8859_1);
    if (headOnly) {
      return h;
    }
    byte[] all = new byte[h.length + body.length];
    System.arraycopy(h, 0, all, 0, h.length);
    System.arraycopy(body, 0, all, h.length, body.length);
    return all;
  }

  private static String reason(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 400 -> "Bad Request";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 408 -> "Request Timeout";
      case 503 -> "Service Unavailable";
      default -> "Error";
    };
  }

  private static void closeQuietly(Closeable c) {
    try {
      c.close();
    } catch (IOException e) {
      // nothing to do
    }
  }

  @Override
  public void close() {
    closed = true;
    selector.wakeup();
    workers.shutdownNow();
    try {
      loop.join(2_000);
      workers.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
