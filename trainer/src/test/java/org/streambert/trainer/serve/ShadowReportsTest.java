package org.streambert.trainer.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.streambert.schemas.rollout.ShadowReport;

class ShadowReportsTest {

  /** A report as the app writes it, read through the shared type (fields it does not name read as 0 or null). */
  private static ShadowReport report(long samples, String agreement, double champion, double candidate) {
    return ShadowReport.fromJson("{\"status\":\"SHADOW_REPORT\",\"samples\":" + samples + ",\"labelAgreement\":"
        + agreement + ",\"championLatencyMicros\":" + champion + ",\"candidateLatencyMicros\":" + candidate + "}")
        .orElseThrow();
  }

  @Test
  void shouldWeightInstancesBySamples() {
    ShadowReports r = ShadowReports.combine(List.of(report(30, "1.0", 100, 100), report(10, "0.6", 100, 500)));
    assertEquals(40, r.samples());
    assertEquals(2, r.instances());
    assertEquals(0.9, r.labelAgreement(), 1e-9); // (30 * 1.0 + 10 * 0.6) / 40
    assertEquals(2.0, r.latencyRatio(), 1e-9); // (30 * 100 + 10 * 500) / (40 * 100)
  }

  @Test
  void shouldLeaveAgreementUndefinedWithoutClassHeadAndCountNegativeSamplesAsNone() {
    ShadowReports r = ShadowReports.combine(List.of(report(-5, "null", 100, 100), report(8, "null", 0, 0)));
    assertEquals(8, r.samples());
    assertTrue(Double.isNaN(r.labelAgreement()));
    assertTrue(Double.isNaN(r.latencyRatio()));
  }

  @Test
  void shouldRefuseReportsWhoseFiguresWouldPassAnyBound() {
    // an agreement over 1 would lift the mean over the bar; a negative latency would shrink the ratio under it
    ShadowReports r = ShadowReports.combine(List.of(report(10, "0.5", 100, 100), report(1000, "5.0", 100, 100),
        report(1000, "0.5", 100, -1e9)));
    assertEquals(10, r.samples());
    assertEquals(1, r.instances());
    assertEquals(2, r.refused());
    assertEquals(0.5, r.labelAgreement(), 1e-9);
    assertEquals(1.0, r.latencyRatio(), 1e-9);
  }
}
