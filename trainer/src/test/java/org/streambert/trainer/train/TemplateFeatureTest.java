package org.streambert.trainer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.streambert.bert.tokenizer.SpecialTokens;
import org.streambert.bert.tokenizer.TextTokenizer;
import org.streambert.bert.tokenizer.Vocab;
import org.streambert.bert.tokenizer.WordPieceTokenizer;
import org.streambert.bert.tokenizer.WordPieces;
import org.streambert.trainer.data.ClassificationExample;
import org.streambert.trainer.data.LabelSets;
import org.streambert.trainer.data.NerSentence;

/**
 * Training features wrap their pieces in the tokenizer's special-token template, so a RoBERTa or XLM-R tokenizer
 * trains on {@code <s> ... </s>} as it serves; here a template of another shape (two prefix ids, no suffix) over
 * WordPiece pieces shows every place that reads it.
 */
class TemplateFeatureTest {

  private static final WordPieceTokenizer WORD_PIECE = new WordPieceTokenizer(Vocab.of(List.of("[PAD]", "[UNK]",
      "[CLS]", "[SEP]", "[MASK]", "in", "AL", "-", "AIN", "Rome", "St")), false);
  private static final int P1 = 9_001;
  private static final int P2 = 9_002;

  /** WordPiece pieces with the template {@code P1 P2 A} (pairs {@code P1 P2 A B}). */
  private static final TextTokenizer TOKENIZER = new TextTokenizer() {
    @Override
    public WordPieces tokenize(String text) {
      return WORD_PIECE.tokenize(text);
    }

    @Override
    public int vocabSize() {
      return 9_003;
    }

    @Override
    public int clsId() {
      return P1;
    }

    @Override
    public int sepId() {
      return -1;
    }

    @Override
    public int padId() {
      return 0;
    }

    @Override
    public int unkId() {
      return 1;
    }

    @Override
    public int maskId() {
      return -1;
    }

    @Override
    public SpecialTokens specialTokens() {
      return new SpecialTokens(new int[] {P1, P2}, new int[0], new int[0], 0);
    }
  };

  private static final Map<String, Integer> INDEX = LabelSets.index(LabelSets.nerLabels(List.of("LOC")));
  private static final int X = Feature.IGNORED;

  @Test
  void shouldPutTheTemplateAroundNerPiecesAndShiftFirstPiecePositions() {
    Feature f = Feature.ner(TOKENIZER, new NerSentence(List.of("in", "AL-AIN"), List.of("O", "B-LOC")), INDEX, 32);
    assertArrayEquals(new int[] {P1, P2, 5, 6, 7, 8}, f.ids());
    assertArrayEquals(new int[] {X, X, INDEX.get("O"), INDEX.get("B-LOC"), X, X}, f.tokenLabels());
    assertArrayEquals(new int[] {2, 3}, f.firstPiece());
  }

  @Test
  void shouldTruncateNerByTheTemplatesLength() {
    // maxLength 5 leaves 3 pieces beside 2 special ids: "in" fits, "AL-AIN" (3 pieces) does not.
    Feature f = Feature.ner(TOKENIZER, new NerSentence(List.of("in", "AL-AIN"), List.of("O", "B-LOC")), INDEX, 5);
    assertArrayEquals(new int[] {P1, P2, 5}, f.ids());
    assertArrayEquals(new int[] {2, -1}, f.firstPiece());
  }

  @Test
  void shouldPutTheTemplateAroundUnlabelledAndClassificationText() {
    Feature u = Feature.unlabelled(TOKENIZER, "in Rome", 32);
    assertArrayEquals(new int[] {P1, P2, 5, 9}, u.ids());
    assertArrayEquals(new int[] {2, 3}, u.firstPiece());
    Feature c = Feature.classification(TOKENIZER, new ClassificationExample("in Rome", "pos"), Map.of("pos", 1), 3);
    assertArrayEquals(new int[] {P1, P2, 5}, c.ids());
  }
}
