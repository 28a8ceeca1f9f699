package org.streambert.trainer.data;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * SHA-256 of training data, for checkpoint lineage ({@code ModelCheckpoint.dataFingerprint}). Computed over a
 * canonical text form of the parsed examples (not the file bytes), in order, so the same examples give the same
 * fingerprint whether they came from a file or from Kafka, and a reordered or edited dataset gives another one.
 */
public final class DataFingerprint {

  private DataFingerprint() {}

  /** Lower-case hex SHA-256 over the classification examples, then the NER sentences. */
  public static String of(List<ClassificationExample> classification, List<NerSentence> ner) {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
    for (ClassificationExample e : classification) {
      update(digest, "C\u0000" + e.text() + "\u0000" + e.label() + "\n");
    }
    for (NerSentence s : ner) {
      StringBuilder b = new StringBuilder("N");
      for (int i = 0; i < s.size(); i++) {
        b.append('\u0000').append(s.tokens().get(i)).append('\u0001').append(s.tags().get(i));
      }
      if (s.text() != null) {
        b.append('\u0002').append(s.text());
      }
      update(digest, b.append('\n').toString());
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private static void update(MessageDigest digest, String s) {
    digest.update(s.getBytes(StandardCharsets.UTF_8));
  }
}
