package org.streambert.streams.rollout.internals;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.streambert.bert.bundle.BundleException;
import org.streambert.bert.bundle.BundleIO;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.streams.rollout.ModelSourcePolicy;

/**
 * Resolves a checkpoint's {@code bundleUri} to a local bundle directory whose {@code MANIFEST.json} has the expected
 * sha256 (lower-case hex), within the bounds of a {@link ModelSourcePolicy}. File hashes are verified again by
 * {@link ModelBundle#open}.
 *
 * <ul>
 *   <li>{@code file:///abs/dir} or a plain absolute path: the directory itself, once its resolved path (symbolic links
 *       followed) is allowed and its listed files add up to at most {@code maxBytes}.</li>
 *   <li>{@code http(s)://host/path/to/bundle}: the bundle served as its directory tree. {@code <uri>/MANIFEST.json}
 *       first (at most {@link ModelBundle#MAX_MANIFEST_BYTES}), its sha256 checked, then every file it lists, each
 *       streamed to a temporary directory while hashed and refused as soon as the bundle passes {@code maxBytes} or a
 *       file's hash differs from the manifest, all within {@code fetchTimeout} (the whole bundle, bodies included);
 *       then one atomic rename to {@code <cache dir>/<model name>/<version>-<first 16 hex of sha>}. Redirects are
 *       followed only to the same origin and inside the allow-list. A complete earlier download is reused.</li>
 * </ul>
 *
 * A {@link Control} lets another thread cancel a fetch in progress (a newer checkpoint supersedes it). Failures are
 * {@link BundleException}s whose message names the rule that failed, never content that was fetched.
 */
public final class BundleFetcher {

  private static final int MAX_REDIRECTS = 5;

  private final Path cacheDir;
  private final ModelSourcePolicy policy;
  private final HttpClient http;
  private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "nlp-fetch-deadline");
    t.setDaemon(true);
    return t;
  });

  /** A fetcher with {@link ModelSourcePolicy#defaults()}. */
  public BundleFetcher(Path cacheDir) {
    this(cacheDir, ModelSourcePolicy.defaults());
  }

  public BundleFetcher(Path cacheDir, ModelSourcePolicy policy) {
    this.cacheDir = cacheDir;
    this.policy = policy;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
        .followRedirects(HttpClient.Redirect.NEVER).build();
  }

  /** Cancels a fetch from another thread; one per fetch. */
  public static final class Control {
    private volatile String cancelled;

    /** Stops the fetch (if still running) with {@code reason}; the first reason wins. */
    public synchronized void cancel(String reason) {
      if (cancelled == null) {
        cancelled = reason;
      }
    }

    String cancelled() {
      return cancelled;
    }
  }

  /** {@link #fetch(String, String, String, String, Control)} that no one cancels. */
  public Path fetch(String uri, String modelName, String version, String expectedSha256) throws IOException {
    return fetch(uri, modelName, version, expectedSha256, new Control());
  }

  /**
   * The local bundle directory for {@code uri}.
   *
   * @throws BundleException naming the rule when the location is not allowed, the manifest's sha256 differs, a file
   *                         is missing or differs, a bound is passed, or the fetch was cancelled
   */
  public Path fetch(String uri, String modelName, String version, String expectedSha256, Control control)
      throws IOException {
    String where = policy.locationRefusal(uri);
    if (where != null) {
      throw new BundleException(where);
    }
    if (expectedSha256 == null || !expectedSha256.matches("[0-9a-fA-F]{64}")) {
      throw new BundleException("manifest.sha256: the checkpoint's manifestSha256 is not 64 hex digits");
    }
    String lower = uri.toLowerCase(Locale.ROOT);
    if (!lower.startsWith("http://") && !lower.startsWith("https://")) {
      return local(uri);
    }
    ScheduledFuture<?> deadline = WATCHDOG.schedule(() -> control.cancel("fetch.timeout: the bundle was not fetched "
        + "within nlp.model.fetch.timeout.ms=" + policy.fetchTimeout().toMillis()), policy.fetchTimeout().toMillis(),
        TimeUnit.MILLISECONDS);
    try {
      return download(uri.endsWith("/") ? uri : uri + "/", modelName, version, expectedSha256.toLowerCase(Locale.ROOT),
          control);
    } catch (IOException | RuntimeException e) {
      String reason = control.cancelled();
      if (reason != null) {
        throw new BundleException(reason);
      }
      throw e;
    } finally {
      deadline.cancel(false);
    }
  }

  private Path local(String uri) throws IOException {
    Path dir = uri.regionMatches(true, 0, "file:", 0, 5) ? Path.of(URI.create(uri)) : Path.of(uri);
    if (!Files.isDirectory(dir)) {
      throw new BundleException("bundle.missing: the bundle directory does not exist");
    }
    Path real = dir.toRealPath();
    if (!policy.allowsLocal(real)) {
      throw new BundleException("uri.allowed: the bundle directory resolves (through symbolic links) to a place "
          + "outside nlp.model.uri.allowed");
    }
    Path manifest = real.resolve(ModelBundle.MANIFEST_FILE);
    if (!Files.isRegularFile(manifest)) {
      throw new BundleException("bundle.missing: the bundle has no " + ModelBundle.MANIFEST_FILE);
    }
    if (Files.size(manifest) > ModelBundle.MAX_MANIFEST_BYTES) {
      throw new BundleException("max.bytes: " + ModelBundle.MANIFEST_FILE + " is larger than "
          + ModelBundle.MAX_MANIFEST_BYTES + " bytes");
    }
    long total = 0;
    for (String file : BundleIO.listFiles(real)) {
      total += Files.size(real.resolve(file));
      if (total > policy.maxBytes()) {
        throw new BundleException("max.bytes: the bundle is larger than nlp.model.max.bytes=" + policy.maxBytes());
      }
    }
    return real;
  }

  private Path download(String base, String modelName, String version, String expectedSha256, Control control)
      throws IOException {
    Path target = cacheDir.resolve(safe(modelName)).resolve(safe(version) + "-" + expectedSha256.substring(0, 16));
    Path cachedManifest = target.resolve(ModelBundle.MANIFEST_FILE);
    if (Files.isRegularFile(cachedManifest) && Files.size(cachedManifest) <= ModelBundle.MAX_MANIFEST_BYTES
        && sha256(Files.readAllBytes(cachedManifest)).equals(expectedSha256)) {
      return target;
    }
    Files.createDirectories(target.getParent());
    Path temp = Files.createTempDirectory(target.getParent(), ".download-");
    try {
      long[] budget = {policy.maxBytes()};
      Path manifestFile = temp.resolve(ModelBundle.MANIFEST_FILE);
      String manifestSha = get(base + ModelBundle.MANIFEST_FILE, manifestFile, budget,
          Math.min(ModelBundle.MAX_MANIFEST_BYTES, budget[0]), control);
      if (!manifestSha.equals(expectedSha256)) {
        throw new BundleException("manifest.sha256: the sha256 of the fetched " + ModelBundle.MANIFEST_FILE
            + " differs from the checkpoint's manifestSha256");
      }
      Map<String, String> files = ModelBundle.listedFiles(Files.readAllBytes(manifestFile));
      for (Map.Entry<String, String> e : files.entrySet()) {
        String name = e.getKey();
        if (name.isEmpty() || name.startsWith("/") || name.contains("\\") || name.contains("%")
            || List.of(name.split("/")).contains("..") || List.of(name.split("/")).contains(".")
            || name.equals(ModelBundle.MANIFEST_FILE)) {
          throw new BundleException("bundle.paths: " + ModelBundle.MANIFEST_FILE + " lists an illegal path");
        }
        Path file = temp.resolve(name).normalize();
        if (!file.startsWith(temp)) {
          throw new BundleException("bundle.paths: " + ModelBundle.MANIFEST_FILE + " lists an illegal path");
        }
        Files.createDirectories(file.getParent());
        String sha = get(base + name, file, budget, budget[0], control);
        if (!sha.equals(e.getValue())) {
          throw new BundleException("bundle.sha256: a fetched file differs from " + ModelBundle.MANIFEST_FILE);
        }
      }
      BundleIO.fsyncTree(temp);
      BundleIO.deleteRecursively(target);
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
      BundleIO.fsyncDirectory(target.getParent());
      return target;
    } finally {
      BundleIO.deleteRecursively(temp);
    }
  }

  /**
   * Streams {@code url} into {@code file} (at most {@code cap} bytes, taken from {@code budget[0]}) and returns its
   * sha256. Redirects only within the origin and the allow-list. The body is consumed asynchronously by a
   * {@link FileBody}; this thread only waits, so a stalled server, the deadline or a cancellation stop it at once.
   */
  private String get(String url, Path file, long[] budget, long cap, Control control) throws IOException {
    URI uri = URI.create(url);
    for (int hop = 0; ; hop++) {
      FileBody body = new FileBody(file, Math.min(cap, budget[0]), tooLarge(cap));
      HttpRequest request = HttpRequest.newBuilder(uri).timeout(policy.fetchTimeout()).GET().build();
      CompletableFuture<HttpResponse<String>> pending = http.sendAsync(request,
          info -> info.statusCode() == 200 ? body : HttpResponse.BodySubscribers.replacing(null));
      HttpResponse<String> response;
      try {
        response = await(pending, body, control);
      } finally {
        body.abort(null); // no-op when complete; closes the file otherwise
      }
      int status = response.statusCode();
      if (status >= 300 && status < 400) {
        URI from = uri;
        URI next = response.headers().firstValue("Location").map(l -> resolve(from, l)).orElse(null);
        if (next == null || hop >= MAX_REDIRECTS || !policy.allowsRedirect(uri, next)) {
          throw new BundleException("uri.redirect: the server redirected to another origin or outside "
              + "nlp.model.uri.allowed (or more than " + MAX_REDIRECTS + " times)");
        }
        uri = next;
        continue;
      }
      if (status != 200) {
        throw new BundleException("fetch.status: HTTP " + status + " for a bundle file");
      }
      budget[0] -= body.written();
      return response.body();
    }
  }

  /** Waits for the response, polling the control so a cancellation or the deadline ends the wait at once. */
  private static HttpResponse<String> await(CompletableFuture<HttpResponse<String>> pending, FileBody body,
      Control control) throws IOException {
    while (true) {
      String cancelled = control.cancelled();
      if (cancelled != null) {
        body.abort(new BundleException(cancelled));
        pending.cancel(true);
        throw new BundleException(cancelled);
      }
      try {
        return pending.get(50, TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        // poll the control again
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        pending.cancel(true);
        body.abort(new BundleException("shutdown: interrupted"));
        throw new BundleException(control.cancelled() != null ? control.cancelled() : "shutdown: interrupted");
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        if (cause instanceof BundleException b) {
          throw new BundleException(b.getMessage());
        }
        throw new BundleException("fetch.io: " + (cause == null ? "failed" : cause.getClass().getSimpleName()));
      }
    }
  }

  /**
   * Writes a response body to a file while hashing it, failing (and cancelling the transfer) as soon as it passes
   * its cap. Completes with the lower-case hex sha256.
   */
  private static final class FileBody implements HttpResponse.BodySubscriber<String> {
    private final CompletableFuture<String> result = new CompletableFuture<>();
    private final Path file;
    private final long cap;
    private final String tooLarge;
    private final MessageDigest digest = newSha256();
    private OutputStream out;
    private Flow.Subscription subscription;
    private long written;

    FileBody(Path file, long cap, String tooLarge) {
      this.file = file;
      this.cap = cap;
      this.tooLarge = tooLarge;
    }

    synchronized long written() {
      return written;
    }

    @Override
    public synchronized void onSubscribe(Flow.Subscription s) {
      subscription = s;
      if (result.isDone()) {
        s.cancel();
        return;
      }
      try {
        out = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW);
      } catch (IOException e) {
        abort(e);
        return;
      }
      s.request(1);
    }

    @Override
    public synchronized void onNext(List<ByteBuffer> items) {
      if (result.isDone()) {
        return;
      }
      try {
        for (ByteBuffer b : items) {
          written += b.remaining();
          if (written > cap) {
            abort(new BundleException(tooLarge));
            return;
          }
          digest.update(b.duplicate());
          byte[] bytes = new byte[b.remaining()];
          b.get(bytes);
          out.write(bytes);
        }
      } catch (IOException e) {
        abort(e);
        return;
      }
      subscription.request(1);
    }

    @Override
    public synchronized void onError(Throwable t) {
      abort(t);
    }

    @Override
    public synchronized void onComplete() {
      try {
        if (out != null) {
          out.close();
        }
        result.complete(HexFormat.of().formatHex(digest.digest()));
      } catch (IOException e) {
        result.completeExceptionally(e);
      }
    }

    /** Fails the body with {@code cause} (null: only release resources if still open) and stops the transfer. */
    synchronized void abort(Throwable cause) {
      if (cause != null) {
        result.completeExceptionally(cause);
      } else if (!result.isDone()) {
        result.completeExceptionally(new BundleException("fetch.io: abandoned"));
      }
      if (subscription != null) {
        subscription.cancel();
      }
      if (out != null) {
        try {
          out.close();
        } catch (IOException e) {
          // the temporary directory is deleted anyway
        }
        out = null;
      }
    }

    @Override
    public CompletionStage<String> getBody() {
      return result;
    }
  }

  private String tooLarge(long cap) {
    return cap < policy.maxBytes() && cap == ModelBundle.MAX_MANIFEST_BYTES
        ? "max.bytes: " + ModelBundle.MANIFEST_FILE + " is larger than " + ModelBundle.MAX_MANIFEST_BYTES + " bytes"
        : "max.bytes: the bundle is larger than nlp.model.max.bytes=" + policy.maxBytes();
  }

  private static URI resolve(URI base, String location) {
    try {
      return base.resolve(location);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** Lower-case hex sha256. */
  public static String sha256(byte[] bytes) {
    MessageDigest digest = newSha256();
    return HexFormat.of().formatHex(digest.digest(bytes));
  }

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  private static String safe(String s) {
    return s.replaceAll("[^A-Za-z0-9._-]", "_");
  }
}
