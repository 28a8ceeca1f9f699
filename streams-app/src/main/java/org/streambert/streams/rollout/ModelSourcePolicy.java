package org.streambert.streams.rollout;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.signing.TrustedKeys;

/**
 * What a serving instance trusts: whose signatures ({@code nlp.model.trusted.keys}), which bundle locations
 * ({@code nlp.model.uri.allowed}), how much it fetches ({@code nlp.model.max.bytes},
 * {@code nlp.model.fetch.timeout.ms}), whether signed events must carry golden examples
 * ({@code nlp.golden.required}) and how old an event may be ({@code nlp.model.max.event.age}, checked by
 * {@link CheckpointAcceptance}). {@link #refusal} holds the checks that need no I/O, run before anything is fetched;
 * {@code BundleFetcher} enforces the rest while it reads.
 *
 * <p>Every refusal reason starts with the rule's name (e.g. {@code signature:}, {@code uri.allowed:}) and never
 * quotes fetched content.
 *
 * @param trustedKeys  keys whose signatures are accepted; empty: signatures are not checked (a warning at start)
 * @param allowedUris  location prefixes ({@code file:///dir/}, a directory path, {@code https://host/path/}); empty:
 *                     local directories outside {@link #SYSTEM_DIRECTORIES}, never http(s)
 * @param maxBytes     most bytes of one bundle (per file and in total)
 * @param fetchTimeout total time one bundle download may take
 * @param goldenRequired a signed event that names heads must carry golden examples
 * @param maxEventAge  refuse an event issued longer ago than this ({@code nlp.model.max.event.age}); zero: no limit
 */
public record ModelSourcePolicy(TrustedKeys trustedKeys, List<String> allowedUris, long maxBytes,
    Duration fetchTimeout, boolean goldenRequired, Duration maxEventAge) {

  /** Never bundle locations when no allow-list is configured (checked on the resolved path). */
  public static final List<String> SYSTEM_DIRECTORIES =
      List.of("/etc", "/proc", "/sys", "/dev", "/boot", "/root", "/run", "/var/run", "/bin", "/sbin", "/usr", "/lib");

  /** Default of {@code nlp.model.max.bytes}: 4 GiB (BERT-large in fp32 is 1.3 GB). */
  public static final long DEFAULT_MAX_BYTES = 4L << 30;
  /** Default of {@code nlp.model.fetch.timeout.ms}: 10 minutes. */
  public static final Duration DEFAULT_FETCH_TIMEOUT = Duration.ofMinutes(10);

  public ModelSourcePolicy {
    Objects.requireNonNull(trustedKeys, "trustedKeys");
    allowedUris = List.copyOf(allowedUris);
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("maxBytes must be > 0");
    }
    if (fetchTimeout.isNegative() || fetchTimeout.isZero()) {
      throw new IllegalArgumentException("fetchTimeout must be > 0");
    }
    for (String prefix : allowedUris) {
      Location.parse(prefix); // fails at start-up, naming the prefix (operator input, not fetched content)
    }
    Objects.requireNonNull(maxEventAge, "maxEventAge");
    if (maxEventAge.isNegative()) {
      throw new IllegalArgumentException("maxEventAge must be >= 0");
    }
  }

  /** Without an age limit on events. */
  public ModelSourcePolicy(TrustedKeys trustedKeys, List<String> allowedUris, long maxBytes, Duration fetchTimeout,
      boolean goldenRequired) {
    this(trustedKeys, allowedUris, maxBytes, fetchTimeout, goldenRequired, Duration.ZERO);
  }

  /** This policy with {@code nlp.model.max.event.age} set to {@code maxEventAge} (zero: no limit). */
  public ModelSourcePolicy withMaxEventAge(Duration maxEventAge) {
    return new ModelSourcePolicy(trustedKeys, allowedUris, maxBytes, fetchTimeout, goldenRequired, maxEventAge);
  }

  /** No keys, no allow-list (local directories outside system directories), default bounds. */
  public static ModelSourcePolicy defaults() {
    return new ModelSourcePolicy(TrustedKeys.none(), List.of(), DEFAULT_MAX_BYTES, DEFAULT_FETCH_TIMEOUT, true);
  }

  /**
   * Why {@code checkpoint} must not even be fetched, or null: signature (when keys are trusted), location, golden
   * examples (signed events with heads, unless opted out), golden tolerances out of their bounds.
   */
  public String refusal(ModelCheckpoint checkpoint) {
    if (!trustedKeys.isEmpty()) {
      TrustedKeys.Failure failure = trustedKeys.check(checkpoint);
      if (failure != null) {
        return "signature: " + failure.reason();
      }
    }
    String where = locationRefusal(checkpoint.getBundleUri());
    if (where != null) {
      return where;
    }
    if (goldenRequired && !trustedKeys.isEmpty() && !checkpoint.getHeads().isEmpty()
        && checkpoint.getGoldenExamples().isEmpty()) {
      return "golden.required: the event names heads but carries no golden examples (nlp.golden.required=false to "
          + "accept that)";
    }
    return GoldenTolerance.refusal(checkpoint);
  }

  /** Why the bundle location is not allowed, or null (string rules only; the fetcher re-checks resolved paths). */
  public String locationRefusal(String uri) {
    Location location;
    try {
      location = Location.parse(uri);
    } catch (IllegalArgumentException e) {
      return "uri.allowed: " + e.getMessage();
    }
    return allows(location) ? null : "uri.allowed: the bundle URI is outside nlp.model.uri.allowed"
        + (allowedUris.isEmpty() ? " (unset: local directories only, no system directories, no http(s))" : "");
  }

  /** True when a local directory (already resolved: symbolic links followed) is an allowed place for a bundle. */
  public boolean allowsLocal(Path realPath) {
    Location location = new Location("file", null, -1, realPath.toString());
    if (allows(location)) {
      return true;
    }
    for (String prefix : allowedUris) { // an allowed directory reached through a link (e.g. /tmp -> /private/tmp)
      Location allowed = Location.parse(prefix);
      if (allowed.scheme.equals("file")) {
        try {
          if (Location.under(location.path, Path.of(allowed.path).toRealPath().toString())) {
            return true;
          }
        } catch (IOException e) {
          // a prefix that does not exist (yet) allows nothing beyond its literal path
        }
      }
    }
    return false;
  }

  /** True when {@code target}, a redirect from {@code from}, stays on the same origin and in the allow-list. */
  public boolean allowsRedirect(URI from, URI target) {
    Location a;
    Location b;
    try {
      a = Location.parse(from.toString());
      b = Location.parse(target.toString());
    } catch (IllegalArgumentException e) {
      return false;
    }
    return a.scheme.equals(b.scheme) && Objects.equals(a.host, b.host) && a.port == b.port && allows(b);
  }

  private boolean allows(Location location) {
    if (allowedUris.isEmpty()) {
      if (!location.scheme.equals("file")) {
        return false;
      }
      for (String system : SYSTEM_DIRECTORIES) {
        if (Location.under(location.path, system + "/")) {
          return false;
        }
      }
      return !location.path.equals("/");
    }
    for (String prefix : allowedUris) {
      Location allowed = Location.parse(prefix);
      if (allowed.scheme.equals(location.scheme) && Objects.equals(allowed.host, location.host)
          && allowed.port == location.port && Location.under(location.path, allowed.path)) {
        return true;
      }
    }
    return false;
  }

  /** A bundle location reduced to what the rules compare: scheme, host, effective port, normalized path. */
  record Location(String scheme, String host, int port, String path) {

    static Location parse(String uri) {
      if (uri == null || uri.isBlank() || uri.length() > 2048) {
        throw new IllegalArgumentException("the bundle URI is empty or longer than 2048 characters");
      }
      if (uri.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
        throw new IllegalArgumentException("the bundle URI has control characters");
      }
      String lower = uri.toLowerCase(Locale.ROOT);
      if (lower.contains("%2e") || lower.contains("%2f") || lower.contains("%5c") || lower.contains("%00")) {
        throw new IllegalArgumentException("the bundle URI has encoded dots, slashes or NULs");
      }
      boolean hasScheme = lower.matches("^[a-z][a-z0-9+.-]+:.*");
      if (!hasScheme) { // a plain local path
        return local(uri);
      }
      URI u;
      try {
        u = new URI(uri);
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException("the bundle URI is not a valid URI");
      }
      String scheme = u.getScheme().toLowerCase(Locale.ROOT);
      if (u.getRawFragment() != null || u.getRawQuery() != null || u.getRawUserInfo() != null) {
        throw new IllegalArgumentException("the bundle URI has a query, fragment or user info");
      }
      if (scheme.equals("file")) {
        if (u.getAuthority() != null && !u.getAuthority().isEmpty()) {
          throw new IllegalArgumentException("a file: bundle URI names a host");
        }
        return local(u.getPath());
      }
      if (!scheme.equals("http") && !scheme.equals("https")) {
        throw new IllegalArgumentException("scheme '" + scheme + "' is not supported (file, http, https)");
      }
      if (u.getHost() == null) {
        throw new IllegalArgumentException("the bundle URI has no host");
      }
      int port = u.getPort() >= 0 ? u.getPort() : scheme.equals("https") ? 443 : 80;
      String path = u.getPath() == null || u.getPath().isEmpty() ? "/" : u.getPath();
      checkSegments(path);
      return new Location(scheme, u.getHost().toLowerCase(Locale.ROOT), port, path);
    }

    private static Location local(String path) {
      if (path == null || path.isEmpty() || !path.startsWith("/")) {
        throw new IllegalArgumentException("a local bundle path must be absolute");
      }
      checkSegments(path);
      return new Location("file", null, -1, Path.of(path).normalize().toString());
    }

    private static void checkSegments(String path) {
      for (String segment : path.split("/")) {
        if (segment.equals("..") || segment.equals(".")) {
          throw new IllegalArgumentException("the bundle URI has '.' or '..' segments");
        }
      }
    }

    /** {@code path} equals {@code prefix} (as a directory) or lies below it. */
    static boolean under(String path, String prefix) {
      String dir = prefix.endsWith("/") ? prefix : prefix + "/";
      String p = path.endsWith("/") ? path : path + "/";
      return p.startsWith(dir);
    }
  }

  /** Splits a comma-separated config value into trimmed, non-empty prefixes. */
  public static List<String> splitList(String value) {
    List<String> out = new ArrayList<>();
    if (value != null) {
      for (String s : value.split(",")) {
        if (!s.isBlank()) {
          out.add(s.strip());
        }
      }
    }
    return out;
  }
}
