package org.streambert.bert.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.streambert.bert.heads.TokenClassificationHead;
import org.streambert.bert.tokenizer.Vocab;
import org.streambert.bert.tokenizer.WordPieceTokenizer;

/**
 * Entities on raw text (punctuation glued to words, as users send it): spans cover the words of the entity and never
 * start or end with punctuation or a clitic. The scripted model behaves like one fine-tuned on CoNLL-style data: it
 * tags the first piece of each entity word, and, where told, a punctuation piece too (a model may put I- on a comma).
 */
class RawTextEntitiesTest {

  private static final List<String> LABELS =
      List.of("O", "B-LOC", "I-LOC", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-MONEY", "I-MONEY");

  private static final WordPieceTokenizer TOKENIZER = new WordPieceTokenizer(Vocab.of(List.of(
      "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "Fans", "of", "Barcelona", ",", "Bit", "##ar", "'", "s", "team",
      "(", "M", ".", "Wasim", ")", "and", "Airbus", "in", "the", "U", "S", "paid", "$", "57", "600", "to", "AL", "-",
      "AIN", "x", "St", "Kilda", "don", "t", "know")), false);

  private static BertPredictor predictor(Map<String, String> tags, PredictorConfig config) {
    int k = LABELS.size();
    ScriptedForwardPass pass = new ScriptedForwardPass(0, -1, k, (id, position) -> probs(
        tags.getOrDefault(TOKENIZER.vocab().tokens().get(id), "O")));
    return BertPredictor.create(TOKENIZER, pass, null, new TokenClassificationHead("ner", LABELS), config);
  }

  private static float[] probs(String tag) {
    int k = LABELS.size();
    float[] probs = new float[k];
    Arrays.fill(probs, 0.1f / (k - 1));
    probs[LABELS.indexOf(tag)] = 0.9f;
    return probs;
  }

  private static List<String> entities(BertPredictor predictor, String text) {
    return predictor.predict(text).entities().stream()
        .map(e -> e.type() + "[" + e.start() + "," + e.end() + ")" + e.text()).toList();
  }

  private static final Map<String, String> FIRST_PIECES = Map.of("Barcelona", "B-ORG", "Bit", "B-PER", "M", "B-PER",
      "Wasim", "I-PER", "Airbus", "B-ORG", "U", "B-LOC", "$", "B-MONEY", "AL", "B-ORG");

  @Test
  void shouldServeTheIssuesRawTextEntitiesWithoutEdgePunctuation() {
    String text = "Fans of Barcelona, Bitar's team (M. Wasim) and Airbus. in the U.S. paid $57,600 to AL-AIN.";
    try (BertPredictor predictor = predictor(FIRST_PIECES, PredictorConfig.defaults())) {
      assertEquals(List.of(
          "ORG[8,17)Barcelona",
          "PER[19,24)Bitar",
          "PER[33,41)M. Wasim",
          "ORG[47,53)Airbus",
          "LOC[62,66)U.S.",
          "MONEY[72,79)$57,600",
          "ORG[83,89)AL-AIN"), entities(predictor, text));
    }
  }

  @Test
  void shouldDropPunctuationAndCliticsAtEntityEdgesEvenWhenTheModelTagsThem() {
    // The model puts I-ORG on "," and "'s" pieces and B-ORG on "(": none of them may start or end an entity.
    Map<String, String> tags = Map.of("Barcelona", "B-ORG", ",", "I-ORG", "(", "B-ORG", "Bit", "I-ORG", "'", "I-ORG",
        "s", "I-ORG");
    for (AggregationStrategy strategy : List.of(AggregationStrategy.FIRST, AggregationStrategy.SIMPLE,
        AggregationStrategy.AVERAGE, AggregationStrategy.MAX)) {
      try (BertPredictor predictor = predictor(tags, PredictorConfig.builder().aggregation(strategy).build())) {
        List<String> expected = switch (strategy) {
          case SIMPLE -> List.of("ORG[0,9)Barcelona", "ORG[12,15)Bit"); // per piece: "##ar" says O
          case AVERAGE -> List.of("ORG[0,9)Barcelona"); // "Bit ##ar" averages to a tie, O first
          default -> List.of("ORG[0,9)Barcelona", "ORG[12,17)Bitar");
        };
        assertEquals(expected, entities(predictor, "Barcelona, (Bitar's"), strategy.name());
      }
    }
  }

  @Test
  void shouldKeepPunctuationInsideAnEntity() {
    Map<String, String> tags = Map.of("Barcelona", "B-ORG", ",", "I-ORG", "Airbus", "I-ORG", ".", "I-ORG");
    try (BertPredictor predictor = predictor(tags, PredictorConfig.defaults())) {
      assertEquals(List.of("ORG[0,17)Barcelona, Airbus"), entities(predictor, "Barcelona, Airbus."));
    }
  }

  @Test
  void shouldNotServeAnEntityOfOnlyPunctuation() {
    try (BertPredictor predictor = predictor(Map.of("(", "B-ORG", ")", "I-ORG"), PredictorConfig.defaults())) {
      assertEquals(List.of(), entities(predictor, "x ( ) x"));
    }
  }

  @Test
  void shouldLabelNegationByTheWordWhereEachPieceStarts() {
    // "don't" is pieces "don ' t" and words "do n't": "don" labels "do", "'" labels "n't" (a clitic: no entity).
    Map<String, String> tags = Map.of("don", "B-PER", "'", "I-PER");
    try (BertPredictor predictor = predictor(tags, PredictorConfig.defaults())) {
      assertEquals(List.of("PER[0,2)do"), entities(predictor, "don't know"));
    }
  }

  @Test
  void shouldNotCutAnEntityAtAWindowEdgeWithTheDefaultOverlap() {
    // 12 pieces, 6 per window (maxLength 8): "St . Kilda" are pieces 4-6. A model that sees "Kilda" first in its
    // window (no left context) takes it for a new entity, as a real one would without "St.".
    String text = "x x x x St. Kilda x x x x x";
    int k = LABELS.size();
    ScriptedForwardPass.TokenScorer scorer = (id, position) -> {
      String piece = TOKENIZER.vocab().tokens().get(id);
      return probs(piece.equals("St") ? "B-LOC" : piece.equals("Kilda") ? position == 1 ? "B-LOC" : "I-LOC" : "O");
    };
    PredictorConfig overlapping = PredictorConfig.builder().maxLength(8).build(); // docStride 3
    assertEquals(3, overlapping.docStride());
    PredictorConfig disjoint = PredictorConfig.builder().maxLength(8).docStride(6).build();
    TokenClassificationHead head = new TokenClassificationHead("ner", LABELS);
    try (BertPredictor predictor = BertPredictor.create(TOKENIZER, new ScriptedForwardPass(0, -1, k, scorer), null,
        head, overlapping)) {
      assertEquals(List.of("LOC[8,17)St. Kilda"), entities(predictor, text));
    }
    try (BertPredictor predictor = BertPredictor.create(TOKENIZER, new ScriptedForwardPass(0, -1, k, scorer), null,
        head, disjoint)) {
      assertEquals(List.of("LOC[8,11)St.", "LOC[12,17)Kilda"), entities(predictor, text), "windows without overlap cut it");
    }
  }
}
