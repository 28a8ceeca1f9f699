package org.streambert.bert.qa;

import java.util.ArrayList;
import java.util.List;
import org.streambert.bert.tokenizer.Vocab;
import org.streambert.bert.tokenizer.WordPieceTokenizer;

/** Real WordPiece tokenizers over tiny vocabularies for the QA tests. */
final class QaTestTokenizers {
  private QaTestTokenizers() {
  }

  /** Special tokens, the letters a..z as words, "q", "what", "is", "?", ".", "play", "##ing", "😀". */
  static WordPieceTokenizer letters() {
    List<String> tokens = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"));
    for (char c = 'a'; c <= 'z'; c++) {
      tokens.add(String.valueOf(c));
    }
    tokens.addAll(List.of("what", "is", "?", ".", "play", "##ing", "😀"));
    return new WordPieceTokenizer(Vocab.of(tokens), true);
  }
}
