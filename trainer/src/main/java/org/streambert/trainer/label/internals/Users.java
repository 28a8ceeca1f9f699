package org.streambert.trainer.label.internals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * The people who may label, from an operator-written users file: one line per person,
 * {@code <name>:pbkdf2-sha256:<iterations>:<base64 salt>:<base64 hash>} ({@code #} comments allowed), written by
 * {@code trainer label --add-user NAME}. Passwords are checked with PBKDF2-HMAC-SHA256 and a constant-time compare;
 * an unknown name costs the same work as a wrong password. The file is read once at start.
 */
public final class Users {

  /** Iterations for new entries (OWASP's 2023 figure for PBKDF2-HMAC-SHA256). */
  public static final int DEFAULT_ITERATIONS = 600_000;
  /** Fewest iterations an entry may have. */
  public static final int MIN_ITERATIONS = 1_000;
  /** Largest users file read, most users, longest password accepted. */
  public static final int MAX_FILE_BYTES = 1024 * 1024;
  public static final int MAX_USERS = 10_000;
  public static final int MAX_PASSWORD_CHARS = 1_024;

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@-]{1,64}");
  private static final String SCHEME = "pbkdf2-sha256";

  private record Entry(int iterations, byte[] salt, byte[] hash) {}

  private final Map<String, Entry> users;
  private final Entry dummy;

  private Users(Map<String, Entry> users) {
    this.users = Collections.unmodifiableMap(users);
    byte[] salt = new byte[16];
    this.dummy = new Entry(users.values().stream().mapToInt(Entry::iterations).max().orElse(DEFAULT_ITERATIONS), salt,
        new byte[32]);
  }

  /** True when {@code name} is a valid user name: 1 to 64 of {@code [A-Za-z0-9._@-]}. */
  public static boolean validName(String name) {
    return name != null && NAME.matcher(name).matches();
  }

  /**
   * Reads a users file.
   *
   * @throws IllegalArgumentException naming the line (never its content) of the first invalid entry
   */
  public static Users read(Path file) throws IOException {
    if (Files.size(file) > MAX_FILE_BYTES) {
      throw new IllegalArgumentException("users file " + file + " is larger than " + MAX_FILE_BYTES + " bytes");
    }
    Map<String, Entry> users = new LinkedHashMap<>();
    int n = 0;
    for (String line : Files.readString(file, StandardCharsets.UTF_8).split("\n")) {
      n++;
      String t = line.strip();
      if (t.isEmpty() || t.startsWith("#")) {
        continue;
      }
      String[] f = t.split(":");
      try {
        if (f.length != 5 || !validName(f[0]) || !f[1].equals(SCHEME)) {
          throw new IllegalArgumentException();
        }
        int iterations = Integer.parseInt(f[2]);
        byte[] salt = Base64.getDecoder().decode(f[3]);
        byte[] hash = Base64.getDecoder().decode(f[4]);
        if (iterations < MIN_ITERATIONS || salt.length < 16 || hash.length != 32) {
          throw new IllegalArgumentException();
        }
        if (users.put(f[0], new Entry(iterations, salt, hash)) != null) {
          throw new IllegalArgumentException("users file " + file + " line " + n + ": user " + f[0] + " appears twice");
        }
      } catch (IllegalArgumentException e) { // never quotes the line: it holds a password hash
        throw new IllegalArgumentException(e.getMessage() != null && e.getMessage().startsWith("users file")
            ? e.getMessage() : "users file " + file + " line " + n + " is not '<name>:" + SCHEME
            + ":<iterations>:<base64 salt>:<base64 hash>'");
      }
      if (users.size() > MAX_USERS) {
        throw new IllegalArgumentException("users file " + file + " holds more than " + MAX_USERS + " users");
      }
    }
    if (users.isEmpty()) {
      throw new IllegalArgumentException("users file " + file + " holds no user");
    }
    return new Users(users);
  }

  /** The users file line for {@code name} with {@code password} (a fresh random salt). */
  public static String entry(String name, char[] password, int iterations) {
    if (!validName(name)) {
      throw new IllegalArgumentException("a user name is 1 to 64 of [A-Za-z0-9._@-]");
    }
    if (password.length < 8 || password.length > MAX_PASSWORD_CHARS) {
      throw new IllegalArgumentException("a password has 8 to " + MAX_PASSWORD_CHARS + " characters");
    }
    if (iterations < MIN_ITERATIONS) {
      throw new IllegalArgumentException("at least " + MIN_ITERATIONS + " iterations");
    }
    byte[] salt = new byte[16];
    new SecureRandom().nextBytes(salt);
    return name + ":" + SCHEME + ":" + iterations + ":" + Base64.getEncoder().encodeToString(salt) + ":"
        + Base64.getEncoder().encodeToString(pbkdf2(password, salt, iterations));
  }

  /** True when {@code password} is {@code name}'s (the same work whether or not the name exists). */
  public boolean check(String name, char[] password) {
    Entry e = name == null ? null : users.get(name);
    Entry used = e != null ? e : dummy;
    if (password == null || password.length > MAX_PASSWORD_CHARS) {
      return false;
    }
    boolean equal = MessageDigest.isEqual(pbkdf2(password, used.salt(), used.iterations()), used.hash());
    return e != null && equal;
  }

  public int size() {
    return users.size();
  }

  private static byte[] pbkdf2(char[] password, byte[] salt, int iterations) {
    PBEKeySpec spec = new PBEKeySpec(password, salt, iterations, 256);
    try {
      return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("PBKDF2WithHmacSHA256 is missing from this JVM", e);
    } finally {
      spec.clearPassword();
    }
  }
}
