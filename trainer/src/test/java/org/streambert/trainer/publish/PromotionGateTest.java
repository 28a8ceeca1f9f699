package org.streambert.trainer.publish;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PromotionGateTest {

  private static final Map<String, Double> PUBLISHED = Map.of("macro_f1", 0.90, "entity_f1", 0.80, "accuracy", 0.95);

  @Test
  void shouldAcceptWhenNothingIsPublished() {
    assertTrue(PromotionGate.decide(Map.of("macro_f1", 0.1), null, 0).accepted());
  }

  @Test
  void shouldAcceptEqualMetrics() {
    assertTrue(PromotionGate.decide(Map.of("macro_f1", 0.90, "entity_f1", 0.80), PUBLISHED, 0).accepted());
  }

  @Test
  void shouldRefuseWhenOneGatedMetricIsWorse() {
    PromotionGate.Decision d = PromotionGate.decide(Map.of("macro_f1", 0.95, "entity_f1", 0.79), PUBLISHED, 0);
    assertFalse(d.accepted());
    assertTrue(d.reasons().stream().anyMatch(r -> r.startsWith("entity_f1") && r.endsWith("WORSE")), d.reasons()
        .toString());
  }

  @Test
  void shouldAcceptAWorseMetricWithinTheTolerance() {
    assertTrue(PromotionGate.decide(Map.of("macro_f1", 0.89, "entity_f1", 0.80), PUBLISHED, 0.02).accepted());
    assertFalse(PromotionGate.decide(Map.of("macro_f1", 0.87, "entity_f1", 0.80), PUBLISHED, 0.02).accepted());
  }

  @Test
  void shouldIgnoreUngatedMetrics() {
    assertTrue(PromotionGate.decide(Map.of("macro_f1", 0.90, "accuracy", 0.10), PUBLISHED, 0).accepted());
  }

  @Test
  void shouldRefuseANegativeTolerance() {
    assertThrows(IllegalArgumentException.class, () -> PromotionGate.decide(Map.of(), PUBLISHED, -0.1));
  }
}
