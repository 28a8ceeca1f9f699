package org.streambert.bert.inference.internals;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.streambert.bert.inference.AggregationStrategy;
import org.streambert.bert.inference.Entity;

/**
 * Expected entities are worked out by hand from Hugging Face's TokenClassificationPipeline rules: arg-max per token
 * (SIMPLE) or per word (FIRST: first piece; AVERAGE: mean distribution; MAX: most confident piece), then adjacent units
 * join while the type stays and the next tag is not B-; groups typed O are dropped; group score = mean.
 */
class EntityAggregatorTest {

  private static final List<String> LABELS = List.of("O", "B-PER", "I-PER", "B-LOC", "I-LOC");
  private static final float EPS = 1e-6f;

  // "Newark is in New Jersey" as New ##ark | is | in | New | Jersey.
  private static final String NEWARK = "Newark is in New Jersey";
  private static final int[] NEWARK_STARTS = {0, 3, 7, 10, 13, 17};
  private static final int[] NEWARK_ENDS = {3, 6, 9, 12, 16, 23};
  private static final float[] NEWARK_PROBS = {
      // O     B-PER  I-PER  B-LOC  I-LOC
      0.10f, 0.10f, 0.05f, 0.70f, 0.05f,   // New    -> B-LOC 0.7
      0.05f, 0.00f, 0.75f, 0.00f, 0.20f,   // ##ark  -> I-PER 0.75 (disagrees with its word's first piece)
      0.90f, 0.025f, 0.025f, 0.025f, 0.025f, // is   -> O
      0.90f, 0.025f, 0.025f, 0.025f, 0.025f, // in   -> O
      0.10f, 0.05f, 0.025f, 0.80f, 0.025f, // New    -> B-LOC 0.8
      0.20f, 0.00f, 0.00f, 0.20f, 0.60f,   // Jersey -> I-LOC 0.6
  };

  private static List<Entity> newark(AggregationStrategy strategy) {
    return new EntityAggregator(LABELS, strategy).aggregate(NEWARK, NEWARK_STARTS, NEWARK_ENDS, NEWARK_PROBS);
  }

  @Test
  void shouldReportEveryNonOutsideTokenWithItsFullTagUnderNone() {
    assertEntities(List.of(
        new Entity("B-LOC", 0, 3, "New", 0.7f),
        new Entity("I-PER", 3, 6, "ark", 0.75f),
        new Entity("B-LOC", 13, 16, "New", 0.8f),
        new Entity("I-LOC", 17, 23, "Jersey", 0.6f)), newark(AggregationStrategy.NONE));
  }

  @Test
  void shouldSplitAWordWhosePiecesDisagreeUnderSimple() {
    assertEntities(List.of(
        new Entity("LOC", 0, 3, "New", 0.7f),
        new Entity("PER", 3, 6, "ark", 0.75f),
        new Entity("LOC", 13, 23, "New Jersey", 0.7f)), newark(AggregationStrategy.SIMPLE));
  }

  @Test
  void shouldLabelWholeWordByItsFirstPieceUnderFirst() {
    assertEntities(List.of(
        new Entity("LOC", 0, 6, "Newark", 0.7f),
        new Entity("LOC", 13, 23, "New Jersey", 0.7f)), newark(AggregationStrategy.FIRST));
  }

  @Test
  void shouldLabelWholeWordByMeanDistributionUnderAverage() {
    // Newark: mean of its two rows = [.075, .05, .4, .35, .125] -> I-PER 0.4.
    assertEntities(List.of(
        new Entity("PER", 0, 6, "Newark", 0.4f),
        new Entity("LOC", 13, 23, "New Jersey", 0.7f)), newark(AggregationStrategy.AVERAGE));
  }

  @Test
  void shouldLabelWholeWordByMostConfidentPieceUnderMax() {
    // Newark: New peaks at 0.7, ##ark at 0.75 -> I-PER 0.75.
    assertEntities(List.of(
        new Entity("PER", 0, 6, "Newark", 0.75f),
        new Entity("LOC", 13, 23, "New Jersey", 0.7f)), newark(AggregationStrategy.MAX));
  }

  @Test
  void shouldKeepConsecutiveBeginTagsOfSameTypeSeparate() {
    // "Ann Bob Cy": B-PER B-PER I-PER -> "Ann", "Bob Cy".
    List<Entity> entities = oneTokenWords("Ann Bob Cy", 1, 1, 2);
    assertEntities(List.of(
        new Entity("PER", 0, 3, "Ann", 0.9f),
        new Entity("PER", 4, 10, "Bob Cy", 0.9f)), entities);
  }

  @Test
  void shouldStartEntityAtInsideTagAfterOutside() {
    // "in Paris now": O I-LOC O -> "Paris".
    assertEntities(List.of(new Entity("LOC", 3, 8, "Paris", 0.9f)), oneTokenWords("in Paris now", 0, 4, 0));
  }

  @Test
  void shouldSplitWhereTypeChangesEvenWithoutBeginTag() {
    // "Paris Hilton": B-LOC I-PER -> "Paris" (LOC), "Hilton" (PER).
    assertEntities(List.of(
        new Entity("LOC", 0, 5, "Paris", 0.9f),
        new Entity("PER", 6, 12, "Hilton", 0.9f)), oneTokenWords("Paris Hilton", 3, 2));
  }

  @Test
  void shouldTakeSurfaceTextByCodePointsAroundAstralCharacters() {
    // "😀 𝒜x": 😀 is code point 0 (2 chars), 𝒜 code point 2 (2 chars), x code point 3.
    String text = "😀 𝒜x";
    float[] probs = {
        0.9f, 0.025f, 0.025f, 0.025f, 0.025f,
        0.1f, 0.6f, 0.1f, 0.1f, 0.1f,
        0.1f, 0.1f, 0.6f, 0.1f, 0.1f};
    List<Entity> entities = new EntityAggregator(LABELS, AggregationStrategy.FIRST)
        .aggregate(text, new int[] {0, 2, 3}, new int[] {1, 3, 4}, probs);
    assertEntities(List.of(new Entity("PER", 2, 4, "𝒜x", 0.6f)), entities);
  }

  /** Whitespace-separated one-token words, each with probability 0.9 on the given label index. */
  private static List<Entity> oneTokenWords(String text, int... labelIndex) {
    String[] words = text.split(" ");
    int n = words.length;
    int[] starts = new int[n];
    int[] ends = new int[n];
    float[] probs = new float[n * LABELS.size()];
    int pos = 0;
    for (int i = 0; i < n; i++) {
      starts[i] = pos;
      ends[i] = pos + words[i].length();
      pos = ends[i] + 1;
      for (int c = 0; c < LABELS.size(); c++) {
        probs[i * LABELS.size() + c] = c == labelIndex[i] ? 0.9f : 0.025f;
      }
    }
    return new EntityAggregator(LABELS, AggregationStrategy.SIMPLE).aggregate(text, starts, ends, probs);
  }

  private static void assertEntities(List<Entity> expected, List<Entity> actual) {
    assertEquals(strip(expected), strip(actual));
    for (int i = 0; i < expected.size(); i++) {
      assertEquals(expected.get(i).score(), actual.get(i).score(), EPS, "score of " + actual.get(i));
    }
  }

  private static List<String> strip(List<Entity> entities) {
    List<String> out = new ArrayList<>();
    for (Entity e : entities) {
      out.add(e.type() + "[" + e.start() + "," + e.end() + ")'" + e.text() + "'");
    }
    return out;
  }
}
