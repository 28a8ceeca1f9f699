package org.streambert.schemas.signing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.streambert.schemas.avro.TrainingExample;

/**
 * Ed25519 signatures over {@link TrainingExample}s: a labeller (a person's labelling page, an import tool, the demo's
 * simulated labeller) signs what it writes to {@code training-examples}, and {@code trainer serve} trains only on
 * examples signed by a key it trusts as a labeller key ({@link TrustedKeys#check(TrainingExample)}). The keys and key
 * files are the checkpoint signers' ({@code trainer keygen}); only the signed bytes differ.
 *
 * <p>The signed bytes are {@link #DOMAIN} followed by the Avro binary encoding of the example with {@code signature}
 * set to null: every other field is covered, the id, the text, the label, the entity spans, the source, the time, the
 * labeller, the model version that asked, the suggestion's score and the signing key id. The domain keeps an example signature from being
 * valid for a checkpoint or a shadow report signed with the same key. A field added to the schema later needs a new
 * domain (examples signed before it keep verifying under the old one), so the class refuses to load when the schema
 * has more fields than this format covers.
 */
public final class ExampleSignatures {

  /** Domain-separation prefix of the signed bytes (ASCII, ending in a NUL byte). */
  public static final String DOMAIN = "streaming-bert/training-example/v1\0";
  /** Fields the v1 format encodes: {@code id} to {@code signature}. */
  static final int FIELDS = 11;

  static {
    if (TrainingExample.getClassSchema().getFields().size() != FIELDS) {
      throw new IllegalStateException("TrainingExample has " + TrainingExample.getClassSchema().getFields().size()
          + " fields but the signed-bytes format covers " + FIELDS + ": give the new field a format");
    }
  }

  private ExampleSignatures() {
  }

  /** The exact bytes a signature covers (see the class comment). */
  public static byte[] signedBytes(TrainingExample example) {
    TrainingExample unsigned = TrainingExample.newBuilder(example).setSignature(null).build();
    ByteArrayOutputStream out = new ByteArrayOutputStream(256 + 2 * example.getText().length());
    out.writeBytes(DOMAIN.getBytes(StandardCharsets.US_ASCII));
    try {
      BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
      new SpecificDatumWriter<TrainingExample>(TrainingExample.getClassSchema(), unsigned.getSpecificData())
          .write(unsigned, encoder);
      encoder.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode an example in memory", e);
    }
    return out.toByteArray();
  }

  /** A copy of {@code example} with {@code signingKeyId} set to the key's id and its signature. */
  public static TrainingExample sign(TrainingExample example, SigningKey key) {
    TrainingExample withId = TrainingExample.newBuilder(example).setSigningKeyId(key.id()).setSignature(null).build();
    return TrainingExample.newBuilder(withId)
        .setSignature(Ed25519Keys.sign(signedBytes(withId), key.privateKey(), key.id())).build();
  }

  /** True when {@code signatureBase64} is a valid signature by {@code key} over the example's signed bytes. */
  static boolean verify(TrainingExample example, String signatureBase64, PublicKey key) {
    return Ed25519Keys.verify(signedBytes(example), signatureBase64, key);
  }
}
