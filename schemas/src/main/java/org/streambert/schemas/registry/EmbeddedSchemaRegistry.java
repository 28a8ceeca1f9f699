package org.streambert.schemas.registry;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.streambert.schemas.registry.internals.RegistryHttpHandler;
import org.streambert.schemas.registry.internals.SchemaStore;

/**
 * A Schema Registry server speaking Confluent's REST API (Avro schemas) over HTTP on the loopback interface, holding
 * its state in memory (it is lost on {@link #close()}). Compatibility levels NONE … FULL_TRANSITIVE, default BACKWARD,
 * checked with Avro's {@link org.apache.avro.SchemaCompatibility}; the same rules as the {@code mock://} registries.
 *
 * <pre>{@code
 * try (EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.start(0)) {
 *   props.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registry.url());
 * }
 * }</pre>
 *
 * <p>The instance owns its HTTP server and worker threads; {@link #close()} stops both.
 */
public final class EmbeddedSchemaRegistry implements AutoCloseable {
  private static final int WORKER_THREADS = 4;
  private static final String NODELAY_PROPERTY = "sun.net.httpserver.nodelay";

  private final HttpServer server;
  private final ExecutorService workers;
  private final String url;

  private EmbeddedSchemaRegistry(HttpServer server, ExecutorService workers) {
    this.server = server;
    this.workers = workers;
    this.url = (server instanceof HttpsServer ? "https" : "http") + "://127.0.0.1:"
        + server.getAddress().getPort();
  }

  /**
   * Starts a server on 127.0.0.1.
   *
   * @param port the port, or 0 for any free one (see {@link #url()})
   * @throws UncheckedIOException if the port cannot be bound
   */
  public static EmbeddedSchemaRegistry start(int port) {
    return start(port, null);
  }

  /**
   * Starts a server on 127.0.0.1 speaking https with {@code tls} (its key manager holds the server certificate), or
   * http when {@code tls} is null.
   */
  public static EmbeddedSchemaRegistry start(int port, SSLContext tls) {
    // The JDK server writes headers and body separately; with Nagle's algorithm against the client's delayed ACK
    // every answer then takes ~40 ms. The JDK reads this property once, when its first HttpServer is created.
    if (System.getProperty(NODELAY_PROPERTY) == null) {
      System.setProperty(NODELAY_PROPERTY, "true");
    }
    HttpServer server;
    try {
      InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
      if (tls == null) {
        server = HttpServer.create(address, 0);
      } else {
        HttpsServer https = HttpsServer.create(address, 0);
        https.setHttpsConfigurator(new HttpsConfigurator(tls));
        server = https;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot bind schema registry to 127.0.0.1:" + port, e);
    }
    AtomicInteger threadNumber = new AtomicInteger();
    ExecutorService workers = Executors.newFixedThreadPool(WORKER_THREADS, r -> {
      Thread t = new Thread(r, "schema-registry-" + threadNumber.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    server.createContext("/", new RegistryHttpHandler(new SchemaStore()));
    server.setExecutor(workers);
    server.start();
    return new EmbeddedSchemaRegistry(server, workers);
  }

  /** The base URL, e.g. {@code http://127.0.0.1:40123}, for {@code schema.registry.url}. */
  public String url() {
    return url;
  }

  /** The bound port. */
  public int port() {
    return server.getAddress().getPort();
  }

  /** Stops the server (in-flight requests get up to a second) and its worker threads. */
  @Override
  public void close() {
    server.stop(1);
    workers.shutdown();
    try {
      workers.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "EmbeddedSchemaRegistry[" + url + "]";
  }
}
