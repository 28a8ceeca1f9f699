package org.streambert.streams.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.streambert.bert.bundle.BundleException;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.bundle.BundleIO;

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
    private Thread owner;
    private boolean done;
    private String cancelled;

    /** Stops the fetch (if still running) with {@code reason}; the first reason wins. */
    public synchronized void cancel(String reason) {
      if (done || cancelled != null) {
        return;
      }
      cancelled = reason;
      if (owner != null) {
        owner.interrupt(); // unblocks a read of the HTTP body
      }
    }

    synchronized String cancelled() {
      return cancelled;
    }

    private synchronized void begin() {
      owner = Thread.currentThread();
    }

    private synchronized void end() {
      done = true;
      owner = null;
      if (cancelled != null) {
        Thread.interrupted(); // clear our own interrupt; a real one (shutdown) came with no reason
      }
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
    control.begin();
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
      control.end();
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
   * sha256. Redirects only within the origin and the allow-list.
   */
  private String get(String url, Path file, long[] budget, long cap, Control control) throws IOException {
    URI uri = URI.create(url);
    for (int hop = 0; ; hop++) {
      if (control.cancelled() != null) {
        throw new BundleException(control.cancelled());
      }
      HttpRequest request = HttpRequest.newBuilder(uri).timeout(policy.fetchTimeout()).GET().build();
      HttpResponse<InputStream> response;
      try {
        response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new BundleException(control.cancelled() != null ? control.cancelled() : "fetch interrupted");
      }
      try (InputStream body = response.body()) {
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
        long declared = response.headers().firstValueAsLong("Content-Length").orElse(-1);
        if (declared > cap) {
          throw new BundleException(tooLarge(cap));
        }
        return copy(body, file, budget, cap, control);
      }
    }
  }

  private String copy(InputStream body, Path file, long[] budget, long cap, Control control) throws IOException {
    MessageDigest digest = newSha256();
    byte[] buffer = new byte[64 * 1024];
    long written = 0;
    try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW)) {
      for (int n; (n = body.read(buffer)) >= 0; ) {
        if (control.cancelled() != null) {
          throw new BundleException(control.cancelled());
        }
        written += n;
        if (written > cap || written > budget[0]) {
          throw new BundleException(tooLarge(cap));
        }
        digest.update(buffer, 0, n);
        out.write(buffer, 0, n);
      }
    }
    budget[0] -= written;
    return HexFormat.of().formatHex(digest.digest());
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
