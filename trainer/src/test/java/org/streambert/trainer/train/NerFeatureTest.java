package org.streambert.trainer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.streambert.bert.tokenizer.Vocab;
import org.streambert.bert.tokenizer.WordPieceTokenizer;
import org.streambert.trainer.data.LabelSets;
import org.streambert.trainer.data.NerSentence;
import org.streambert.trainer.eval.Entity;

/** NER features label the first piece of each whitespace-delimited word, the unit the predictor aggregates. */
class NerFeatureTest {

  private static final WordPieceTokenizer TOKENIZER = new WordPieceTokenizer(Vocab.of(List.of("[PAD]", "[UNK]",
      "[CLS]", "[SEP]", "[MASK]", "in", "AL", "-", "AIN", "U", ".", "S", "New", "York", "St")), false);
  private static final List<String> LABELS = LabelSets.nerLabels(List.of("LOC"));
  private static final Map<String, Integer> INDEX = LabelSets.index(LABELS);
  private static final int O = INDEX.get("O");
  private static final int B_LOC = INDEX.get("B-LOC");
  private static final int I_LOC = INDEX.get("I-LOC");
  private static final int X = Feature.IGNORED;

  @Test
  void shouldLabelOnlyTheFirstPieceOfAPunctuatedWord() {
    // in | AL - AIN | U . S . -> [CLS] in AL - AIN U . S . [SEP]
    Feature f = Feature.ner(TOKENIZER, new NerSentence(List.of("in", "AL-AIN", "U.S."), List.of("O", "B-LOC",
        "B-LOC")), INDEX, 32);
    assertArrayEquals(new int[] {X, O, B_LOC, X, X, B_LOC, X, X, X, X}, f.tokenLabels());
    assertArrayEquals(new int[] {1, 2, 5}, f.firstPiece());
  }

  @Test
  void shouldSplitATokenWithInnerWhitespaceIntoWordsThatContinueItsEntity() {
    // A tab-separated CoNLL token may hold a space: "New York" is two served words, B-LOC then I-LOC.
    NerSentence sentence = new NerSentence(List.of("in", "New York"), List.of("O", "B-LOC"));
    Feature f = Feature.ner(TOKENIZER, sentence, INDEX, 32);
    assertArrayEquals(new int[] {X, O, B_LOC, I_LOC, X}, f.tokenLabels());
    assertArrayEquals(new int[] {1, 2}, f.firstPiece());
    assertEquals(List.of(new Entity("LOC", 3, 11)), NerText.of(sentence).goldSpans(sentence.tags()));
  }

  @Test
  void shouldTruncateAtTheFirstWordThatDoesNotFit() {
    // maxLength 5 leaves 3 pieces: "in" fits, "AL-AIN" (3 pieces) does not, nor does anything after it.
    Feature f = Feature.ner(TOKENIZER, new NerSentence(List.of("in", "AL-AIN", "St"), List.of("O", "B-LOC", "O")),
        INDEX, 5);
    assertArrayEquals(new int[] {X, O, X}, f.tokenLabels());
    assertArrayEquals(new int[] {1, -1, -1}, f.firstPiece());
  }

  @Test
  void shouldGiveGoldSpansAsWholeWordsInCodePoints() {
    NerSentence sentence = new NerSentence(List.of("𝒜", "in", "AL-AIN", "U.S."), List.of("O", "O", "B-LOC", "I-LOC"));
    NerText text = NerText.of(sentence);
    assertEquals("𝒜 in AL-AIN U.S.", text.text());
    assertEquals(List.of(new Entity("LOC", 5, 16)), text.goldSpans(sentence.tags()));
  }

  @Test
  void shouldRefuseATagTheModelDoesNotHave() {
    assertThrows(IllegalArgumentException.class, () -> Feature.ner(TOKENIZER,
        new NerSentence(List.of("in"), List.of("B-PER")), INDEX, 32));
  }
}
