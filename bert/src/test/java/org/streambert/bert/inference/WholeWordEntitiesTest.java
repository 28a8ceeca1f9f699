package org.streambert.bert.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.streambert.bert.heads.TokenClassificationHead;
import org.streambert.bert.tokenizer.Vocab;
import org.streambert.bert.tokenizer.WordPieceTokenizer;

/**
 * Served entities are whole words ({@link org.streambert.bert.tokenizer.TextWords}), the unit the trainer labels, also
 * where BERT's basic tokenizer splits punctuation off inside a word. The scripted model behaves like a fine-tuned one: it labels the first piece of
 * each entity word and says {@code O} for every other piece (pieces after the first were never trained).
 */
class WholeWordEntitiesTest {

  private static final List<String> LABELS =
      List.of("O", "B-LOC", "I-LOC", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-DATE", "I-DATE");

  private static final WordPieceTokenizer TOKENIZER = new WordPieceTokenizer(Vocab.of(List.of(
      "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "Fans", "in", "AL", "-", "AIN", "and", "the", "U", ".", "met", "O",
      "'", "Neil", "of", "Coca", "Cola", "at", "St", "Kilda", "on", "1996", "12", "06", "Paris", ",", "France")), false);

  /** The tag the model gives the first piece of each entity word; every other piece is O. */
  private static final Map<String, String> FIRST_PIECE_TAGS = Map.of(
      "AL", "B-LOC", "U", "B-LOC", "O", "B-PER", "Coca", "B-ORG", "St", "B-LOC", "Kilda", "I-LOC", "1996", "B-DATE",
      "Paris", "B-LOC", "France", "B-LOC");

  private static BertPredictor predictor(AggregationStrategy strategy) {
    int k = LABELS.size();
    ScriptedForwardPass pass = new ScriptedForwardPass(0, -1, k, (id, position) -> {
      String tag = FIRST_PIECE_TAGS.getOrDefault(TOKENIZER.vocab().tokens().get(id), "O");
      float[] probs = new float[k];
      java.util.Arrays.fill(probs, 0.1f / (k - 1));
      probs[LABELS.indexOf(tag)] = 0.9f;
      return probs;
    });
    return BertPredictor.create(TOKENIZER, pass, null, new TokenClassificationHead("ner", LABELS),
        PredictorConfig.builder().aggregation(strategy).build());
  }

  private static List<String> entities(String text, AggregationStrategy strategy) {
    try (BertPredictor predictor = predictor(strategy)) {
      return predictor.predict(text).entities().stream()
          .map(e -> e.type() + "[" + e.start() + "," + e.end() + ")" + e.text()).toList();
    }
  }

  @Test
  void shouldServeHyphenatedDottedAndApostropheTokensAsWholeWords() {
    String text = "Fans in AL-AIN and the U.S. met O'Neil of Coca-Cola at St. Kilda on 1996-12-06 .";
    assertEquals(List.of(
        "LOC[8,14)AL-AIN",
        "LOC[23,27)U.S.",
        "PER[32,38)O'Neil",
        "ORG[42,51)Coca-Cola",
        "LOC[55,64)St. Kilda",
        "DATE[68,78)1996-12-06"), entities(text, AggregationStrategy.FIRST));
  }

  @Test
  void shouldKeepWholeWordsWhenTheWhitespaceDiffersFromTrainingTokens() {
    // Double spaces, a tab, newlines and a CRLF between the same tokens: still whole words, offsets into this text.
    String text = "Fans  in\tAL-AIN\n\nand the  U.S.\r\nmet O'Neil";
    assertEquals(List.of("LOC[9,15)AL-AIN", "LOC[26,30)U.S.", "PER[36,42)O'Neil"),
        entities(text, AggregationStrategy.FIRST));
  }

  @Test
  void shouldJoinAnEntityAcrossALineBreakLikeAnySeparator() {
    assertEquals(List.of("LOC[0,9)St.\nKilda"), entities("St.\nKilda", AggregationStrategy.FIRST));
  }

  @Test
  void shouldLabelWholeWordsUnderMaxAndDropThemUnderAverageWhenMostPiecesSayOutside() {
    // MAX: the most confident piece of "AL-AIN" is any of them (all 0.9); the first wins ties, as Python's max().
    assertEquals(List.of("LOC[0,6)AL-AIN"), entities("AL-AIN", AggregationStrategy.MAX));
    // AVERAGE: two of three pieces say O, so the word's mean distribution is O.
    assertEquals(List.of(), entities("AL-AIN", AggregationStrategy.AVERAGE));
  }

  @Test
  void shouldKeepTokenSpansUnderSimpleAsHuggingFaceDoes() {
    // SIMPLE works on tokens, not words: only the labelled piece is an entity.
    assertEquals(List.of("LOC[0,2)AL"), entities("AL-AIN", AggregationStrategy.SIMPLE));
  }

  @Test
  void shouldLeavePunctuationAttachedToAWordOutsideItsEntity() {
    // "Paris," is the words "Paris" and ",", as spaCy, Stanza and HF's pipeline return it.
    for (AggregationStrategy strategy : List.of(AggregationStrategy.FIRST, AggregationStrategy.SIMPLE,
        AggregationStrategy.MAX)) {
      assertEquals(List.of("LOC[0,5)Paris", "LOC[7,13)France"), entities("Paris, France", strategy));
    }
  }
}
