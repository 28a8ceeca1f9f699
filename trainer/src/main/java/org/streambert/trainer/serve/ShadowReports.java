package org.streambert.trainer.serve;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.streambert.trainer.data.TopicSnapshot;
import org.streambert.trainer.internals.Json;

/**
 * The app instances' shadow reports (JSON records with {@code "status":"SHADOW_REPORT"} on
 * {@code model-rollout-status}) for one candidate against one champion, combined over instances: each instance's
 * latest report (they are cumulative), summed by samples. Other records on the topic (rollout statuses, malformed
 * JSON) are ignored.
 *
 * @param samples       records scored by both models, all instances
 * @param instances     instances that reported
 * @param labelAgreement sample-weighted share of equal class labels; NaN when no instance has a class head
 * @param latencyRatio  candidate forward time per record over the champion's (sample-weighted); NaN without samples
 */
public record ShadowReports(long samples, int instances, double labelAgreement, double latencyRatio) {

  /** The status value of a shadow report. */
  public static final String STATUS = "SHADOW_REPORT";

  /** Reads the status topic to its current end. */
  public static ShadowReports read(String bootstrapServers, String statusTopic, String modelName, String candidate,
      String champion) {
    Map<String, JsonNode> latest = new HashMap<>();
    TopicSnapshot.read(bootstrapServers, statusTopic, new StringDeserializer(), new StringDeserializer(), r -> {
      if (r.value() == null || r.value().length() > 64 * 1024) {
        return;
      }
      try {
        JsonNode n = Json.mapper().readTree(r.value());
        if (STATUS.equals(n.path("status").asText()) && modelName.equals(n.path("modelName").asText())
            && candidate.equals(n.path("candidateVersion").asText())
            && champion.equals(n.path("championVersion").asText())) {
          latest.put(n.path("instance").asText(), n);
        }
      } catch (java.io.IOException | RuntimeException e) {
        // not a report of ours
      }
    });
    return combine(latest.values());
  }

  static ShadowReports combine(Iterable<JsonNode> reports) {
    long samples = 0;
    long classified = 0;
    double agree = 0;
    double candidateMicros = 0;
    double championMicros = 0;
    int instances = 0;
    for (JsonNode n : reports) {
      long s = Math.max(0, n.path("samples").asLong());
      instances++;
      samples += s;
      if (n.hasNonNull("labelAgreement")) {
        classified += s;
        agree += n.path("labelAgreement").asDouble() * s;
      }
      candidateMicros += n.path("candidateLatencyMicros").asDouble() * s;
      championMicros += n.path("championLatencyMicros").asDouble() * s;
    }
    return new ShadowReports(samples, instances, classified == 0 ? Double.NaN : agree / classified,
        championMicros <= 0 ? Double.NaN : candidateMicros / championMicros);
  }
}
