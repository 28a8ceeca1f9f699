package org.streambert.trainer.cli;

import picocli.CommandLine.Option;

/**
 * {@code --text-topic} and {@code --input-format}: a topic of unlabelled texts (the streams-app's input) as extra
 * input, for {@code pretrain} (documents) and {@code distill} (texts). Read by {@link TextTopicSource}.
 */
public final class TextTopicOptions {

  static final String FORMAT_ERROR = "--input-format must be avro or text";
  static final String AVRO_NEEDS_REGISTRY = "--text-topic with --input-format avro needs --schema-registry-url "
      + "(or --input-format text for plain UTF-8 values)";

  @Option(names = "--text-topic", paramLabel = "TOPIC", description = "Also use the texts of this topic (e.g. the "
      + "streams-app's input), read from the beginning to its current end offsets, without a consumer group (needs "
      + "--bootstrap-servers). Keys and headers are ignored; records without text are skipped and counted.")
  String topic;

  @Option(names = "--input-format", defaultValue = "avro", paramLabel = "avro|text",
      description = "Values of --text-topic: avro (TextRecord, needs --schema-registry-url) or text (UTF-8). "
          + "Default: ${DEFAULT-VALUE}.")
  String format = "avro";

  /** Whether {@code --text-topic} was given. */
  boolean given() {
    return topic != null;
  }

  /**
   * Refuses {@code --text-topic} without the servers (and, for Avro, the registry) it needs, or an unknown format,
   * before anything is read or loaded.
   */
  void validate(KafkaOptions kafka) {
    if (topic == null) {
      return;
    }
    if (kafka.bootstrapServers == null) {
      throw new IllegalArgumentException("--text-topic " + topic + " needs --bootstrap-servers (the Kafka cluster "
          + "to read it from)");
    }
    if (!format.equals("avro") && !format.equals("text")) {
      throw new IllegalArgumentException(FORMAT_ERROR + ", got '" + format + "'");
    }
    if (format.equals("avro") && kafka.schemaRegistryUrl == null) {
      throw new IllegalArgumentException(AVRO_NEEDS_REGISTRY);
    }
  }

  /** The topic's records as pre-training documents. */
  TextTopicSource.Corpus documents(KafkaOptions kafka) {
    validate(kafka);
    return TextTopicSource.read(kafka.clients(), topic, format);
  }

  /** The topic's records as texts, at most {@code maxTexts} of them. */
  TextTopicSource.Texts texts(KafkaOptions kafka, int maxTexts) {
    validate(kafka);
    return TextTopicSource.readTexts(kafka.clients(), topic, format, maxTexts);
  }
}
