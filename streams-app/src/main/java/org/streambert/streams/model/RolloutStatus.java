package org.streambert.streams.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * One record of topic {@code model-rollout-status}: what an instance did with one checkpoint. Written as UTF-8 JSON,
 * key = model name (string), for example
 *
 * <pre>{@code
 * {"instance":"host-4711","modelName":"bert-nlp","version":"3","manifestSha256":"9f2c...","bundleUri":"file:///m/3",
 *  "status":"REFUSED","reason":"golden example 0: expected label pos, got neg","servingVersion":"2",
 *  "timestamp":1767225600000,"loadMillis":412}
 * }</pre>
 *
 * @param status         {@code LOADED} (the version now serves) or {@code REFUSED} (it does not; the previous model,
 *                       {@code servingVersion}, keeps serving)
 * @param reason         why it was refused; null when loaded
 * @param servingVersion version serving on this instance after the attempt; null if none
 * @param timestamp      epoch milliseconds when the attempt ended
 * @param loadMillis     how long fetching, verifying, loading, warming up and the golden check took
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record RolloutStatus(String instance, String modelName, String version, String manifestSha256,
    String bundleUri, String status, String reason, String servingVersion, long timestamp, long loadMillis) {

  public static final String LOADED = "LOADED";
  public static final String REFUSED = "REFUSED";

  private static final ObjectMapper MAPPER = new ObjectMapper();

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

  public static RolloutStatus fromJson(String json) {
    try {
      return MAPPER.readValue(json, RolloutStatus.class);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not a rollout status record: " + e.getOriginalMessage());
    }
  }
}
