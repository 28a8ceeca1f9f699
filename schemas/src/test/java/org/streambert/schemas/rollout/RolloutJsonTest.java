package org.streambert.schemas.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class RolloutJsonTest {

  private static final ShadowReport REPORT = new ShadowReport("i-1", "bert-nlp", ShadowReport.STATUS, "1", "2", 40,
      0.9, null, 0.8, 0.85, 1200.5, 1300.25, 1, 2, 1767225600000L);

  @Test
  void shouldReadBackTheShadowReportItWrites() {
    assertEquals(REPORT, ShadowReport.fromJson(REPORT.toJson()).orElseThrow());
  }

  @Test
  void shouldReadBackTheRolloutStatusItWrites() {
    RolloutStatus s = new RolloutStatus("i-1", "bert-nlp", "3", "ab", "file:///m/3", RolloutStatus.REFUSED,
        "golden example 0", "2", 1L, 412L);
    assertEquals(s, RolloutStatus.fromJson(s.toJson()));
  }

  @Test
  void shouldSayWhichEngineAndPrecisionServeAndWhichWereRefusedFirst() {
    RolloutStatus s = new RolloutStatus("i-1", "bert-nlp", "3", "ab", "file:///m/3", RolloutStatus.LOADED, null, "3",
        1L, 412L, "tensorflow", "bf16", List.of("onnxruntime int8: golden example 0: expected label pos, got neg"));
    RolloutStatus read = RolloutStatus.fromJson(s.toJson());
    assertEquals(s, read);
    assertEquals("tensorflow", read.engine());
    assertEquals("bf16", read.precision());
    assertEquals(1, read.engineRefusals().size());
  }

  @Test
  void shouldReadStatusesWrittenBeforeEnginesWereReported() {
    RolloutStatus old = RolloutStatus.fromJson("{\"instance\":\"i-1\",\"modelName\":\"bert-nlp\",\"version\":\"3\","
        + "\"status\":\"LOADED\",\"servingVersion\":\"3\",\"timestamp\":1,\"loadMillis\":2}");
    assertEquals(RolloutStatus.LOADED, old.status());
    assertNull(old.engine());
    assertNull(old.engineRefusals());
  }

  @Test
  void shouldTellShadowReportsFromRolloutStatusesOnTheSameTopic() {
    String status = new RolloutStatus("i-1", "bert-nlp", "3", null, null, RolloutStatus.LOADED, null, "3", 1L, 2L)
        .toJson();
    assertTrue(ShadowReport.fromJson(status).isEmpty(), "a rollout status is not a shadow report");
    assertEquals(ShadowReport.STATUS, RolloutStatus.fromJson(REPORT.toJson()).status(),
        "status readers skip a report's extra fields");
  }

  @Test
  void shouldRefuseValuesThatAreNotShadowReports() {
    assertTrue(ShadowReport.fromJson(null).isEmpty());
    assertTrue(ShadowReport.fromJson("not json {").isEmpty());
    assertTrue(ShadowReport.fromJson("42").isEmpty());
    assertTrue(ShadowReport.fromJson("{\"status\":\"SHADOW_REPORT\",\"samples\":\"many\"}").isEmpty());
    String padded = REPORT.toJson().replace("{", "{\"pad\":\"" + "x".repeat(ShadowReport.MAX_JSON_CHARS) + "\",");
    assertTrue(ShadowReport.fromJson(padded).isEmpty(), "over the length bound");
    assertThrows(IllegalArgumentException.class, () -> RolloutStatus.fromJson("[1, 2]"));
  }

  @Test
  void shouldReadMissingNumbersAsZeroAndMissingRatiosAsNull() {
    ShadowReport r = ShadowReport.fromJson("{\"status\":\"SHADOW_REPORT\",\"instance\":\"b\",\"samples\":6}")
        .orElseThrow();
    assertEquals(6, r.samples());
    assertNull(r.labelAgreement());
    assertEquals(0.0, r.championLatencyMicros());
    assertNull(r.modelName());
  }
}
