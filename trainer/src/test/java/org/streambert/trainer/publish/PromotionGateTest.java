package org.streambert.trainer.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

  @Test
  void shouldGateOnServedFiguresWhenBothSidesHaveThem() {
    Map<String, Double> published = Map.of("entity_f1", 0.80, "served_entity_f1", 0.70);
    // Better conlleval figure, worse served one: refused, because users get the served one.
    PromotionGate.Decision d = PromotionGate.decide(Map.of("entity_f1", 0.90, "served_entity_f1", 0.69), published, 0);
    assertFalse(d.accepted());
    assertTrue(d.reasons().stream().anyMatch(r -> r.startsWith("served_entity_f1") && r.endsWith("WORSE")),
        d.reasons().toString());
    assertTrue(PromotionGate.decide(Map.of("entity_f1", 0.75, "served_entity_f1", 0.72), published, 0).accepted());
  }

  @Test
  void shouldFallBackToModelFiguresAgainstAVersionPublishedWithoutServedOnes() {
    Map<String, Double> candidate = Map.of("entity_f1", 0.79, "served_entity_f1", 0.95);
    PromotionGate.Decision d = PromotionGate.decide(candidate, PUBLISHED, 0);
    assertFalse(d.accepted(), "an old version without served figures still gates on entity_f1");
    assertTrue(d.reasons().stream().anyMatch(r -> r.startsWith("entity_f1:")), d.reasons().toString());
  }

  @Test
  void shouldRefuseFiguresOfDifferentEnginesWithATypedReason() {
    Map<String, Double> better = Map.of("macro_f1", 0.99, "entity_f1", 0.99);
    PromotionGate.Decision d = PromotionGate.decide(better, "onnxruntime int8", PUBLISHED, "tensorflow fp32", 0);
    assertFalse(d.accepted());
    assertEquals(PromotionGate.Refusal.ENGINE_MISMATCH, d.refusal());
    assertTrue(d.reasons().get(0).startsWith(PromotionGate.ENGINE_MISMATCH_REASON), d.reasons().toString());
    assertTrue(d.reasons().get(0).contains("onnxruntime int8") && d.reasons().get(0).contains("tensorflow fp32"));
    // a precision is part of the engine: per-row and per-tensor int8 are not compared either
    assertEquals(PromotionGate.Refusal.ENGINE_MISMATCH, PromotionGate.decide(better, "onnxruntime int8",
        PUBLISHED, "onnxruntime int8-per-tensor", 0).refusal());
  }

  @Test
  void shouldCompareFiguresOfTheSameEngineAndReadNoEngineAsTensorFlowFp32() {
    assertTrue(PromotionGate.decide(Map.of("macro_f1", 0.90, "entity_f1", 0.80), "onnxruntime int8", PUBLISHED,
        "onnxruntime int8", 0).accepted());
    PromotionGate.Decision worse = PromotionGate.decide(Map.of("macro_f1", 0.80), "onnxruntime int8", PUBLISHED,
        "onnxruntime int8", 0);
    assertEquals(PromotionGate.Refusal.WORSE, worse.refusal());
    // a version published before engines were named was measured on TensorFlow fp32
    assertTrue(PromotionGate.decide(Map.of("macro_f1", 0.90), "tensorflow fp32", PUBLISHED, null, 0).accepted());
    assertEquals(PromotionGate.Refusal.ENGINE_MISMATCH,
        PromotionGate.decide(Map.of("macro_f1", 0.90), "onnxruntime int8", PUBLISHED, null, 0).refusal());
    // nothing published: accepted whatever the engine
    assertTrue(PromotionGate.decide(Map.of("macro_f1", 0.1), "onnxruntime int8", null, null, 0).accepted());
  }
}
