package org.streambert.streams.rollout.internals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.bert.bundle.BundleException;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.schemas.signing.TrustedKeys;
import org.streambert.streams.rollout.ModelSourcePolicy;
import org.streambert.streams.testing.TestModels;

/** Bounded, allow-listed downloads against a loopback server that misbehaves on purpose. */
class BundleFetcherTest {

  @TempDir
  Path dir;

  private ModelBundle source;
  private HttpServer server;
  private HttpServer otherOrigin;
  private ExecutorService threads;
  private String base;

  @BeforeEach
  void serve() throws IOException {
    source = TestModels.writeBundle(dir.resolve("served"), "bert-nlp", "3", "standard", TestModels.VOCAB);
    threads = Executors.newCachedThreadPool();
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(threads);
    otherOrigin = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    otherOrigin.setExecutor(threads);
    base = "http://127.0.0.1:" + server.getAddress().getPort();
    server.createContext("/models/3/", ex -> serveFile(ex, "/models/3/"));
    otherOrigin.createContext("/models/3/", ex -> serveFile(ex, "/models/3/"));
    server.createContext("/same-origin-redirect/", ex -> redirect(ex,
        base + "/models/3/" + ex.getRequestURI().getPath().substring("/same-origin-redirect/".length())));
    server.createContext("/cross-origin-redirect/", ex -> redirect(ex, "http://127.0.0.1:"
        + otherOrigin.getAddress().getPort() + "/models/3/"
        + ex.getRequestURI().getPath().substring("/cross-origin-redirect/".length())));
    server.createContext("/endless/", ex -> { // an endless MANIFEST.json: chunked, no length
      ex.sendResponseHeaders(200, 0);
      byte[] chunk = new byte[64 * 1024];
      try (OutputStream out = ex.getResponseBody()) {
        for (int i = 0; i < 100_000; i++) { // bounded: 6.4 GB at most, the client hangs up long before
          out.write(chunk);
        }
      } catch (IOException e) {
        // the client hung up: expected
      }
    });
    server.createContext("/trickle/", ex -> { // one byte every 100 ms
      ex.sendResponseHeaders(200, 0);
      try (OutputStream out = ex.getResponseBody()) {
        for (int i = 0; i < 300; i++) {
          out.write('{');
          out.flush();
          Thread.sleep(100);
        }
      } catch (IOException | InterruptedException e) {
        // the client hung up: expected
      }
    });
    server.start();
    otherOrigin.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
    otherOrigin.stop(0);
    threads.shutdownNow();
  }

  private void serveFile(HttpExchange ex, String prefix) throws IOException {
    Path file = source.dir().resolve(ex.getRequestURI().getPath().substring(prefix.length()));
    byte[] body = Files.isRegularFile(file) ? Files.readAllBytes(file) : new byte[0];
    ex.sendResponseHeaders(Files.isRegularFile(file) ? 200 : 404, body.length == 0 ? -1 : body.length);
    ex.getResponseBody().write(body);
    ex.close();
  }

  private static void redirect(HttpExchange ex, String location) throws IOException {
    ex.getResponseHeaders().add("Location", location);
    ex.sendResponseHeaders(302, -1);
    ex.close();
  }

  private BundleFetcher fetcher(long maxBytes, Duration timeout) {
    return new BundleFetcher(dir.resolve("cache"), new ModelSourcePolicy(TrustedKeys.none(),
        List.of(base + "/", dir.toUri().toString()), maxBytes, timeout, true));
  }

  private BundleFetcher fetcher() {
    return fetcher(ModelSourcePolicy.DEFAULT_MAX_BYTES, Duration.ofSeconds(30));
  }

  @Test
  void shouldDownloadBundleOverHttpFileByFileAndVerifyManifest() throws Exception {
    String uri = base + "/models/3";
    Path local = fetcher().fetch(uri, "bert-nlp", "3", source.manifestSha256());
    assertTrue(local.startsWith(dir.resolve("cache")));
    assertEquals(source.files(), ModelBundle.open(local).files());
    BundleException wrong = assertThrows(BundleException.class,
        () -> fetcher().fetch(uri, "bert-nlp", "4", "f".repeat(64)));
    assertTrue(wrong.getMessage().startsWith("manifest.sha256:"), wrong.getMessage());
    assertFalse(wrong.getMessage().contains(source.manifestSha256()), "names the rule, not the fetched hash");
  }

  @Test
  void shouldFollowRedirectsOnlyWithinTheOrigin() throws Exception {
    Path local = fetcher().fetch(base + "/same-origin-redirect/", "bert-nlp", "3", source.manifestSha256());
    assertEquals(source.files(), ModelBundle.open(local).files());
    // another version name, so the complete download above is not simply reused from the cache
    BundleException e = assertThrows(BundleException.class, () -> fetcher().fetch(base + "/cross-origin-redirect/",
        "bert-nlp", "3-again", source.manifestSha256()));
    assertTrue(e.getMessage().startsWith("uri.redirect:"), e.getMessage());
  }

  @Test
  void shouldStopAnEndlessBodyAtTheByteCap() {
    long start = System.nanoTime();
    BundleException e = assertThrows(BundleException.class,
        () -> fetcher().fetch(base + "/endless/", "bert-nlp", "3", source.manifestSha256()));
    assertTrue(e.getMessage().startsWith("max.bytes:"), e.getMessage());
    assertTrue(System.nanoTime() - start < Duration.ofSeconds(20).toNanos());
    assertNoPartialDownloads();
  }

  @Test
  void shouldRefuseABundleOverMaxBytes() {
    BundleException e = assertThrows(BundleException.class, () -> fetcher(300, Duration.ofSeconds(30))
        .fetch(base + "/models/3/", "bert-nlp", "3", source.manifestSha256()));
    assertTrue(e.getMessage().startsWith("max.bytes:"), e.getMessage());
    assertNoPartialDownloads();
  }

  @Test
  void shouldCutOffATricklingBodyAtTheDeadline() {
    long start = System.nanoTime();
    BundleException e = assertThrows(BundleException.class, () -> fetcher(ModelSourcePolicy.DEFAULT_MAX_BYTES,
        Duration.ofMillis(1500)).fetch(base + "/trickle/", "bert-nlp", "3", source.manifestSha256()));
    assertTrue(e.getMessage().startsWith("fetch.timeout:"), e.getMessage());
    long took = System.nanoTime() - start;
    assertTrue(took < Duration.ofSeconds(10).toNanos(), took / 1_000_000 + " ms");

  }

  @Test
  void shouldStopWhenCancelledFromAnotherThread() throws Exception {
    BundleFetcher.Control control = new BundleFetcher.Control();
    Thread canceller = new Thread(() -> {
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        return;
      }
      control.cancel("superseded: test");
    });
    canceller.start();
    BundleException e = assertThrows(BundleException.class, () -> fetcher().fetch(base + "/trickle/", "bert-nlp",
        "3", source.manifestSha256(), control));
    canceller.join(5_000);
    assertEquals("superseded: test", e.getMessage());
  }

  @Test
  void shouldRefuseLocationsOutsideTheAllowListBeforeAnyIo() {
    for (String uri : List.of("file:///etc/", "/proc/self/", "http://169.254.169.254/latest/",
        base + "/../models/3/", "ftp://host/x/", "http://user:pw@127.0.0.1/x/", base + "/models/%2e%2e/3/")) {
      BundleException e = assertThrows(BundleException.class,
          () -> fetcher().fetch(uri, "bert-nlp", "3", source.manifestSha256()), uri);
      assertTrue(e.getMessage().startsWith("uri.allowed:"), uri + " -> " + e.getMessage());
    }
    // With no allow-list: local directories only, never system directories, never http.
    BundleFetcher defaults = new BundleFetcher(dir.resolve("cache"));
    for (String uri : List.of("file:///etc/", "/proc/self/", base + "/models/3/")) {
      assertThrows(BundleException.class, () -> defaults.fetch(uri, "bert-nlp", "3", source.manifestSha256()), uri);
    }
  }

  @Test
  void shouldRefuseALocalBundleReachedThroughASymlinkOutsideTheAllowList(@TempDir Path elsewhere) throws Exception {
    ModelBundle outside = TestModels.writeBundle(elsewhere.resolve("b"), "bert-nlp", "3", "standard",
        TestModels.VOCAB);
    Path link = Files.createSymbolicLink(dir.resolve("link"), outside.dir());
    BundleException e = assertThrows(BundleException.class,
        () -> fetcher().fetch(link.toUri().toString(), "bert-nlp", "3", outside.manifestSha256()));
    assertTrue(e.getMessage().startsWith("uri.allowed:"), e.getMessage());
  }

  @Test
  void shouldCopyALocalBundleIntoAnOwnerOnlyDirectoryAndNeverReturnTheStore() throws Exception {
    Path local = fetcher().fetch(source.dir().toUri().toString(), "bert-nlp", "3", source.manifestSha256());
    assertTrue(local.startsWith(dir.resolve("cache").resolve(BundleFetcher.PRIVATE_DIR).resolve("bert-nlp")), local
        .toString());
    assertEquals(source.files(), ModelBundle.open(local).files());
    assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
        Files.getPosixFilePermissions(local.getParent())));
    // The store changes afterwards: the copy does not.
    Files.writeString(source.dir().resolve(ModelBundle.VOCAB_FILE), "changed\n");
    assertEquals(source.files(), ModelBundle.open(local).files());
  }

  @Test
  void shouldRefuseALocalBundleWithAnUnlistedFileOrOverTheBounds() throws Exception {
    String uri = source.dir().toUri().toString();
    BundleException big = assertThrows(BundleException.class,
        () -> fetcher(300, Duration.ofSeconds(30)).fetch(uri, "bert-nlp", "3", source.manifestSha256()));
    assertTrue(big.getMessage().startsWith("max.bytes:"), big.getMessage());
    BundleException wrong = assertThrows(BundleException.class,
        () -> fetcher().fetch(uri, "bert-nlp", "3", "f".repeat(64)));
    assertTrue(wrong.getMessage().startsWith("manifest.sha256:"), wrong.getMessage());
    Files.writeString(source.dir().resolve("saved_model").resolve("extra.txt"), "not in the manifest");
    BundleException unlisted = assertThrows(BundleException.class,
        () -> fetcher().fetch(uri, "bert-nlp", "3", source.manifestSha256()));
    assertEquals("bundle.unlisted: unlisted file saved_model/extra.txt (not in MANIFEST.json)", unlisted.getMessage());
    assertNoPartialDownloads();
  }

  private void assertNoPartialDownloads() {
    Path cache = dir.resolve("cache").resolve(BundleFetcher.PRIVATE_DIR).resolve("bert-nlp");
    if (Files.isDirectory(cache)) {
      try (Stream<Path> s = Files.list(cache)) {
        assertEquals(List.of(), s.toList());
      } catch (IOException e) {
        throw new AssertionError(e);
      }
    }
  }
}
