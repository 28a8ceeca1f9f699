package org.streambert.streams.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.streambert.bert.bundle.BundleException;
import org.streambert.bert.bundle.ModelBundle;

/**
 * Resolves a checkpoint's {@code bundleUri} to a local bundle directory whose {@code MANIFEST.json} has the expected
 * sha256 (lower-case hex). File hashes are verified afterwards by {@link ModelBundle#open}.
 *
 * <ul>
 *   <li>{@code file:///abs/dir} or a plain path: the directory itself.</li>
 *   <li>{@code http(s)://host/path/to/bundle}: the bundle is served as its directory tree. This class fetches
 *       {@code <uri>/MANIFEST.json}, checks its sha256, then fetches {@code <uri>/<path>} for every path listed in the
 *       manifest's {@code files} (relative, {@code /}-separated, e.g. {@code saved_model/variables/variables.index}),
 *       into {@code <cache dir>/<model name>/<version>-<first 16 hex of sha>}. A complete earlier download with the same
 *       manifest is reused. Any static file server over a bundle directory serves this format.</li>
 * </ul>
 *
 * Other schemes are refused with a message naming the URI.
 */
public final class BundleFetcher {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final Path cacheDir;
  private final HttpClient http;

  public BundleFetcher(Path cacheDir) {
    this.cacheDir = cacheDir;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
        .followRedirects(HttpClient.Redirect.NORMAL).build();
  }

  /**
   * The local bundle directory for {@code uri}.
   *
   * @throws BundleException if the manifest's sha256 differs from {@code expectedSha256}, a file is missing, or the URI
   *                         is not supported
   */
  public Path fetch(String uri, String modelName, String version, String expectedSha256) throws IOException {
    String scheme = schemeOf(uri);
    if (scheme == null || scheme.equals("file")) {
      Path dir = scheme == null ? Path.of(uri) : Path.of(URI.create(uri));
      Path manifest = dir.resolve(ModelBundle.MANIFEST_FILE);
      if (!Files.isRegularFile(manifest)) {
        throw new BundleException("bundle " + uri + ": missing file " + ModelBundle.MANIFEST_FILE);
      }
      checkSha(uri, Files.readAllBytes(manifest), expectedSha256);
      return dir;
    }
    if (scheme.equals("http") || scheme.equals("https")) {
      return download(uri.endsWith("/") ? uri : uri + "/", modelName, version, expectedSha256);
    }
    throw new BundleException("bundle URI " + uri + ": scheme '" + scheme + "' is not supported (file, http, https or"
        + " a local path)");
  }

  private Path download(String base, String modelName, String version, String expectedSha256) throws IOException {
    byte[] manifest = get(base + ModelBundle.MANIFEST_FILE);
    checkSha(base, manifest, expectedSha256);
    Path target = cacheDir.resolve(safe(modelName)).resolve(safe(version) + "-" + expectedSha256.substring(0,
        Math.min(16, expectedSha256.length())));
    Path cachedManifest = target.resolve(ModelBundle.MANIFEST_FILE);
    if (Files.isRegularFile(cachedManifest) && sha256(Files.readAllBytes(cachedManifest)).equals(expectedSha256)) {
      return target;
    }
    List<String> files = new ArrayList<>();
    JsonNode listed = MAPPER.readTree(manifest).get("files");
    if (listed == null || !listed.isObject()) {
      throw new BundleException("bundle " + base + ": " + ModelBundle.MANIFEST_FILE + " has no files object");
    }
    for (Iterator<String> it = listed.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (name.isEmpty() || name.startsWith("/") || name.contains("\\") || List.of(name.split("/")).contains("..")) {
        throw new BundleException("bundle " + base + ": illegal path '" + name + "' in " + ModelBundle.MANIFEST_FILE);
      }
      files.add(name);
    }
    Files.createDirectories(target.getParent());
    Path temp = Files.createTempDirectory(target.getParent(), ".download-");
    try {
      for (String name : files) {
        Path file = temp.resolve(name);
        Files.createDirectories(file.getParent());
        Files.write(file, get(base + name));
      }
      Files.write(temp.resolve(ModelBundle.MANIFEST_FILE), manifest);
      deleteRecursively(target);
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
      return target;
    } finally {
      deleteRecursively(temp);
    }
  }

  private byte[] get(String url) throws IOException {
    HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(5)).GET().build();
    HttpResponse<InputStream> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while fetching " + url, e);
    }
    try (InputStream body = response.body()) {
      if (response.statusCode() != 200) {
        throw new BundleException("fetching " + url + " failed: HTTP " + response.statusCode());
      }
      return body.readAllBytes();
    }
  }

  private static void checkSha(String uri, byte[] manifest, String expected) throws BundleException {
    String actual = sha256(manifest);
    if (expected == null || !actual.equals(expected.toLowerCase(Locale.ROOT))) {
      throw new BundleException("bundle " + uri + ": sha256 of " + ModelBundle.MANIFEST_FILE + " is " + actual
          + " but the checkpoint says " + expected);
    }
  }

  /** Lower-case hex sha256. */
  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  private static String schemeOf(String uri) {
    int colon = uri.indexOf(':');
    // A one-letter "scheme" is a Windows drive letter, not a scheme.
    if (colon <= 1 || !uri.startsWith("//", colon + 1) && !uri.regionMatches(true, 0, "file:", 0, 5)) {
      return null;
    }
    return uri.substring(0, colon).toLowerCase(Locale.ROOT);
  }

  private static String safe(String s) {
    return s.replaceAll("[^A-Za-z0-9._-]", "_");
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
