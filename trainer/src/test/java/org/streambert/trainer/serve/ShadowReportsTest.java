package org.streambert.trainer.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.streambert.trainer.internals.Json;

class ShadowReportsTest {

  private static JsonNode report(long samples, String agreement, double champion, double candidate) throws Exception {
    return Json.mapper().readTree("{\"status\":\"SHADOW_REPORT\",\"samples\":" + samples + ",\"labelAgreement\":"
        + agreement + ",\"championLatencyMicros\":" + champion + ",\"candidateLatencyMicros\":" + candidate + "}");
  }

  @Test
  void shouldWeightInstancesBySamples() throws Exception {
    ShadowReports r = ShadowReports.combine(List.of(report(30, "1.0", 100, 100), report(10, "0.6", 100, 500)));
    assertEquals(40, r.samples());
    assertEquals(2, r.instances());
    assertEquals(0.9, r.labelAgreement(), 1e-9); // (30 * 1.0 + 10 * 0.6) / 40
    assertEquals(2.0, r.latencyRatio(), 1e-9); // (30 * 100 + 10 * 500) / (40 * 100)
  }

  @Test
  void shouldLeaveAgreementUndefinedWithoutClassHeadAndCountNegativeSamplesAsNone() throws Exception {
    ShadowReports r = ShadowReports.combine(List.of(report(-5, "null", 100, 100), report(8, "null", 0, 0)));
    assertEquals(8, r.samples());
    assertTrue(Double.isNaN(r.labelAgreement()));
    assertTrue(Double.isNaN(r.latencyRatio()));
  }
}
