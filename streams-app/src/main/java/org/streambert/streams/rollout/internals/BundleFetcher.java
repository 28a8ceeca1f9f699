package org.streambert.streams.rollout.internals;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
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
 * Brings a checkpoint's {@code bundleUri} into a private, app-owned copy whose {@code MANIFEST.json} has the expected
 * sha256 (lower-case hex), within the bounds of a {@link ModelSourcePolicy}, and returns that copy. Nothing is ever
 * loaded from the store itself: a writer of the store could otherwise swap {@code saved_model.pb} or
 * {@code variables/*} between the checks and TensorFlow's read (issue 29). File hashes are verified again by
 * {@link ModelBundle#open} on the copy.
 *
 * <p>Copies live in {@code <cache dir>/}{@value #PRIVATE_DIR}{@code /<model name>/<version>-<first 16 hex of sha>},
 * in owner-only directories ({@link #privateDir}); {@link #retainOnly} deletes those no longer in use.
 *
 * <ul>
 *   <li>{@code file:///abs/dir} or a plain absolute path: once its resolved path (symbolic links followed) is
 *       allowed, every file the manifest lists is copied into a temporary private directory while hashed (the bytes
 *       hashed are the bytes written), without following links: a symbolic link or special file anywhere in the
 *       bundle, an unlisted file, more than {@link #MAX_FILES} files or more than {@code maxBytes} bytes refuses
 *       it; then one atomic rename to the copy's place. Hard links are not used: a writer of the store can modify a
 *       hard-linked inode in place.</li>
 *   <li>{@code http(s)://host/path/to/bundle}: the bundle served as its directory tree. {@code <uri>/MANIFEST.json}
 *       first (at most {@link ModelBundle#MAX_MANIFEST_BYTES}), its sha256 checked, then every file it lists, each
 *       streamed to a temporary directory while hashed and refused as soon as the bundle passes {@code maxBytes} or a
 *       file's hash differs from the manifest; then one atomic rename to the copy's place. Redirects are followed
 *       only to the same origin and inside the allow-list. A complete earlier download is reused.</li>
 * </ul>
 *
 * Either way the whole fetch runs within {@code fetchTimeout}. A {@link Control} lets another thread cancel a fetch
 * in progress (a newer checkpoint supersedes it). Failures are {@link BundleException}s whose message names the rule
 * that failed, never content that was fetched.
 */
public final class BundleFetcher {

  private static final int MAX_REDIRECTS = 5;

  /** Most files of one bundle (a BERT bundle has under ten: model.json, vocab.txt, SavedModel, ONNX file). */
  public static final int MAX_FILES = 1024;

  /** Deepest directory nesting of a local bundle that is walked. */
  private static final int MAX_DEPTH = 8;

  /** Directory under the cache directory that holds the private copies, one owner-only directory per model. */
  public static final String PRIVATE_DIR = "bundles";

  private static final java.util.Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

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
   * The private copy of the bundle at {@code uri} (see the class comment); never the store itself.
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
    boolean remote = lower.startsWith("http://") || lower.startsWith("https://");
    ScheduledFuture<?> deadline = WATCHDOG.schedule(() -> control.cancel("fetch.timeout: the bundle was not fetched "
        + "within nlp.model.fetch.timeout.ms=" + policy.fetchTimeout().toMillis()), policy.fetchTimeout().toMillis(),
        TimeUnit.MILLISECONDS);
    try {
      String sha = expectedSha256.toLowerCase(Locale.ROOT);
      return remote ? download(uri.endsWith("/") ? uri : uri + "/", modelName, version, sha, control)
          : local(uri, modelName, version, sha, control);
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

  /**
   * Copies the bundle at {@code uri} from the store into a new private directory, hashing every byte as it is
   * written, and returns the copy: what is verified later and loaded is what was hashed here, whatever the store does
   * meanwhile (issue 29). Refuses symbolic links and special files anywhere in the bundle (none is followed), files
   * the manifest does not list, more than {@link #MAX_FILES} files and more than {@code maxBytes} bytes (counted as
   * read, so a file growing during the copy is caught).
   */
  private Path local(String uri, String modelName, String version, String expectedSha256, Control control)
      throws IOException {
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
    if (!Files.isRegularFile(manifest, LinkOption.NOFOLLOW_LINKS)) {
      throw new BundleException("bundle.missing: the bundle has no " + ModelBundle.MANIFEST_FILE
          + " (or it is a symbolic link)");
    }
    Path target = privateDir(modelName).resolve(safe(version) + "-" + expectedSha256.substring(0, 16));
    Path temp = Files.createTempDirectory(target.getParent(), ".copy-"); // owner-only on POSIX
    try {
      long[] budget = {policy.maxBytes()};
      String manifestSha = copyHashed(manifest, temp.resolve(ModelBundle.MANIFEST_FILE), budget,
          Math.min(ModelBundle.MAX_MANIFEST_BYTES, budget[0]), ModelBundle.MANIFEST_FILE, control);
      if (!manifestSha.equals(expectedSha256)) {
        throw new BundleException("manifest.sha256: the sha256 of the bundle's " + ModelBundle.MANIFEST_FILE
            + " differs from the checkpoint's manifestSha256");
      }
      Map<String, String> files = listedFiles(temp.resolve(ModelBundle.MANIFEST_FILE));
      checkTree(real, files.keySet());
      for (Map.Entry<String, String> e : files.entrySet()) {
        String name = e.getKey();
        Path to = target(temp, name);
        String sha = copyHashed(real.resolve(name), to, budget, budget[0], name, control);
        if (!sha.equals(e.getValue())) {
          throw new BundleException("bundle.sha256: " + printable(name) + " differs from "
              + ModelBundle.MANIFEST_FILE + " (hash mismatch)");
        }
      }
      replace(temp, target);
      return target;
    } finally {
      BundleIO.deleteRecursively(temp);
    }
  }

  /**
   * Walks the store's bundle directory without following links: refuses a symbolic link or special file anywhere, a
   * regular file the manifest does not list, and more than {@link #MAX_FILES} entries.
   */
  private static void checkTree(Path root, java.util.Set<String> listed) throws IOException {
    int[] entries = {0};
    Files.walkFileTree(root, java.util.EnumSet.noneOf(FileVisitOption.class), MAX_DEPTH,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
            count(d);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
            count(f);
            String name = root.relativize(f).toString().replace('\\', '/');
            if (attrs.isSymbolicLink()) {
              throw new BundleException("bundle.links: " + printable(name) + " is a symbolic link (the bundle is "
                  + "copied without following links, so none may be one)");
            }
            if (attrs.isDirectory()) { // a directory below MAX_DEPTH
              throw new BundleException("bundle.paths: the bundle is nested deeper than " + MAX_DEPTH + " levels");
            }
            if (!attrs.isRegularFile()) {
              throw new BundleException("bundle.files: " + printable(name) + " is not a regular file");
            }
            if (!name.equals(ModelBundle.MANIFEST_FILE) && !listed.contains(name)) {
              throw new BundleException("bundle.unlisted: unlisted file " + printable(name) + " (not in "
                  + ModelBundle.MANIFEST_FILE + ")");
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path f, IOException e) throws IOException {
            throw new BundleException("bundle.files: " + printable(root.relativize(f).toString())
                + " cannot be read");
          }

          private void count(Path p) throws BundleException {
            if (++entries[0] > MAX_FILES + MAX_DEPTH * 4) {
              throw new BundleException("max.files: the bundle directory holds more than " + MAX_FILES + " files");
            }
          }
        });
  }

  /**
   * Copies one regular file of the store (refused if a symbolic link or special file; opened with
   * {@code O_NOFOLLOW}) to {@code to}, at most {@code cap} bytes taken from {@code budget[0]}, and returns the sha256
   * of exactly the bytes written.
   */
  private String copyHashed(Path from, Path to, long[] budget, long cap, String name, Control control)
      throws IOException {
    BasicFileAttributes attrs;
    try {
      attrs = Files.readAttributes(from, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new BundleException("bundle.missing: missing file " + printable(name));
    }
    if (attrs.isSymbolicLink()) {
      throw new BundleException("bundle.links: " + printable(name) + " is a symbolic link (the bundle is copied "
          + "without following links, so none may be one)");
    }
    if (!attrs.isRegularFile()) {
      throw new BundleException("bundle.files: " + printable(name) + " is not a regular file");
    }
    MessageDigest digest = newSha256();
    long written = 0;
    try (SeekableByteChannel in = Files.newByteChannel(from, java.util.Set.of(StandardOpenOption.READ,
        LinkOption.NOFOLLOW_LINKS));
        OutputStream out = Files.newOutputStream(to, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
      while (in.read(buffer) >= 0) {
        String cancelled = control.cancelled();
        if (cancelled != null) {
          throw new BundleException(cancelled);
        }
        buffer.flip();
        written += buffer.remaining();
        if (written > cap) {
          throw new BundleException(tooLarge(cap));
        }
        digest.update(buffer.array(), 0, buffer.limit());
        out.write(buffer.array(), 0, buffer.limit());
        buffer.clear();
      }
    } catch (java.nio.file.FileSystemException e) { // ELOOP from O_NOFOLLOW, ENOENT, EACCES
      throw new BundleException("bundle.files: " + printable(name) + " cannot be read (a symbolic link, or "
          + "removed during the copy)");
    }
    budget[0] -= written;
    return HexFormat.of().formatHex(digest.digest());
  }

  /** The files the (already copied) manifest lists, each a legal relative path, at most {@link #MAX_FILES}. */
  private static Map<String, String> listedFiles(Path manifest) throws IOException {
    Map<String, String> files = ModelBundle.listedFiles(Files.readAllBytes(manifest));
    if (files.size() > MAX_FILES) {
      throw new BundleException("max.files: " + ModelBundle.MANIFEST_FILE + " lists more than " + MAX_FILES
          + " files");
    }
    for (String name : files.keySet()) {
      legalName(name);
    }
    return files;
  }

  /** Where listed file {@code name} goes in the temporary directory {@code temp} (its parents created). */
  private static Path target(Path temp, String name) throws IOException {
    Path file = temp.resolve(name).normalize();
    if (!file.startsWith(temp)) {
      throw new BundleException("bundle.paths: " + ModelBundle.MANIFEST_FILE + " lists an illegal path");
    }
    Files.createDirectories(file.getParent());
    return file;
  }

  /** {@code name} when it is a relative path inside the bundle, else a refusal. */
  private static String legalName(String name) throws BundleException {
    if (name.isEmpty() || name.startsWith("/") || name.contains("\\") || name.contains("%")
        || List.of(name.split("/")).contains("..") || List.of(name.split("/")).contains(".")
        || name.equals(ModelBundle.MANIFEST_FILE)) {
      throw new BundleException("bundle.paths: " + ModelBundle.MANIFEST_FILE + " lists an illegal path");
    }
    return name;
  }

  /** Puts the finished copy {@code temp} at {@code target}, replacing an older copy there. */
  private static void replace(Path temp, Path target) throws IOException {
    BundleIO.fsyncTree(temp);
    Path aside = null;
    if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      aside = target.resolveSibling(".old-" + UUID.randomUUID());
      Files.move(target, aside, StandardCopyOption.ATOMIC_MOVE);
    }
    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
    BundleIO.fsyncDirectory(target.getParent());
    if (aside != null) {
      BundleIO.deleteRecursively(aside);
    }
  }

  /**
   * The private directory of {@code modelName}'s copies, {@code <cache dir>/bundles/<model name>}: created
   * owner-only ({@code rwx------}) or made so (which fails unless this user owns it), never a symbolic link.
   */
  public Path privateDir(String modelName) throws IOException {
    Path root = ownerOnly(cacheDir.resolve(PRIVATE_DIR));
    return ownerOnly(root.resolve(safe(modelName)));
  }

  private Path ownerOnly(Path dir) throws IOException {
    boolean posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      Files.createDirectories(dir.getParent());
      try {
        if (posix) {
          Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } else {
          Files.createDirectory(dir);
        }
      } catch (java.nio.file.FileAlreadyExistsException e) {
        // created meanwhile: checked below
      }
    }
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      throw new BundleException("cache.dir: " + dir + " is not a directory (or is a symbolic link)");
    }
    if (posix) {
      try {
        Files.setPosixFilePermissions(dir, OWNER_ONLY); // only the owner may: fails on a directory of another user
      } catch (IOException e) {
        throw new BundleException("cache.dir: cannot make " + dir + " owner-only (is it another user's?): " + e);
      }
    }
    return dir;
  }

  /**
   * Deletes every copy of {@code modelName} in its private directory except {@code keep} (the directories of the
   * models in use), including temporary directories a crash left. Call only from the thread that fetches.
   */
  public void retainOnly(String modelName, java.util.Collection<Path> keep) throws IOException {
    Path dir = cacheDir.resolve(PRIVATE_DIR).resolve(safe(modelName));
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    List<Path> stale;
    try (java.util.stream.Stream<Path> entries = Files.list(dir)) {
      stale = entries.filter(p -> keep.stream().noneMatch(k -> k != null && k.normalize().equals(p.normalize())))
          .toList();
    }
    for (Path p : stale) {
      BundleIO.deleteRecursively(p);
    }
  }

  private static String printable(String name) {
    String s = name.length() > 100 ? name.substring(0, 100) + "..." : name;
    return s.replaceAll("[^A-Za-z0-9_./-]", "?");
  }

  private Path download(String base, String modelName, String version, String expectedSha256, Control control)
      throws IOException {
    Path target = privateDir(modelName).resolve(safe(version) + "-" + expectedSha256.substring(0, 16));
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
      Map<String, String> files = listedFiles(manifestFile);
      for (Map.Entry<String, String> e : files.entrySet()) {
        String name = e.getKey();
        Path file = target(temp, name);
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
