package org.streambert.bert.bundle;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import org.streambert.bert.bundle.internals.BundleFiles;
import org.streambert.bert.bundle.internals.Manifest;
import org.streambert.bert.bundle.internals.ModelJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A verified model bundle directory:
 *
 * <pre>
 *   saved_model/     TensorFlow SavedModel written by the graph code (opaque here: only hashed)
 *   vocab.txt        WordPiece vocabulary, UTF-8, one token per line, line i = id i
 *   model.json       model name/version/created, Google bert_config fields, tokenizer settings, heads
 *                    (schema on {@link ModelDescriptor})
 *   MANIFEST.json    {"format_version": 1, "files": {relative path: sha256 hex}} for every other file
 * </pre>
 *
 * <p>An instance exists only for a directory that passed {@link #open}: every listed file present with its hash, no
 * unlisted file, {@code model.json} valid, {@code vocab.txt} line count equal to {@code bert_config.vocab_size}. The
 * files are read when opened; whoever loads {@link #savedModelDir()} later reads them again, so a bundle directory
 * must be treated as immutable once written. Holds no open resources.
 */
public final class ModelBundle {

  private static final Logger LOG = LoggerFactory.getLogger(ModelBundle.class);

  /** Version of the bundle layout this code writes and reads. */
  public static final int FORMAT_VERSION = 1;
  public static final String MANIFEST_FILE = "MANIFEST.json";
  public static final String MODEL_FILE = "model.json";
  public static final String VOCAB_FILE = "vocab.txt";
  /** Optional: the Hugging Face tokenizer of a model whose tokenizer is not WordPiece (read instead of vocab.txt). */
  public static final String TOKENIZER_FILE = "tokenizer.json";
  public static final String SAVED_MODEL_DIR = "saved_model";
  /** Largest {@code MANIFEST.json} read (a BERT bundle's is well under 4 KB). */
  public static final int MAX_MANIFEST_BYTES = 1 << 20;

  private final Path dir;
  private final ModelDescriptor model;
  private final SortedMap<String, String> files;
  private final String manifestSha256;

  private ModelBundle(Path dir, ModelDescriptor model, SortedMap<String, String> files, String manifestSha256) {
    this.dir = dir;
    this.model = model;
    this.files = files;
    this.manifestSha256 = manifestSha256;
  }

  /** Writes a new bundle; refuses if {@code target} exists. See {@link #write(Path, BundleContents, SavedModelWriter, boolean)}. */
  public static ModelBundle write(Path target, BundleContents contents, SavedModelWriter savedModelWriter)
      throws IOException {
    return write(target, contents, savedModelWriter, false);
  }

  /**
   * Writes a bundle atomically: everything goes into a temporary sibling directory of {@code target}, each file and
   * directory is fsynced, then the directory is renamed into place with {@code ATOMIC_MOVE}. On any failure (including
   * the SavedModel writer throwing) the temporary directory is deleted and nothing appears at {@code target}.
   *
   * <p>With {@code overwrite}, an existing {@code target} is first renamed aside and deleted after the new bundle is in
   * place (a rename cannot replace a non-empty directory), so readers see either the old or the new bundle, though a
   * crash between the two renames leaves no directory at {@code target} (the old one remains in a {@code .old-} sibling).
   *
   * @throws BundleException if {@code target} exists and {@code overwrite} is false, or the SavedModel writer fails
   */
  public static ModelBundle write(Path target, BundleContents contents, SavedModelWriter savedModelWriter,
      boolean overwrite) throws IOException {
    Objects.requireNonNull(contents, "contents");
    Objects.requireNonNull(savedModelWriter, "savedModelWriter");
    Path absolute = target.toAbsolutePath().normalize();
    if (Files.exists(absolute) && !overwrite) {
      throw new BundleException("bundle directory " + absolute + " already exists; refusing to overwrite it");
    }
    Path parent = absolute.getParent();
    Files.createDirectories(parent);
    String baseName = absolute.getFileName().toString();
    Path temp = Files.createTempDirectory(parent, "." + baseName + ".tmp-");
    Path old = null;
    ModelBundle result;
    try {
      Files.write(temp.resolve(VOCAB_FILE), vocabBytes(contents.vocab()));
      if (contents.tokenizerJson() != null) {
        Files.write(temp.resolve(TOKENIZER_FILE), contents.tokenizerJson());
      }
      Files.write(temp.resolve(MODEL_FILE), ModelJson.write(contents.model()));
      Path savedModel = temp.resolve(SAVED_MODEL_DIR);
      try {
        savedModelWriter.write(savedModel);
      } catch (IOException | RuntimeException e) {
        throw new BundleException("writing " + SAVED_MODEL_DIR + "/ for bundle " + absolute + " failed: " + e, e);
      }
      if (!Files.isDirectory(savedModel) || BundleFiles.listFiles(savedModel).isEmpty()) {
        throw new BundleException("the SavedModel writer left " + SAVED_MODEL_DIR + "/ missing or empty for bundle "
            + absolute);
      }
      TreeMap<String, String> hashes = new TreeMap<>();
      for (String file : BundleFiles.listFiles(temp)) {
        hashes.put(file, BundleFiles.sha256(temp.resolve(file)));
      }
      byte[] manifest = new Manifest(FORMAT_VERSION, hashes).toJson();
      Files.write(temp.resolve(MANIFEST_FILE), manifest);
      BundleFiles.fsyncTree(temp);
      Path aside = null;
      if (Files.exists(absolute)) {
        aside = parent.resolve("." + baseName + ".old-" + UUID.randomUUID());
        Files.move(absolute, aside, StandardCopyOption.ATOMIC_MOVE);
      }
      try {
        Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        if (aside != null) {
          Files.move(aside, absolute, StandardCopyOption.ATOMIC_MOVE);
        }
        throw e;
      }
      BundleFiles.fsyncDirectory(parent);
      old = aside;
      result = new ModelBundle(absolute, contents.model(), Collections.unmodifiableSortedMap(hashes),
          BundleFiles.sha256(manifest));
    } catch (IOException | RuntimeException | Error e) {
      try {
        BundleFiles.deleteRecursively(temp);
      } catch (IOException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
    if (old != null) {
      try {
        BundleFiles.deleteRecursively(old);
      } catch (IOException e) {
        // The new bundle is in place; a leftover hidden sibling is only wasted space.
        LOG.warn("could not delete replaced bundle {}", old, e);
      }
    }
    return result;
  }

  /**
   * The files a {@code MANIFEST.json} lists, relative path to lower-case hex sha256 (paths not yet checked).
   *
   * @throws BundleException when the manifest is not valid or of another format version
   */
  public static java.util.SortedMap<String, String> listedFiles(byte[] manifestJson) throws BundleException {
    Manifest manifest;
    try {
      manifest = Manifest.parse(manifestJson);
    } catch (IllegalArgumentException e) {
      throw new BundleException(MANIFEST_FILE + " is invalid");
    }
    if (manifest.formatVersion() != FORMAT_VERSION) {
      throw new BundleException(MANIFEST_FILE + " has format_version " + manifest.formatVersion() + ", this code reads "
          + FORMAT_VERSION);
    }
    return manifest.files();
  }

  /**
   * Opens and verifies a bundle directory.
   *
   * @throws BundleException naming the file and the problem: missing file, hash mismatch, unlisted file, invalid
   *                         {@code model.json}, vocabulary size differing from {@code bert_config.vocab_size}, a
   *                         symbolic link leading outside the bundle, a manifest over {@link #MAX_MANIFEST_BYTES}
   */
  public static ModelBundle open(Path dir) throws IOException {
    Path root = dir.toAbsolutePath().normalize();
    if (!Files.isDirectory(root)) {
      throw new BundleException("bundle directory " + root + " does not exist or is not a directory");
    }
    Path realRoot = root.toRealPath();
    Path manifestPath = root.resolve(MANIFEST_FILE);
    if (!Files.isRegularFile(manifestPath)) {
      throw new BundleException("bundle " + root + ": missing file " + MANIFEST_FILE);
    }
    if (!manifestPath.toRealPath().startsWith(realRoot)) {
      throw new BundleException("bundle " + root + ": " + MANIFEST_FILE + " is a symbolic link leading outside the "
          + "bundle");
    }
    if (Files.size(manifestPath) > MAX_MANIFEST_BYTES) {
      throw new BundleException("bundle " + root + ": " + MANIFEST_FILE + " is larger than " + MAX_MANIFEST_BYTES
          + " bytes");
    }
    byte[] manifestBytes = Files.readAllBytes(manifestPath);
    Manifest manifest;
    try {
      manifest = Manifest.parse(manifestBytes);
    } catch (IllegalArgumentException e) {
      throw new BundleException("bundle " + root + ": " + MANIFEST_FILE + " is invalid: " + e.getMessage());
    }
    if (manifest.formatVersion() != FORMAT_VERSION) {
      throw new BundleException("bundle " + root + ": " + MANIFEST_FILE + " has format_version "
          + manifest.formatVersion() + ", this code reads " + FORMAT_VERSION);
    }

    List<String> problems = new ArrayList<>();
    byte[] modelBytes = null;
    byte[] vocabBytes = null;
    for (Map.Entry<String, String> entry : manifest.files().entrySet()) {
      String name = entry.getKey();
      Path file = root.resolve(name).normalize();
      if (name.isEmpty() || name.contains("\\") || Path.of(name).isAbsolute() || !file.startsWith(root)
          || file.equals(root) || name.equals(MANIFEST_FILE)) {
        problems.add("illegal path '" + name + "' in " + MANIFEST_FILE);
        continue;
      }
      if (!Files.isRegularFile(file)) {
        problems.add("missing file " + name);
        continue;
      }
      if (!file.toRealPath().startsWith(realRoot)) { // what is hashed must be what the bundle ships
        problems.add("symbolic link leading outside the bundle: " + name);
        continue;
      }
      String actual;
      if (name.equals(MODEL_FILE) || name.equals(VOCAB_FILE)) {
        // Hash and parse the same bytes, so what is checked is what is used.
        byte[] bytes = Files.readAllBytes(file);
        actual = BundleFiles.sha256(bytes);
        if (name.equals(MODEL_FILE)) {
          modelBytes = bytes;
        } else {
          vocabBytes = bytes;
        }
      } else {
        actual = BundleFiles.sha256(file);
      }
      if (!actual.equals(entry.getValue())) {
        problems.add("hash mismatch in " + name + " (sha256 differs from " + MANIFEST_FILE + ")");
      }
    }
    for (String file : BundleFiles.listFiles(root)) {
      if (!file.equals(MANIFEST_FILE) && !manifest.files().containsKey(file)) {
        problems.add("unlisted file " + file + " (not in " + MANIFEST_FILE + ")");
      }
    }
    for (String required : List.of(MODEL_FILE, VOCAB_FILE)) {
      if (!manifest.files().containsKey(required)) {
        problems.add("missing file " + required + " (not in " + MANIFEST_FILE + ")");
      }
    }
    if (manifest.files().keySet().stream().noneMatch(f -> f.startsWith(SAVED_MODEL_DIR + "/"))) {
      problems.add("missing directory " + SAVED_MODEL_DIR + "/ (no file of it in " + MANIFEST_FILE + ")");
    }
    if (!problems.isEmpty()) {
      throw new BundleException("bundle " + root + " refused: " + String.join("; ", problems));
    }

    ModelDescriptor model;
    try {
      model = ModelJson.parse(modelBytes);
    } catch (IllegalArgumentException e) {
      throw new BundleException("bundle " + root + ": " + MODEL_FILE + " is invalid: " + e.getMessage());
    }
    int vocabLines = countLines(root, vocabBytes);
    if (vocabLines != model.vocabSize()) {
      throw new BundleException("bundle " + root + ": " + VOCAB_FILE + " has " + vocabLines + " entries but "
          + MODEL_FILE + " bert_config.vocab_size is " + model.vocabSize());
    }
    return new ModelBundle(root, model, manifest.files(), BundleFiles.sha256(manifestBytes));
  }

  /** The bundle directory (absolute). */
  public Path dir() {
    return dir;
  }

  /** The SavedModel directory, to be loaded by the graph code. */
  public Path savedModelDir() {
    return dir.resolve(SAVED_MODEL_DIR);
  }

  /** The bundle's {@code tokenizer.json} when it has one (listed in its manifest, so verified). */
  public java.util.Optional<Path> tokenizerFile() {
    return files.containsKey(TOKENIZER_FILE) ? java.util.Optional.of(dir.resolve(TOKENIZER_FILE))
        : java.util.Optional.empty();
  }

  /** The vocabulary file, to be loaded by the tokenizer. */
  public Path vocabFile() {
    return dir.resolve(VOCAB_FILE);
  }

  /** The parsed {@code model.json}. */
  public ModelDescriptor model() {
    return model;
  }

  /** Relative path to sha256 hex of every file except the manifest, sorted by path. */
  public SortedMap<String, String> files() {
    return files;
  }

  /** sha256 hex of the exact bytes of {@code MANIFEST.json}: identifies the bundle's content (rollout events). */
  public String manifestSha256() {
    return manifestSha256;
  }

  @Override
  public String toString() {
    return "ModelBundle[" + model.name() + " " + model.version() + " at " + dir + ", manifest " + manifestSha256 + "]";
  }

  private static byte[] vocabBytes(List<String> vocab) {
    StringBuilder text = new StringBuilder();
    for (String token : vocab) {
      text.append(token).append('\n');
    }
    return text.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Lines as Google's load_vocab reads them: every line-terminated entry, plus a last line without terminator. */
  private static int countLines(Path root, byte[] vocab) throws BundleException {
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(vocab)).toString();
    } catch (CharacterCodingException e) {
      throw new BundleException("bundle " + root + ": " + VOCAB_FILE + " is not valid UTF-8");
    }
    return (int) text.lines().count();
  }
}
