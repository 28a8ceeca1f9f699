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
import org.streambert.trainer.eval.TypedSpan;

/** NER features label the first piece of each word ({@code TextWords}), the unit the predictor aggregates. */
class NerFeatureTest {

  private static final WordPieceTokenizer TOKENIZER = new WordPieceTokenizer(Vocab.of(List.of("[PAD]", "[UNK]",
      "[CLS]", "[SEP]", "[MASK]", "in", "AL", "-", "AIN", "U", ".", "S", "New", "York", "St", "(", ")")), false);
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
    assertEquals(List.of(new TypedSpan("LOC", 3, 11)), NerText.of(sentence).goldSpans(sentence.tags()));
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
    assertEquals(List.of(new TypedSpan("LOC", 5, 16)), text.goldSpans(sentence.tags()));
  }

  @Test
  void shouldPackDocumentContextAroundTheSentenceWithLabelsOnTheSentenceOnly() {
    // Document: "in New York" | "AL-AIN" | "St U.S." ; the middle sentence with maxLength 8 (6 pieces): its 3 pieces,
    // then room 3: before has 3 pieces (in New York), after has 4 (St U . S); half (1) before... one side takes what
    // the other cannot use: left min(3, max(1, 3 - 4)) = 1, right 2.
    NerSentence a = new NerSentence(List.of("in", "New", "York"), List.of("O", "B-LOC", "I-LOC"));
    NerSentence b = new NerSentence(List.of("AL-AIN"), List.of("B-LOC"));
    NerSentence c = new NerSentence(List.of("St", "U.S."), List.of("O", "B-LOC"));
    NerSentence.Document doc = new NerSentence.Document(List.of(a, b, c));
    NerSentence middle = b.inDocument(doc, 1);
    Feature f = Feature.ner(TOKENIZER, middle, INDEX, 8, true);
    Vocab v = TOKENIZER.vocab();
    assertArrayEquals(new int[] {v.clsId(), v.id("York"), v.id("AL"), v.id("-"), v.id("AIN"), v.id("St"), v.id("U"),
        v.sepId()}, f.ids());
    assertArrayEquals(new int[] {X, X, B_LOC, X, X, X, X, X}, f.tokenLabels());
    assertArrayEquals(new int[] {2}, f.firstPiece());
    // Without context, or without a document, the same sentence alone.
    assertArrayEquals(new int[] {X, B_LOC, X, X, X}, Feature.ner(TOKENIZER, middle, INDEX, 8, false).tokenLabels());
    assertArrayEquals(new int[] {X, B_LOC, X, X, X}, Feature.ner(TOKENIZER, b, INDEX, 8, true).tokenLabels());
    // The first sentence has no left context: all the room goes to the right.
    Feature first = Feature.ner(TOKENIZER, a.inDocument(doc, 0), INDEX, 8, true);
    assertArrayEquals(new int[] {X, O, B_LOC, I_LOC, X, X, X, X}, first.tokenLabels());
    assertArrayEquals(new int[] {1, 2, 3}, first.firstPiece());
  }

  @Test
  void shouldTagTheContentWordOfASplitTokenAndLeaveItsEdgePunctuationOutside() {
    // Tweet tokens the word rules split: "(U.S." B-LOC is "(" O + "U.S." B-LOC; "St)." I-LOC is "St" I-LOC + ")" "." O.
    NerSentence sentence = new NerSentence(List.of("in", "(U.S.", "St)."), List.of("O", "B-LOC", "I-LOC"));
    NerText text = NerText.of(sentence);
    assertEquals(List.of("O", "O", "B-LOC", "I-LOC", "O", "O"), text.wordTags());
    assertEquals(List.of(new TypedSpan("LOC", 4, 11)), text.goldSpans(sentence.tags()));
    Feature f = Feature.ner(TOKENIZER, sentence, INDEX, 32);
    // [CLS] in ( U . S . St ) . [SEP]: labels on "in", "(", "U" (the token's tag), "St", ")", "."
    assertArrayEquals(new int[] {X, O, O, B_LOC, X, X, X, I_LOC, O, O, X}, f.tokenLabels());
    assertArrayEquals(new int[] {1, 3, 7}, f.firstPiece(), "each token's tag is read where it was put");
  }

  @Test
  void shouldRefuseATagTheModelDoesNotHave() {
    assertThrows(IllegalArgumentException.class, () -> Feature.ner(TOKENIZER,
        new NerSentence(List.of("in"), List.of("B-PER")), INDEX, 32));
  }
}
