package org.streambert.schemas.signing;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.NamedParameterSpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The key primitives the signing classes share: the algorithm, key generation, key ids and the text form of a public
 * key, and the one signing and verifying routine every signed message type uses (checkpoints, training examples, shadow
 * reports), so that keys, signatures and trusted-key sets need not call each other for them.
 */
final class Ed25519Keys {

  /** The JDK algorithm name of the keys and signatures. */
  static final String ALGORITHM = "Ed25519";

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  private Ed25519Keys() {
  }

  /** A new Ed25519 key pair from the JDK's provider. */
  static KeyPair generateKeyPair() {
    try {
      return KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK has no " + ALGORITHM + " provider", e);
    }
  }

  /**
   * The public half of an Ed25519 private key. The JDK has no call for it, so the key pair is generated again from
   * the private key's 32-byte seed (an Ed25519 private key is that seed; RFC 8032 section 5.1.5) and the result is
   * checked to hold the same private key.
   */
  static PublicKey publicOf(PrivateKey key) {
    if (!(key instanceof EdECPrivateKey ed) || ed.getBytes().isEmpty()) {
      throw new IllegalArgumentException("not an Ed25519 private key with its seed: " + key.getAlgorithm());
    }
    byte[] seed = ed.getBytes().get();
    SecureRandom replay = new SecureRandom() {
      @Override
      public void nextBytes(byte[] bytes) {
        if (bytes.length != seed.length) {
          throw new IllegalStateException("the key generator asked for " + bytes.length + " random bytes, not "
              + seed.length);
        }
        System.arraycopy(seed, 0, bytes, 0, seed.length);
      }
    };
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance(ALGORITHM);
      generator.initialize(NamedParameterSpec.ED25519, replay);
      KeyPair pair = generator.generateKeyPair();
      if (!Arrays.equals(pair.getPrivate().getEncoded(), key.getEncoded())) {
        throw new IllegalStateException("the JDK's " + ALGORITHM + " generator did not reproduce the private key");
      }
      return pair.getPublic();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK has no " + ALGORITHM + " provider", e);
    } finally {
      Arrays.fill(seed, (byte) 0);
    }
  }

  /** The default key id: the first 16 hex digits of the SHA-256 of the public key's X.509 encoding. */
  static String fingerprint(PublicKey key) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getEncoded()), 0, 8);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  /** {@code id} if it is a valid key id: 1 to 64 of {@code [A-Za-z0-9._-]}. */
  static String checkId(String id) {
    if (id == null || !ID.matcher(id).matches()) {
      throw new IllegalArgumentException("a key id is 1 to 64 of [A-Za-z0-9._-]");
    }
    return id;
  }

  /** The trusted-key text entry of one public key: {@code <id>:<base64 X.509 DER>}. */
  static String entry(String id, PublicKey key) {
    return checkId(id) + ":" + Base64.getEncoder().encodeToString(key.getEncoded());
  }

  /**
   * Base64 Ed25519 signature by {@code key} (whose id is {@code keyId}) over {@code bytes} (the caller's
   * domain-prefixed signed bytes).
   */
  static String sign(byte[] bytes, PrivateKey key, String keyId) {
    try {
      Signature s = Signature.getInstance(ALGORITHM);
      s.initSign(key);
      s.update(bytes);
      return Base64.getEncoder().encodeToString(s.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign with key " + keyId + ": " + e.getMessage(), e);
    }
  }

  /** True when {@code signatureBase64} is a valid signature by {@code key} over {@code bytes}; false on any defect. */
  static boolean verify(byte[] bytes, String signatureBase64, PublicKey key) {
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
      s.update(bytes);
      return s.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
