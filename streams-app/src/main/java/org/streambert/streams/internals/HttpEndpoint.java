package org.streambert.streams.internals;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;
import org.streambert.streams.model.ModelHolder;

/**
 * {@code /health} (200 while Kafka Streams is RUNNING or REBALANCING, else 503), {@code /ready} (200 once a model
 * serves and Kafka Streams is RUNNING, else 503 with the reason) and {@code /metrics} (Prometheus text format 0.0.4
 * from the given supplier, see {@link AppMeters#scrape()}), on the JDK's HTTP server. Owns the server; {@link #close()} stops it.
 */
public final class HttpEndpoint implements AutoCloseable {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(HttpEndpoint.class);

  private final HttpServer server;

  public HttpEndpoint(int port, KafkaStreams streams, ModelHolder models, Supplier<String> metrics)
      throws IOException {
    server = HttpServer.create(new InetSocketAddress(port), 0);
    server.setExecutor(Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "nlp-http");
      t.setDaemon(true);
      return t;
    }));
    server.createContext("/health", ex -> {
      KafkaStreams.State state = streams.state();
      boolean ok = state == KafkaStreams.State.RUNNING || state == KafkaStreams.State.REBALANCING;
      respond(ex, ok ? 200 : 503, "text/plain", "streams " + state + "\n");
    });
    server.createContext("/ready", ex -> {
      KafkaStreams.State state = streams.state();
      String version = models.currentVersion();
      if (version == null) {
        String refusal = models.lastRefusal();
        respond(ex, 503, "text/plain", "no model '" + models.modelName() + "' loaded yet"
            + (refusal == null ? "" : "; last checkpoint refused: " + refusal) + "\n");
      } else if (state != KafkaStreams.State.RUNNING) {
        respond(ex, 503, "text/plain", "streams " + state + "\n");
      } else {
        respond(ex, 200, "text/plain", "ready: model " + models.modelName() + " " + version + "\n");
      }
    });
    server.createContext("/metrics", ex -> {
      String body;
      try {
        body = metrics.get();
      } catch (RuntimeException e) {
        LOG.warn("/metrics failed", e);
        respond(ex, 500, "text/plain", "metrics failed: " + e + "\n");
        return;
      }
      respond(ex, 200, "text/plain; version=0.0.4; charset=utf-8", body);
    });
    server.start();
  }

  /** The bound port (useful with port 0). */
  public int port() {
    return server.getAddress().getPort();
  }

  private static void respond(HttpExchange ex, int status, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }
}
