package org.streambert.schemas.signing;

import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import org.streambert.schemas.rollout.ShadowReport;

/**
 * Ed25519 signatures over {@link ShadowReport}s: an app instance signs each report with its instance key
 * ({@code nlp.shadow.signing.key.file}), and {@code trainer serve --auto-promote} counts only reports signed by a key
 * it trusts as an instance key ({@link TrustedKeys#check(ShadowReport)}), one latest report per verified key id: a
 * writer without an instance key can neither add samples nor pose as an instance.
 *
 * <p>The signed bytes are {@link #DOMAIN} followed by the UTF-8 JSON that {@link ShadowReport#toJson} writes for the
 * report with {@code signature} set to null: every field this reader uses, including the key id, is covered. A
 * verifier re-encodes the report it parsed, so what it verified is exactly what it uses (fields a newer writer added
 * are not covered and not used).
 */
public final class ShadowReportSignatures {

  /** Domain-separation prefix of the signed bytes (ASCII, ending in a NUL byte). */
  public static final String DOMAIN = "streaming-bert/shadow-report/v1\0";

  private ShadowReportSignatures() {
  }

  /** The exact bytes a signature covers (see the class comment). */
  public static byte[] signedBytes(ShadowReport report) {
    byte[] domain = DOMAIN.getBytes(StandardCharsets.US_ASCII);
    byte[] json = report.withSignature(report.signingKeyId(), null).toJson().getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[domain.length + json.length];
    System.arraycopy(domain, 0, out, 0, domain.length);
    System.arraycopy(json, 0, out, domain.length, json.length);
    return out;
  }

  /** A copy of {@code report} signed by {@code key} (its key id set to the key's). */
  public static ShadowReport sign(ShadowReport report, SigningKey key) {
    ShadowReport withId = report.withSignature(key.id(), null);
    return withId.withSignature(key.id(), Ed25519Keys.sign(signedBytes(withId), key.privateKey(), key.id()));
  }

  /** True when {@code signatureBase64} is a valid signature by {@code key} over the report's signed bytes. */
  static boolean verify(ShadowReport report, String signatureBase64, PublicKey key) {
    return Ed25519Keys.verify(signedBytes(report), signatureBase64, key);
  }
}
