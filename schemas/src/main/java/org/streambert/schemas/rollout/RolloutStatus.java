package org.streambert.schemas.rollout;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;

/**
 * One record of topic {@code model-rollout-status}: what an instance did with one checkpoint. Written as UTF-8 JSON,
 * key = model name (string), for example
 *
 * <pre>{@code
 * {"instance":"host-4711","modelName":"bert-nlp","version":"3","manifestSha256":"9f2c...","bundleUri":"file:///m/3",
 *  "status":"LOADED","reason":null,"servingVersion":"3","timestamp":1767225600000,"loadMillis":412,
 *  "engine":"tensorflow","precision":"bf16",
 *  "engineRefusals":["onnxruntime int8: golden example 0: expected label pos, got neg"]}
 * }</pre>
 *
 * @param status         {@code LOADED} (the version now serves), {@code REFUSED} (it does not; the previous model,
 *                       {@code servingVersion}, keeps serving), {@code CANDIDATE_LOADED} (a candidate is scored in
 *                       shadow), {@code CANDIDATE_RETIRED} (that candidate was unloaded). The same topic also carries
 *                       {@link ShadowReport}s ({@code SHADOW_REPORT}); unknown properties are ignored when reading.
 * @param reason         why it was refused; null when loaded
 * @param servingVersion version serving on this instance after the attempt; null if none
 * @param timestamp      epoch milliseconds when the attempt ended
 * @param loadMillis     how long fetching, verifying, loading, warming up and the golden check took
 * @param engine         the engine the version runs on when loaded ({@code tensorflow}, {@code onnxruntime}); null
 *                       when refused (and in records written before engines were reported)
 * @param precision      its arithmetic when loaded ({@code fp32}, {@code bf16}, {@code int8}); null when refused
 * @param engineRefusals the faster engines and precisions tried first and refused, each
 *                       {@code "<engine> <precision>: <reason>"} (e.g. an int8 model that failed the golden check
 *                       before bf16 passed it); empty when the first one passed; null in older records
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
@JsonIgnoreProperties(ignoreUnknown = true)
public record RolloutStatus(String instance, String modelName, String version, String manifestSha256,
    String bundleUri, String status, String reason, String servingVersion, long timestamp, long loadMillis,
    String engine, String precision, List<String> engineRefusals) {

  public static final String LOADED = "LOADED";
  public static final String REFUSED = "REFUSED";
  /** A CANDIDATE passed every check and is scored in shadow beside {@code servingVersion}; it does not serve. */
  public static final String CANDIDATE_LOADED = "CANDIDATE_LOADED";
  /** A RETIRED event unloaded the candidate of that version. */
  public static final String CANDIDATE_RETIRED = "CANDIDATE_RETIRED";

  private static final ObjectMapper MAPPER = new ObjectMapper();

  public RolloutStatus {
    engineRefusals = engineRefusals == null ? null : List.copyOf(engineRefusals);
  }

  /** A status that does not say how the model runs (engine, precision and engine refusals null). */
  public RolloutStatus(String instance, String modelName, String version, String manifestSha256, String bundleUri,
      String status, String reason, String servingVersion, long timestamp, long loadMillis) {
    this(instance, modelName, version, manifestSha256, bundleUri, status, reason, servingVersion, timestamp,
        loadMillis, null, null, null);
  }

  public boolean loaded() {
    return LOADED.equals(status);
  }

  public String toJson() {
    try {
      return MAPPER.writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write rollout status as JSON", e);
    }
  }

  /**
   * Parses a status-topic value.
   *
   * @throws IllegalArgumentException if it is not a JSON object of this shape
   */
  public static RolloutStatus fromJson(String json) {
    try {
      return MAPPER.readValue(json, RolloutStatus.class);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not a rollout status record: " + e.getOriginalMessage());
    }
  }
}
