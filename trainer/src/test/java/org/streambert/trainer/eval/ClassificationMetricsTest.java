package org.streambert.trainer.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * gold a a a b b c, predicted a a b b c c. By hand: a: P 2/2, R 2/3, F1 0.8; b: P 1/2, R 1/2, F1 0.5;
 * c: P 1/2, R 1/1, F1 2/3; accuracy 4/6.
 */
class ClassificationMetricsTest {

  private static final List<String> LABELS = List.of("a", "b", "c");
  private static final List<String> GOLD = List.of("a", "a", "a", "b", "b", "c");
  private static final List<String> PREDICTED = List.of("a", "a", "b", "b", "c", "c");
  private static final double EPS = 1e-12;

  @Test
  void shouldComputeAccuracy() {
    assertEquals(4 / 6.0, ClassificationMetrics.evaluate(LABELS, GOLD, PREDICTED).accuracy(), EPS);
  }

  @Test
  void shouldComputeMacroF1AsTheMeanOfPerClassF1() {
    ClassificationMetrics m = ClassificationMetrics.evaluate(LABELS, GOLD, PREDICTED);
    assertEquals(0.8, m.perClass().get(0).f1(), EPS);
    assertEquals(0.5, m.perClass().get(1).f1(), EPS);
    assertEquals(2 / 3.0, m.perClass().get(2).f1(), EPS);
    assertEquals((0.8 + 0.5 + 2 / 3.0) / 3, m.macroF1(), EPS);
  }

  @Test
  void shouldLeaveClassesAbsentFromGoldAndPredictionsOutOfMacroF1() {
    ClassificationMetrics m = ClassificationMetrics.evaluate(List.of("a", "b", "c", "d"), GOLD, PREDICTED);
    assertEquals((0.8 + 0.5 + 2 / 3.0) / 3, m.macroF1(), EPS);
  }

  @Test
  void shouldCountTheConfusionMatrixWithGoldRowsAndPredictedColumns() {
    long[][] confusion = ClassificationMetrics.evaluate(LABELS, GOLD, PREDICTED).confusion();
    assertArrayEquals(new long[] {2, 1, 0}, confusion[0]);
    assertArrayEquals(new long[] {0, 1, 1}, confusion[1]);
    assertArrayEquals(new long[] {0, 0, 1}, confusion[2]);
  }

  @Test
  void shouldWriteJsonAndATable() throws Exception {
    ClassificationMetrics m = ClassificationMetrics.evaluate(LABELS, GOLD, PREDICTED);
    JsonNode json = new ObjectMapper().readTree(m.toJson());
    assertEquals(2, json.get("confusion").get(0).get(0).asLong());
    assertEquals(0.8, json.get("perClass").get(0).get("f1").asDouble(), EPS);
    String table = m.toTable();
    assertTrue(table.contains("accuracy: 66.67%  macro-F1: 65.56%"), table);
    assertTrue(table.lines().anyMatch(l -> l.matches("0:a\\s+2\\s+1\\s+0")), table);
  }
}
