package org.streambert.schemas.signing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.avro.TrainingExample;
import org.streambert.schemas.rollout.ShadowReport;

/**
 * Public keys trusted to sign, by key id: a serving instance's trainer keys (checkpoints), and {@code trainer serve}'s
 * labeller keys (training examples) and instance keys (shadow reports); one set per role, never shared between roles. Several keys may be trusted at once, so a
 * key is rotated by trusting the new key, switching the trainer to it, then removing the old one.
 *
 * <p>Text form (a config value or a file): entries {@code <key id>:<base64 X.509 DER of an Ed25519 public key>},
 * separated by commas or newlines; blank lines and lines starting with {@code #} are ignored. {@code trainer keygen}
 * prints and writes this form.
 */
public final class TrustedKeys {

  /** Largest trusted-keys file read. */
  public static final int MAX_FILE_BYTES = 256 * 1024;
  /** Most keys trusted at once. */
  public static final int MAX_KEYS = 64;


  /** Why an event did not verify; each names the rule, never the key material. */
  public enum Failure {
    UNSIGNED("the event is not signed"),
    UNTRUSTED_KEY("the event is signed by a key that is not trusted"),
    BAD_SIGNATURE("the signature does not match the event (tampered, or signed by another key)");

    private final String reason;

    Failure(String reason) {
      this.reason = reason;
    }

    public String reason() {
      return reason;
    }
  }

  private final Map<String, PublicKey> keys;

  private TrustedKeys(Map<String, PublicKey> keys) {
    this.keys = Collections.unmodifiableMap(keys);
  }

  /** No trusted keys: {@link #isEmpty()}, signatures are not checked by callers that honour it. */
  public static TrustedKeys none() {
    return new TrustedKeys(Map.of());
  }

  /** The public half of {@code key}, trusted under its id: what verifies the events that key signed. */
  public static TrustedKeys of(SigningKey key) {
    return parse(Ed25519Keys.entry(key.id(), key.publicKey()));
  }

  /** Parses the text form; throws IllegalArgumentException naming the entry's position (not its content). */
  public static TrustedKeys parse(String text) {
    Map<String, PublicKey> keys = new LinkedHashMap<>();
    int n = 0;
    for (String line : text.split("[,\n]")) {
      String t = line.strip();
      if (t.isEmpty() || t.startsWith("#")) {
        continue;
      }
      n++;
      int colon = t.indexOf(':');
      if (colon <= 0) {
        throw new IllegalArgumentException("trusted key entry " + n + " is not '<key id>:<base64 X.509>'");
      }
      String id = Ed25519Keys.checkId(t.substring(0, colon));
      try {
        PublicKey key = KeyFactory.getInstance(Ed25519Keys.ALGORITHM)
            .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(t.substring(colon + 1).strip())));
        if (keys.put(id, key) != null) {
          throw new IllegalArgumentException("trusted key id " + id + " appears twice");
        }
      } catch (GeneralSecurityException | IllegalArgumentException e) {
        throw new IllegalArgumentException("trusted key " + id + " is not a base64 X.509 Ed25519 public key", e);
      }
      if (keys.size() > MAX_KEYS) {
        throw new IllegalArgumentException("more than " + MAX_KEYS + " trusted keys");
      }
    }
    return new TrustedKeys(keys);
  }

  /** Reads the text form from a file. */
  public static TrustedKeys read(Path file) throws IOException {
    if (Files.size(file) > MAX_FILE_BYTES) {
      throw new IllegalArgumentException("trusted keys file " + file + " is larger than " + MAX_FILE_BYTES + " bytes");
    }
    return parse(Files.readString(file, StandardCharsets.UTF_8));
  }

  /** Both sets together (a key id in both must be the same key). */
  public TrustedKeys and(TrustedKeys other) {
    Map<String, PublicKey> all = new LinkedHashMap<>(keys);
    other.keys.forEach((id, key) -> {
      PublicKey old = all.putIfAbsent(id, key);
      if (old != null && !old.equals(key)) {
        throw new IllegalArgumentException("trusted key id " + id + " names two different keys");
      }
    });
    return new TrustedKeys(all);
  }

  /** The text-form entry of one public key. */
  public static String entry(String id, PublicKey key) {
    return Ed25519Keys.entry(id, key);
  }

  public boolean isEmpty() {
    return keys.isEmpty();
  }

  public Set<String> ids() {
    return keys.keySet();
  }

  /** Null when the event carries a valid signature by a trusted key, else why not. */
  public Failure check(ModelCheckpoint checkpoint) {
    String signature = checkpoint.getSignature();
    Failure f = precheck(checkpoint.getSigningKeyId(), signature);
    return f != null ? f : CheckpointSignatures.verify(checkpoint, signature, keys.get(checkpoint.getSigningKeyId()))
        ? null : Failure.BAD_SIGNATURE;
  }

  /** Null when the example carries a valid signature by a trusted (labeller) key, else why not. */
  public Failure check(TrainingExample example) {
    String signature = example.getSignature();
    Failure f = precheck(example.getSigningKeyId(), signature);
    return f != null ? f : ExampleSignatures.verify(example, signature, keys.get(example.getSigningKeyId()))
        ? null : Failure.BAD_SIGNATURE;
  }

  /** Null when the report carries a valid signature by a trusted (instance) key, else why not. */
  public Failure check(ShadowReport report) {
    String signature = report.signature();
    Failure f = precheck(report.signingKeyId(), signature);
    return f != null ? f : ShadowReportSignatures.verify(report, signature, keys.get(report.signingKeyId()))
        ? null : Failure.BAD_SIGNATURE;
  }

  private Failure precheck(String id, String signature) {
    if (id == null || signature == null || signature.isEmpty()) {
      return Failure.UNSIGNED;
    }
    return keys.containsKey(id) ? null : Failure.UNTRUSTED_KEY;
  }

  @Override
  public String toString() {
    return "TrustedKeys" + keys.keySet();
  }
}
