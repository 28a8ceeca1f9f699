package org.streambert.trainer.serve;

import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.streambert.schemas.SpecificAvroSerde;
import org.streambert.schemas.avro.TrainingRun;

/** Writes {@link TrainingRun} reports (Avro, schema registered by the serde) keyed by model name. Owns its producer. */
public final class TrainingRunTopic implements AutoCloseable {

  private final String topic;
  private final KafkaProducer<String, TrainingRun> producer;

  public TrainingRunTopic(String bootstrapServers, String registryUrl, String topic) {
    this(org.streambert.trainer.data.KafkaClients.of(bootstrapServers, registryUrl), topic);
  }

  /** The topic reached with the clients' settings (a secured cluster and registry). */
  public TrainingRunTopic(org.streambert.trainer.data.KafkaClients clients, String topic) {
    this.topic = topic;
    Properties p = clients.kafkaProperties();
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    SpecificAvroSerde<TrainingRun> serde = new SpecificAvroSerde<>(TrainingRun.class);
    serde.configure(clients.serdeConfigs(), false);
    producer = new KafkaProducer<>(p, new StringSerializer(), serde.serializer());
  }

  /** Produces the report and waits for the acknowledgement. */
  public void publish(TrainingRun run) {
    try {
      producer.send(new ProducerRecord<>(topic, run.getModelName(), run)).get(60, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot write the training run to " + topic + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  @Override
  public void close() {
    producer.close();
  }
}
