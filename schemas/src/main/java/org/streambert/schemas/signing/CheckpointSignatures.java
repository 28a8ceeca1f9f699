package org.streambert.schemas.signing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.streambert.schemas.avro.ModelCheckpoint;

/**
 * Ed25519 signatures over {@link ModelCheckpoint} events: the trainer signs what it publishes, serving instances
 * verify against the public keys their operator trusts (see {@link TrustedKeys}).
 *
 * <p>The signed bytes are a domain prefix followed by the Avro binary encoding of the event with {@code signature}
 * set to null and {@code metrics} in key order, written with the fields of its format, which the event's own fields
 * decide:
 * <ul>
 *   <li>{@link #DOMAIN_V3} when it carries {@code devEngine} or {@code goldenTolerances}: every field of this module's
 *       schema (the first {@value #V3_FIELDS}, {@code goldenTolerances} in key order);</li>
 *   <li>{@link #DOMAIN_V2} otherwise when it carries any of {@code sequence}, {@code issuedAt}, {@code expiresAt}:
 *       the first {@value #V2_FIELDS} fields;</li>
 *   <li>{@link #DOMAIN} (v1) otherwise: the first {@value #V1_FIELDS} fields, {@code modelName} to {@code signature},
 *       exactly the bytes trainers signed before sequences existed, so their events still verify after an
 *       upgrade.</li>
 * </ul>
 * Either way every field is covered, including {@code signingKeyId}, {@code stage}, the bundle URI, the manifest
 * SHA-256, the heads, the golden examples and their tolerances; stripping the sequence from a v2 event, adding one to
 * a v1 event, or stripping the engine or golden tolerances from a v3 event, changes the domain and the bytes, so the signature fails. The domain prefix also keeps a checkpoint signature from
 * being valid for any other message signed with the same key. An event written with a newer schema (fields this
 * reader does not know) does not verify: fail closed. A field added to the schema later needs a format of its own
 * (a new domain and field count), or the events signed before it stop verifying; the class refuses to load when
 * the schema has fields no format covers.
 */
public final class CheckpointSignatures {

  /** Domain-separation prefix of the v1 signed bytes (ASCII, ending in a NUL byte): events without a sequence. */
  public static final String DOMAIN = "streaming-bert/model-checkpoint/v1\0";
  /** Domain-separation prefix of the v2 signed bytes: events with a sequence, issue time or expiry. */
  public static final String DOMAIN_V2 = "streaming-bert/model-checkpoint/v2\0";
  /** Domain-separation prefix of the v3 signed bytes: events naming their dev engine or golden tolerances. */
  public static final String DOMAIN_V3 = "streaming-bert/model-checkpoint/v3\0";
  /** The JDK algorithm name of the signatures. */
  public static final String ALGORITHM = Ed25519Keys.ALGORITHM;
  /** Fields the v1 format encodes: {@code modelName} to {@code signature}, the schema before sequences existed. */
  static final int V1_FIELDS = 13;
  /** Fields the v2 format encodes: v1's, then {@code sequence}, {@code issuedAt} and {@code expiresAt}. */
  static final int V2_FIELDS = 16;
  /** Fields the v3 format encodes: v2's, then {@code devEngine} and {@code goldenTolerances}. */
  static final int V3_FIELDS = 18;

  private static final Schema V1 = prefix(ModelCheckpoint.getClassSchema(), V1_FIELDS);
  private static final Schema V2 = prefix(ModelCheckpoint.getClassSchema(), V2_FIELDS);
  private static final Schema V3 = prefix(ModelCheckpoint.getClassSchema(), V3_FIELDS);

  static {
    if (ModelCheckpoint.getClassSchema().getFields().size() != V3_FIELDS) {
      throw new IllegalStateException("ModelCheckpoint has " + ModelCheckpoint.getClassSchema().getFields().size()
          + " fields but the signed-bytes formats cover " + V3_FIELDS + ": give the new field a format");
    }
  }

  private CheckpointSignatures() {}

  /** The exact bytes a signature covers (see the class comment). */
  public static byte[] signedBytes(ModelCheckpoint checkpoint) {
    ModelCheckpoint unsigned = ModelCheckpoint.newBuilder(checkpoint).setSignature(null)
        .setMetrics(new TreeMap<>(checkpoint.getMetrics()))
        .setGoldenTolerances(checkpoint.getGoldenTolerances() == null ? null
            : new TreeMap<>(checkpoint.getGoldenTolerances())).build();
    boolean v3 = isV3(checkpoint);
    boolean v2 = !v3 && isV2(checkpoint);
    ByteArrayOutputStream out = new ByteArrayOutputStream(512);
    out.writeBytes((v3 ? DOMAIN_V3 : v2 ? DOMAIN_V2 : DOMAIN).getBytes(StandardCharsets.US_ASCII));
    try {
      BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
      // The writer reads fields by position, and the formats are prefixes of the schema: v1 stops before sequence.
      new SpecificDatumWriter<ModelCheckpoint>(v3 ? V3 : v2 ? V2 : V1, unsigned.getSpecificData())
          .write(unsigned, encoder);
      encoder.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode a checkpoint in memory", e);
    }
    return out.toByteArray();
  }

  /** True when the event is signed in the v2 format: it carries a sequence, an issue time or an expiry. */
  static boolean isV2(ModelCheckpoint checkpoint) {
    return checkpoint.getSequence() != null || checkpoint.getIssuedAt() != null || checkpoint.getExpiresAt() != null;
  }

  /** True when the event is signed in the v3 format: it names its dev engine or carries golden tolerances. */
  static boolean isV3(ModelCheckpoint checkpoint) {
    return checkpoint.getDevEngine() != null || checkpoint.getGoldenTolerances() != null;
  }

  /** The record schema {@code schema} with only its first {@code n} fields (same name, same nested types). */
  private static Schema prefix(Schema schema, int n) {
    List<Schema.Field> fields = new ArrayList<>();
    for (Schema.Field f : schema.getFields().subList(0, Math.min(n, schema.getFields().size()))) {
      fields.add(new Schema.Field(f, f.schema()));
    }
    return Schema.createRecord(schema.getName(), schema.getDoc(), schema.getNamespace(), false, fields);
  }

  /** A copy of {@code checkpoint} with {@code signingKeyId} set to the key's id and its signature. */
  public static ModelCheckpoint sign(ModelCheckpoint checkpoint, SigningKey key) {
    ModelCheckpoint withId = ModelCheckpoint.newBuilder(checkpoint).setSigningKeyId(key.id()).setSignature(null)
        .build();
    return ModelCheckpoint.newBuilder(withId)
        .setSignature(Ed25519Keys.sign(signedBytes(withId), key.privateKey(), key.id())).build();
  }

  /** True when {@code signatureBase64} is a valid signature by {@code key} over the event's signed bytes. */
  static boolean verify(ModelCheckpoint checkpoint, String signatureBase64, PublicKey key) {
    return Ed25519Keys.verify(signedBytes(checkpoint), signatureBase64, key);
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
