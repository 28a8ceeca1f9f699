package org.streambert.streams.ops;

import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streambert.schemas.rollout.RolloutStatus;
import org.streambert.schemas.rollout.ShadowReport;
import org.streambert.streams.rollout.RolloutStatusPublisher;

/** Writes rollout statuses as JSON to the status topic, keyed by model name. Owns its producer. */
public final class KafkaStatusPublisher implements RolloutStatusPublisher, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaStatusPublisher.class);

  private final String topic;
  private final KafkaProducer<String, String> producer;

  /** @param clientProps Kafka Streams' properties; only producer keys are used */
  public KafkaStatusPublisher(String topic, Properties clientProps) {
    this.topic = topic;
    Properties p = new Properties();
    clientProps.forEach((k, v) -> {
      if (ProducerConfig.configNames().contains(String.valueOf(k))) {
        p.put(k, v);
      }
    });
    p.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.CLIENT_ID_CONFIG, "nlp-rollout-status");
    producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
  }

  @Override
  public void publish(RolloutStatus status) {
    producer.send(new ProducerRecord<>(topic, status.modelName(), status.toJson()), (meta, e) -> {
      if (e != null) {
        LOG.warn("could not write rollout status to {}: {}", topic, e.toString());
      }
    });
  }

  /** Writes a shadow report to the same topic, keyed by model name. */
  public void publish(ShadowReport report) {
    producer.send(new ProducerRecord<>(topic, report.modelName(), report.toJson()), (meta, e) -> {
      if (e != null) {
        LOG.warn("could not write shadow report to {}: {}", topic, e.toString());
      }
    });
  }

  @Override
  public void close() {
    producer.close();
  }
}
