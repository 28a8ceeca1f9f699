package org.streambert.schemas.rollout;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Optional;

/**
 * How a CANDIDATE compares with the serving model (the champion) on the live records one app instance scored with
 * both, cumulative since that pair was loaded. Written as JSON to {@code model-rollout-status} (key = model name)
 * beside the {@link RolloutStatus} records, told apart by {@code status = SHADOW_REPORT}; the streams app writes it,
 * {@code trainer serve} reads it to decide an automatic promotion. One type for both, so the field names cannot
 * drift apart.
 *
 * @param samples                  records scored by both models
 * @param labelAgreement           share of those records whose arg-max class is the same (null without a class head)
 * @param entityF1                 F1 of the candidate's entities against the champion's (exact type and span; null
 *                                 without a token head or when neither found an entity)
 * @param championConfidence       mean arg-max class score of the champion (null without a class head)
 * @param candidateConfidence      the same for the candidate
 * @param championLatencyMicros    mean forward-pass time of the champion per record, on the same batches
 * @param candidateLatencyMicros   the same for the candidate
 * @param candidateFailures        shadow batches the candidate failed on (outputs are unaffected)
 * @param droppedBatches           sampled batches not scored because the shadow queue was full
 * @param signingKeyId             id of the instance key that signed the report (null: unsigned); with instance keys
 *                                 configured, {@code trainer serve} keeps one latest report per this verified id and
 *                                 ignores the self-declared {@code instance} name
 * @param signature                base64 Ed25519 signature ({@code ShadowReportSignatures} in schemas.signing)
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ShadowReport(String instance, String modelName, String status, String championVersion,
    String candidateVersion, long samples, Double labelAgreement, Double entityF1, Double championConfidence,
    Double candidateConfidence, double championLatencyMicros, double candidateLatencyMicros, long candidateFailures,
    long droppedBatches, long timestamp, String signingKeyId, String signature) {

  /** An unsigned report. */
  public ShadowReport(String instance, String modelName, String status, String championVersion,
      String candidateVersion, long samples, Double labelAgreement, Double entityF1, Double championConfidence,
      Double candidateConfidence, double championLatencyMicros, double candidateLatencyMicros, long candidateFailures,
      long droppedBatches, long timestamp) {
    this(instance, modelName, status, championVersion, candidateVersion, samples, labelAgreement, entityF1,
        championConfidence, candidateConfidence, championLatencyMicros, candidateLatencyMicros, candidateFailures,
        droppedBatches, timestamp, null, null);
  }

  /** This report with the given key id and signature (the signing class sets them). */
  public ShadowReport withSignature(String keyId, String signatureBase64) {
    return new ShadowReport(instance, modelName, status, championVersion, candidateVersion, samples, labelAgreement,
        entityF1, championConfidence, candidateConfidence, championLatencyMicros, candidateLatencyMicros,
        candidateFailures, droppedBatches, timestamp, keyId, signatureBase64);
  }

  /** The {@code status} of every shadow report. */
  public static final String STATUS = "SHADOW_REPORT";

  /** Longest status-topic value {@link #fromJson} parses; a report is a few hundred bytes. */
  public static final int MAX_JSON_CHARS = 64 * 1024;

  private static final ObjectMapper MAPPER = new ObjectMapper();

  public String toJson() {
    try {
      return MAPPER.writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write shadow report as JSON", e);
    }
  }

  /**
   * Parses a status-topic value; empty when it is not a shadow report (a {@link RolloutStatus}, malformed JSON, null,
   * or longer than {@value #MAX_JSON_CHARS} characters). Missing numbers read as 0, missing ratios as null.
   */
  public static Optional<ShadowReport> fromJson(String json) {
    if (json == null || json.length() > MAX_JSON_CHARS) {
      return Optional.empty();
    }
    try {
      ShadowReport r = MAPPER.readValue(json, ShadowReport.class);
      return r != null && STATUS.equals(r.status()) ? Optional.of(r) : Optional.empty();
    } catch (JsonProcessingException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
