package org.streambert.trainer.publish;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.UUID;
import java.util.stream.Stream;
import org.streambert.bert.bundle.BundleIO;
import org.streambert.bert.bundle.ModelBundle;

/**
 * Where published bundles live: {@code <root>/<modelName>/<version>/}, the bundle directory layout unchanged. The
 * root is a local directory or a {@code file://} URI. The reading side (the streams app) also fetches {@code http(s)}
 * bundle URIs; to publish over HTTP, serve this directory with any static file server and publish with
 * {@code --bundle-uri-base}, which rewrites the URI in the event.
 *
 * <p>A store write is atomic and durable (copy to a temporary sibling, verify, fsync every file and directory, rename,
 * fsync the parent, as {@link ModelBundle#write} does) and idempotent: an existing version with the same manifest is
 * reused, one with a different manifest is refused (versions are immutable). A crash leaves either no version or a
 * complete one, never a published event pointing at a half-written bundle.
 */
public final class CheckpointStore {

  private final Path root;

  private CheckpointStore(Path root) {
    this.root = root;
  }

  /** A store at a directory path or {@code file://} URI. */
  public static CheckpointStore at(String location) {
    String lower = location.toLowerCase(Locale.ROOT);
    if (lower.startsWith("http://") || lower.startsWith("https://")) {
      throw new IllegalArgumentException("cannot write bundles to " + location + ": the trainer stores into a "
          + "directory or file:// URI; serve that directory over HTTP and pass --bundle-uri-base " + location);
    }
    if (lower.startsWith("file:")) {
      return new CheckpointStore(Path.of(URI.create(location)).toAbsolutePath().normalize());
    }
    if (lower.matches("^[a-z][a-z0-9+.-]*://.*")) {
      throw new IllegalArgumentException("unsupported checkpoint store " + location + " (use a directory or file://)");
    }
    return new CheckpointStore(Path.of(location).toAbsolutePath().normalize());
  }

  public Path root() {
    return root;
  }

  /** The directory a version goes to. */
  public Path location(String modelName, String version) {
    return root.resolve(safe(modelName, "model name")).resolve(safe(version, "version"));
  }

  /** Copies (or finds) the bundle in the store and returns the verified stored copy. */
  public ModelBundle put(ModelBundle bundle, String modelName, String version) throws IOException {
    Path target = location(modelName, version);
    if (Files.exists(target)) {
      ModelBundle existing = ModelBundle.open(target);
      if (!existing.manifestSha256().equals(bundle.manifestSha256())) {
        throw new IllegalStateException("the store already holds " + modelName + " version " + version + " at "
            + target + " with another manifest; versions are immutable, publish under a new version");
      }
      return existing;
    }
    Files.createDirectories(target.getParent());
    Path temp = target.resolveSibling("." + target.getFileName() + ".tmp-" + UUID.randomUUID());
    try {
      copyTree(bundle.dir(), temp);
      ModelBundle copy = ModelBundle.open(temp);
      if (!copy.manifestSha256().equals(bundle.manifestSha256())) {
        throw new IllegalStateException("the copy in " + temp + " does not match " + bundle.dir());
      }
      BundleIO.fsyncTree(temp);
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
      BundleIO.fsyncDirectory(target.getParent());
    } finally {
      BundleIO.deleteRecursively(temp);
    }
    return ModelBundle.open(target);
  }

  private static String safe(String segment, String what) {
    if (segment.isBlank() || segment.equals(".") || segment.equals("..") || segment.contains("/")
        || segment.contains("\\")) {
      throw new IllegalArgumentException(what + " '" + segment + "' cannot be a directory name");
    }
    return segment;
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Path dest = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(dest);
        } else {
          Files.copy(p, dest, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }
}
