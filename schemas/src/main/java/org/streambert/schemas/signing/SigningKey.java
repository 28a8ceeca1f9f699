package org.streambert.schemas.signing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * A trainer's private signing key with its id. Its file (written by {@code trainer keygen}) holds one line
 * {@code <key id>:<base64 PKCS#8 DER of an Ed25519 private key>}; lines starting with {@code #} are comments. The
 * key itself is never printed ({@link #toString()} shows the id only).
 */
public final class SigningKey {

  /** Largest key file read (a key line is about 100 bytes). */
  public static final int MAX_FILE_BYTES = 16 * 1024;

  private final String id;
  private final PrivateKey privateKey;

  public SigningKey(String id, PrivateKey privateKey) {
    this.id = Ed25519Keys.checkId(id);
    this.privateKey = Objects.requireNonNull(privateKey, "privateKey");
    if (!Ed25519Keys.ALGORITHM.equalsIgnoreCase(privateKey.getAlgorithm())
        && !"EdDSA".equalsIgnoreCase(privateKey.getAlgorithm())) {
      throw new IllegalArgumentException("signing key " + id + " is " + privateKey.getAlgorithm() + ", not Ed25519");
    }
  }

  public String id() {
    return id;
  }

  public PrivateKey privateKey() {
    return privateKey;
  }

  /** The public half of this key (what instances trust), computed from the private key. */
  public PublicKey publicKey() {
    return Ed25519Keys.publicOf(privateKey);
  }

  /** The file line for this key (see the class comment). */
  public String toFileLine() {
    return id + ":" + Base64.getEncoder().encodeToString(privateKey.getEncoded());
  }

  /**
   * Reads a key file.
   *
   * @throws IllegalArgumentException naming the file (never its content) when it is not a valid key file
   */
  public static SigningKey read(Path file) throws IOException {
    if (Files.size(file) > MAX_FILE_BYTES) {
      throw new IllegalArgumentException("signing key file " + file + " is larger than " + MAX_FILE_BYTES + " bytes");
    }
    String line = null;
    for (String l : Files.readString(file, StandardCharsets.UTF_8).split("\n")) {
      String t = l.strip();
      if (t.isEmpty() || t.startsWith("#")) {
        continue;
      }
      if (line != null) {
        throw new IllegalArgumentException("signing key file " + file + " holds more than one key");
      }
      line = t;
    }
    if (line == null) {
      throw new IllegalArgumentException("signing key file " + file + " holds no key");
    }
    int colon = line.indexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("signing key file " + file + " is not '<key id>:<base64 PKCS#8>'");
    }
    try {
      PrivateKey key = KeyFactory.getInstance(Ed25519Keys.ALGORITHM)
          .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(line.substring(colon + 1))));
      return new SigningKey(line.substring(0, colon), key);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalArgumentException("signing key file " + file + " does not hold an Ed25519 private key", e);
    }
  }

  /**
   * Generates a key pair and writes it: {@code privateFile} (created owner-read/write only where the file system has
   * POSIX permissions) and {@code publicFile} (its {@link TrustedKeys} entry). Never overwrites a file.
   *
   * @param keyId the id, or null for the key's fingerprint
   * @return the public key's {@link TrustedKeys} entry
   */
  public static String generate(Path privateFile, Path publicFile, String keyId) throws IOException {
    KeyPair pair = Ed25519Keys.generateKeyPair();
    String id = keyId != null ? keyId : Ed25519Keys.fingerprint(pair.getPublic());
    SigningKey key = new SigningKey(id, pair.getPrivate());
    for (Path p : List.of(privateFile, publicFile)) {
      if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
        throw new FileAlreadyExistsException(p.toString(), null, "a key file is never overwritten");
      }
      if (p.toAbsolutePath().getParent() != null) {
        Files.createDirectories(p.toAbsolutePath().getParent());
      }
    }
    try {
      Files.createFile(privateFile, PosixFilePermissions.asFileAttribute(
          PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      Files.createFile(privateFile);
    }
    Files.writeString(privateFile, "# Ed25519 checkpoint signing key " + id + " (keep secret)\n" + key.toFileLine()
        + "\n", StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
    String entry = Ed25519Keys.entry(id, pair.getPublic());
    Files.writeString(publicFile, entry + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW);
    return entry;
  }

  @Override
  public String toString() {
    return "SigningKey[" + id + "]";
  }
}
