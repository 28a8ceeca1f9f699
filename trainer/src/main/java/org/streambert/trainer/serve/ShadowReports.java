package org.streambert.trainer.serve;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.streambert.schemas.rollout.ShadowReport;
import org.streambert.schemas.signing.TrustedKeys;
import org.streambert.trainer.data.TopicSnapshot;

/**
 * The app instances' shadow reports ({@link ShadowReport}, the type the app writes, on {@code model-rollout-status})
 * for one candidate against one champion, combined over instances: each instance's latest report (they are
 * cumulative), summed by samples. Other records on the topic (rollout statuses, malformed or over-long JSON) are
 * ignored.
 *
 * <p>With instance keys ({@code trainer serve --instance-keys}) only reports signed by one of them count, and an
 * instance is its verified key id, not the {@code instance} name a report declares: a writer without an instance key
 * adds no samples and cannot replace an instance's report, and one key counts once however many names it uses.
 * Without keys (explicitly allowed by {@code --accept-unsigned-shadow-reports}) the declared name is the instance.
 *
 * @param samples       records scored by both models, all instances
 * @param instances     instances that reported
 * @param labelAgreement sample-weighted share of equal class labels; NaN when no instance has a class head
 * @param latencyRatio  candidate forward time per record over the champion's (sample-weighted); NaN without samples
 */
public record ShadowReports(long samples, int instances, double labelAgreement, double latencyRatio,
    long refused) {

  /** Reports without a refused count (none refused). */
  public ShadowReports(long samples, int instances, double labelAgreement, double latencyRatio) {
    this(samples, instances, labelAgreement, latencyRatio, 0);
  }

  /**
   * Reads the status topic from {@code sinceMillis} (the candidate's creation: no report of it can be older, so a
   * long-lived topic is not re-read from the start on every check) to its current end.
   */
  public static ShadowReports read(String bootstrapServers, String statusTopic, String modelName, String candidate,
      String champion, long sinceMillis) {
    return read(bootstrapServers, statusTopic, modelName, candidate, champion, sinceMillis, TrustedKeys.none());
  }

  /**
   * {@link #read(String, String, String, String, String, long)} counting only reports signed by {@code instanceKeys}
   * (none: every report counts, by its declared instance name).
   */
  public static ShadowReports read(String bootstrapServers, String statusTopic, String modelName, String candidate,
      String champion, long sinceMillis, TrustedKeys instanceKeys) {
    Map<String, ShadowReport> latest = new HashMap<>();
    long[] refused = new long[1];
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
      List<PartitionInfo> infos = consumer.partitionsFor(statusTopic, Duration.ofSeconds(30));
      if (infos == null || infos.isEmpty()) {
        return combine(List.of(), 0);
      }
      List<TopicPartition> partitions = infos.stream().map(i -> new TopicPartition(statusTopic, i.partition()))
          .toList();
      consumer.assign(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
      Map<TopicPartition, Long> query = new HashMap<>();
      partitions.forEach(tp -> query.put(tp, Math.max(0, sinceMillis)));
      Map<TopicPartition, OffsetAndTimestamp> start = consumer.offsetsForTimes(query, Duration.ofSeconds(30));
      for (TopicPartition tp : partitions) {
        OffsetAndTimestamp o = start.get(tp);
        consumer.seek(tp, o == null ? end.get(tp) : o.offset());
      }
      long deadline = System.nanoTime() + TopicSnapshot.STALL_TIMEOUT.toNanos();
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("could not read " + statusTopic + " to its end within "
              + TopicSnapshot.STALL_TIMEOUT);
        }
        for (ConsumerRecord<String, String> r : consumer.poll(TopicSnapshot.POLL_TIMEOUT)) {
          if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
            accept(r.value(), modelName, candidate, champion, latest, instanceKeys, refused);
          }
        }
      }
    }
    return combine(latest.values(), refused[0]);
  }

  static void accept(String value, String modelName, String candidate, String champion,
      Map<String, ShadowReport> latest, TrustedKeys instanceKeys, long[] refused) {
    ShadowReport.fromJson(value).filter(r -> modelName.equals(r.modelName())
        && candidate.equals(r.candidateVersion()) && champion.equals(r.championVersion()))
        .ifPresent(r -> {
          if (instanceKeys.isEmpty()) {
            latest.put(String.valueOf(r.instance()), r);
          } else if (instanceKeys.check(r) == null) {
            latest.put(r.signingKeyId(), r); // the verified identity, whatever name it declares
          } else {
            refused[0]++;
          }
        });
  }

  /** Agreement in [0, 1] (or absent) and finite, non-negative latencies: anything else counts as refused. */
  static boolean plausible(ShadowReport r) {
    Double agreement = r.labelAgreement();
    return (agreement == null || (agreement >= 0 && agreement <= 1))
        && Double.isFinite(r.candidateLatencyMicros()) && r.candidateLatencyMicros() >= 0
        && Double.isFinite(r.championLatencyMicros()) && r.championLatencyMicros() >= 0;
  }

  static ShadowReports combine(Iterable<ShadowReport> reports) {
    return combine(reports, 0);
  }

  static ShadowReports combine(Iterable<ShadowReport> reports, long refused) {
    long samples = 0;
    long classified = 0;
    double agree = 0;
    double candidateMicros = 0;
    double championMicros = 0;
    int instances = 0;
    for (ShadowReport r : reports) {
      if (!plausible(r)) {
        refused++; // a NaN or out-of-range figure would pass every bound it is compared with
        continue;
      }
      long s = Math.max(0, r.samples());
      instances++;
      samples += s;
      if (r.labelAgreement() != null) {
        classified += s;
        agree += r.labelAgreement() * s;
      }
      candidateMicros += r.candidateLatencyMicros() * s;
      championMicros += r.championLatencyMicros() * s;
    }
    return new ShadowReports(samples, instances, classified == 0 ? Double.NaN : agree / classified,
        championMicros <= 0 ? Double.NaN : candidateMicros / championMicros, refused);
  }
}
