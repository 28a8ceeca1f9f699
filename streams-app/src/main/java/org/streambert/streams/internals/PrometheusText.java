package org.streambert.streams.internals;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/**
 * Renders Kafka metrics in the Prometheus text exposition format (0.0.4): every metric of group
 * {@value NlpMetrics#GROUP}, and the key Kafka Streams metrics (client state and alive threads, per-thread process /
 * poll / commit rates and latencies, per-task dropped records). Names are {@code <group>_<name>} with
 * non-alphanumerics replaced by {@code _}; tags become labels. Non-numeric and NaN values are skipped.
 */
public final class PrometheusText {

  private static final Set<String> STREAMS_GROUPS = Set.of("stream-metrics", "stream-thread-metrics",
      "stream-task-metrics");
  private static final Set<String> STREAMS_NAMES = Set.of("alive-stream-threads", "failed-stream-threads",
      "process-rate", "process-total", "process-latency-avg", "process-latency-max", "poll-rate", "poll-latency-avg",
      "commit-rate", "commit-latency-avg", "commit-latency-max", "punctuate-rate", "punctuate-latency-avg",
      "dropped-records-total", "dropped-records-rate");

  private PrometheusText() {
  }

  public static String render(Map<MetricName, ? extends Metric> metrics) {
    Map<String, StringBuilder> byName = new TreeMap<>();
    Map<String, String> help = new TreeMap<>();
    for (Map.Entry<MetricName, ? extends Metric> e : metrics.entrySet()) {
      MetricName name = e.getKey();
      boolean ours = name.group().equals(NlpMetrics.GROUP);
      if (!ours && !(STREAMS_GROUPS.contains(name.group()) && STREAMS_NAMES.contains(name.name()))) {
        continue;
      }
      Object value = e.getValue().metricValue();
      if (!(value instanceof Number n) || Double.isNaN(n.doubleValue())) {
        continue;
      }
      String prom = sanitize(name.group() + "_" + name.name());
      help.putIfAbsent(prom, name.description());
      StringBuilder line = byName.computeIfAbsent(prom, k -> new StringBuilder());
      line.append(prom);
      if (!name.tags().isEmpty()) {
        line.append('{');
        boolean first = true;
        for (Map.Entry<String, String> tag : new TreeMap<>(name.tags()).entrySet()) {
          if (!first) {
            line.append(',');
          }
          first = false;
          line.append(sanitize(tag.getKey())).append("=\"").append(escape(tag.getValue())).append('"');
        }
        line.append('}');
      }
      line.append(' ').append(format(n.doubleValue())).append('\n');
    }
    StringBuilder out = new StringBuilder();
    byName.forEach((name, lines) -> {
      out.append("# HELP ").append(name).append(' ').append(escapeHelp(help.get(name))).append('\n');
      out.append("# TYPE ").append(name).append(" gauge\n");
      out.append(lines);
    });
    return out.toString();
  }

  private static String format(double v) {
    if (Double.isInfinite(v)) {
      return v > 0 ? "+Inf" : "-Inf";
    }
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
  }

  private static String sanitize(String s) {
    return s.replaceAll("[^A-Za-z0-9_]", "_");
  }

  private static String escape(String s) {
    return s == null ? "" : s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }

  private static String escapeHelp(String s) {
    return s == null ? "" : s.replace("\\", "\\\\").replace("\n", "\\n");
  }
}
