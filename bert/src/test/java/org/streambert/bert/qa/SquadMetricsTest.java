package org.streambert.bert.qa;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Expected values worked out by hand from evaluate-v1.1.py's definitions. */
class SquadMetricsTest {

  @Test
  void shouldLowerCaseAndDropPunctuationArticlesAndExtraWhitespace() {
    assertEquals("eiffel tower", SquadMetrics.normalize("The  Eiffel Tower!"));
    assertEquals("cat sat on mat", SquadMetrics.normalize("A cat sat on the mat."));
    assertEquals("1981", SquadMetrics.normalize("(1981)"));
  }

  @Test
  void shouldRemoveArticlesOnlyAsWholeWords() {
    assertEquals("theory another", SquadMetrics.normalize("Theory an another"));
  }

  @Test
  void shouldRemovePunctuationInsideWordsWithoutSplittingThem() {
    // string.punctuation is deleted, not replaced by a space: "o'neil" -> "oneil", "u.s." -> "us".
    assertEquals("oneil us", SquadMetrics.normalize("O'Neil, U.S."));
  }

  @Test
  void shouldScoreExactMatchAfterNormalisation() {
    assertEquals(1.0, SquadMetrics.exactMatch("the Denver Broncos", "Denver Broncos"));
    assertEquals(0.0, SquadMetrics.exactMatch("Denver", "Denver Broncos"));
  }

  @Test
  void shouldScoreF1OverTokenBags() {
    // prediction {cat, sat}, truth {cat, sat, on, mat}: precision 1, recall 1/2.
    assertEquals(2.0 / 3, SquadMetrics.f1("the cat sat", "cat sat on the mat"), 1e-12);
    // Repeated tokens count as often as they occur in both: {new, new, york} vs {new, york}: 2 in common.
    assertEquals(2 * (2.0 / 3) * 1 / (2.0 / 3 + 1), SquadMetrics.f1("new new york", "new york"), 1e-12);
    assertEquals(0.0, SquadMetrics.f1("Paris", "London"));
    assertEquals(0.0, SquadMetrics.f1("the", "a"), "both normalise to nothing: no common token scores 0");
  }

  @Test
  void shouldTakeTheBestGroundTruth() {
    assertEquals(1.0, SquadMetrics.maxExactMatch("Houston", List.of("Houston, Texas", "Houston")));
    assertEquals(0.8, SquadMetrics.maxF1("Houston Texas USA", List.of("Houston, Texas", "Texas")), 1e-12);
  }

  @Test
  void shouldCountQuestionsWithoutPredictionAsWrong() {
    List<SquadExample> examples = List.of(
        new SquadExample("a", "q", "c", List.of(new SquadExample.Answer("Denver Broncos", 0))),
        new SquadExample("b", "q", "c", List.of(new SquadExample.Answer("1981", 0))));
    SquadMetrics.Score s = SquadMetrics.evaluate(examples, Map.of("a", "the Denver Broncos"));
    assertEquals(50.0, s.exactMatch(), 1e-12);
    assertEquals(50.0, s.f1(), 1e-12);
    assertEquals(2, s.count());
  }
}
