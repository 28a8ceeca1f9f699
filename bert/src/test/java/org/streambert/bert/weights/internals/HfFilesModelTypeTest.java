package org.streambert.bert.weights.internals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code import --hf} reads the Hub's older {@code tokenizer.json} files, which have no {@code model.type}
 * (bert-base-uncased's own, used by distilbert-base-uncased-finetuned-sst-2-english), inferring WordPiece from the
 * fields as the Hugging Face library does, and still names the type it refuses.
 */
class HfFilesModelTypeTest {

  @TempDir
  Path dir;

  private static final String VOCAB = "\"vocab\":{\"[PAD]\":0,\"[UNK]\":1,\"[CLS]\":2,\"[SEP]\":3,\"[MASK]\":4,"
      + "\"hello\":5}";

  @Test
  void shouldReadAWordPieceTokenizerJsonWithoutModelType() throws Exception {
    Path f = dir.resolve("tokenizer.json");
    Files.writeString(f, "{\"normalizer\":{\"type\":\"BertNormalizer\",\"lowercase\":true},\"model\":{"
        + "\"unk_token\":\"[UNK]\",\"continuing_subword_prefix\":\"##\",\"max_input_chars_per_word\":100," + VOCAB
        + "}}");
    HfFiles.TokenizerJson t = HfFiles.readTokenizerJson(f);
    assertEquals(6, t.vocab().size());
    assertEquals(Optional.of(true), t.lowercase());
  }

  @Test
  void shouldNameTheInferredTypeOfAnUntypedBpeFileItRefuses() throws Exception {
    Path f = dir.resolve("tokenizer.json");
    Files.writeString(f, "{\"model\":{\"merges\":[]," + VOCAB + "}}");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HfFiles.readTokenizerJson(f));
    assertTrue(e.getMessage().contains("\"BPE\" is not WordPiece"), e.getMessage());
  }
}
