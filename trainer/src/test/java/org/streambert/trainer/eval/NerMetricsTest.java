package org.streambert.trainer.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Counts worked out by hand with conlleval's rules:
 *
 * <pre>
 * sentence 1  gold B-PER I-PER O B-LOC O      pred B-PER I-PER O B-ORG O   PER right, LOC predicted as ORG
 * sentence 2  gold B-ORG I-ORG I-ORG O B-PER  pred B-ORG I-ORG O O I-PER   ORG too short, I-PER after O = PER right
 * sentence 3  gold O O                        pred B-MISC O                a spurious MISC
 * gold: PER 2, LOC 1, ORG 1 (4)   predicted: PER 2, ORG 2, MISC 1 (5)   correct: PER 2 (2)
 * tags equal: 4 + 3 + 1 = 8 of 12
 * </pre>
 */
class NerMetricsTest {

  private static final List<List<String>> GOLD = List.of(
      List.of("B-PER", "I-PER", "O", "B-LOC", "O"),
      List.of("B-ORG", "I-ORG", "I-ORG", "O", "B-PER"),
      List.of("O", "O"));
  private static final List<List<String>> PREDICTED = List.of(
      List.of("B-PER", "I-PER", "O", "B-ORG", "O"),
      List.of("B-ORG", "I-ORG", "O", "O", "I-PER"),
      List.of("B-MISC", "O"));

  private static final double EPS = 1e-12;

  @Test
  void shouldMicroAverageOverAllEntities() {
    EntityScore overall = NerMetrics.evaluate(GOLD, PREDICTED).overall();
    assertEquals(4, overall.gold());
    assertEquals(5, overall.predicted());
    assertEquals(2, overall.correct());
    assertEquals(0.4, overall.precision(), EPS);
    assertEquals(0.5, overall.recall(), EPS);
    assertEquals(2 * 0.4 * 0.5 / 0.9, overall.f1(), EPS);
  }

  @Test
  void shouldScoreEachTypeIncludingMissedAndSpuriousOnes() {
    NerMetrics metrics = NerMetrics.evaluate(GOLD, PREDICTED);
    assertEquals(List.of("LOC", "MISC", "ORG", "PER"), List.copyOf(metrics.perType().keySet()));
    assertEquals(EntityScore.of(2, 2, 2), metrics.perType().get("PER"));
    assertEquals(1.0, metrics.perType().get("PER").f1(), EPS);
    assertEquals(new EntityScore(1, 0, 0, 0, 0, 0), metrics.perType().get("LOC"));
    assertEquals(new EntityScore(1, 2, 0, 0, 0, 0), metrics.perType().get("ORG"));
    assertEquals(new EntityScore(0, 1, 0, 0, 0, 0), metrics.perType().get("MISC"));
  }

  @Test
  void shouldCountTokenAccuracyOnWholeTags() {
    NerMetrics metrics = NerMetrics.evaluate(GOLD, PREDICTED);
    assertEquals(12, metrics.tokens());
    assertEquals(8, metrics.correctTags());
    assertEquals(8 / 12.0, metrics.accuracy(), EPS);
  }

  @Test
  void shouldWriteJsonWithOverallAndPerTypeScores() throws Exception {
    JsonNode json = new ObjectMapper().readTree(NerMetrics.evaluate(GOLD, PREDICTED).toJson());
    assertEquals(0.5, json.get("overall").get("recall").asDouble(), EPS);
    assertEquals(2, json.get("perType").get("PER").get("correct").asLong());
    assertEquals(12, json.get("tokens").asLong());
  }

  @Test
  void shouldPrintATableWithOneRowPerTypeAndTheMicroAverage() {
    String table = NerMetrics.evaluate(GOLD, PREDICTED).toTable();
    assertTrue(table.contains("processed 12 tokens with 4 entities; found: 5 entities; correct: 2"), table);
    assertTrue(table.lines().anyMatch(l -> l.startsWith("PER") && l.contains("100.00")), table);
    assertTrue(table.lines().anyMatch(l -> l.matches("micro avg\\s+40\\.00\\s+50\\.00\\s+44\\.44\\s+4\\s+5\\s+2")), table);
  }
}
