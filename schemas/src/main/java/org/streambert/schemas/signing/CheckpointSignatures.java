package org.streambert.schemas.signing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Base64;
import java.util.TreeMap;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.streambert.schemas.avro.ModelCheckpoint;

/**
 * Ed25519 signatures over {@link ModelCheckpoint} events: the trainer signs what it publishes, serving instances
 * verify against the public keys their operator trusts (see {@link TrustedKeys}).
 *
 * <p>The signed bytes are {@link #DOMAIN} followed by the Avro binary encoding (this module's
 * {@code ModelCheckpoint} schema) of the event with {@code signature} set to null and {@code metrics} in key order:
 * every other field is covered, including {@code signingKeyId}, {@code stage}, the bundle URI, the manifest SHA-256,
 * the heads and the golden examples. The domain prefix keeps a checkpoint signature from being valid for any other
 * message signed with the same key. An event written with a newer schema (fields this reader does not know) does
 * not verify: fail closed.
 */
public final class CheckpointSignatures {

  /** Domain-separation prefix of the signed bytes (ASCII, ending in a NUL byte). */
  public static final String DOMAIN = "streaming-bert/model-checkpoint/v1\0";
  /** The JDK algorithm name of the signatures. */
  public static final String ALGORITHM = Ed25519Keys.ALGORITHM;

  private CheckpointSignatures() {}

  /** The exact bytes a signature covers (see the class comment). */
  public static byte[] signedBytes(ModelCheckpoint checkpoint) {
    ModelCheckpoint unsigned = ModelCheckpoint.newBuilder(checkpoint).setSignature(null)
        .setMetrics(new TreeMap<>(checkpoint.getMetrics())).build();
    ByteArrayOutputStream out = new ByteArrayOutputStream(512);
    out.writeBytes(DOMAIN.getBytes(StandardCharsets.US_ASCII));
    try {
      BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
      new SpecificDatumWriter<>(ModelCheckpoint.class).write(unsigned, encoder);
      encoder.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode a checkpoint in memory", e);
    }
    return out.toByteArray();
  }

  /** A copy of {@code checkpoint} with {@code signingKeyId} set to the key's id and its signature. */
  public static ModelCheckpoint sign(ModelCheckpoint checkpoint, SigningKey key) {
    ModelCheckpoint withId = ModelCheckpoint.newBuilder(checkpoint).setSigningKeyId(key.id()).setSignature(null)
        .build();
    try {
      Signature s = Signature.getInstance(ALGORITHM);
      s.initSign(key.privateKey());
      s.update(signedBytes(withId));
      return ModelCheckpoint.newBuilder(withId).setSignature(Base64.getEncoder().encodeToString(s.sign())).build();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign with key " + key.id() + ": " + e.getMessage(), e);
    }
  }

  /** True when {@code signatureBase64} is a valid signature by {@code key} over the event's signed bytes. */
  static boolean verify(ModelCheckpoint checkpoint, String signatureBase64, PublicKey key) {
    byte[] signature;
    try {
      signature = Base64.getDecoder().decode(signatureBase64);
    } catch (IllegalArgumentException e) {
      return false;
    }
    if (signature.length != 64) { // an Ed25519 signature is always 64 bytes
      return false;
    }
    try {
      Signature s = Signature.getInstance(ALGORITHM);
      s.initVerify(key);
      s.update(signedBytes(checkpoint));
      return s.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /** A new Ed25519 key pair from the JDK's provider. */
  public static KeyPair generateKeyPair() {
    return Ed25519Keys.generateKeyPair();
  }

  /** The default key id: the first 16 hex digits of the SHA-256 of the public key's X.509 encoding. */
  public static String fingerprint(PublicKey key) {
    return Ed25519Keys.fingerprint(key);
  }
}
