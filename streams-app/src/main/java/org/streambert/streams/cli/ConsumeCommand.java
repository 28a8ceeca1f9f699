package org.streambert.streams.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.streambert.schemas.AvroSerdeConfig;
import org.streambert.schemas.GenericAvroDeserializer;
import org.streambert.schemas.Topics;
import org.streambert.streams.cli.internals.RecordView;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code streams-app consume}: the project's {@code kafka-avro-console-consumer}. Prints the records of any of the
 * project's topics, one per line: Avro values (Confluent wire format, schema from the registry) as Avro JSON, other
 * values as JSON or text; or, with {@code --format readable}, enriched texts as version, label, score and the text
 * with its entities marked. Reads with {@code isolation.level=read_committed} by default, so records of aborted
 * transactions never show. Without {@code --group} it assigns itself every partition and commits nothing.
 */
@Command(name = "consume", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Print a topic's records as JSON lines or readably, like kafka-avro-console-consumer.")
public final class ConsumeCommand implements Callable<Integer> {

  @Option(names = {"--bootstrap-server", "--bootstrap-servers"}, required = true, paramLabel = "HOST:PORT",
      description = "Kafka bootstrap servers.")
  String bootstrapServers;

  @Option(names = "--topic", defaultValue = Topics.TEXT_ENRICHED, description = "Topic. Default: ${DEFAULT-VALUE}.")
  String topic;

  @Option(names = "--from-beginning", description = "Start at the earliest offset (else at the end).")
  boolean fromBeginning;

  @Option(names = "--max-messages", defaultValue = "-1", description = "Stop after this many records (-1: no "
      + "limit).")
  long maxMessages;

  @Option(names = "--timeout-ms", defaultValue = "-1", description = "Stop when no record arrived for this long "
      + "(-1: wait until Ctrl-C).")
  long timeoutMs;

  @Option(names = "--format", defaultValue = "json", paramLabel = "json|readable",
      description = "json: one JSON value per line; readable: enriched texts with label, score and entities marked. "
          + "Default: ${DEFAULT-VALUE}.")
  String format;

  @Option(names = "--isolation-level", defaultValue = "read_committed", paramLabel = "LEVEL",
      description = "read_committed or read_uncommitted. Default: ${DEFAULT-VALUE}.")
  String isolationLevel;

  @Option(names = "--group", paramLabel = "GROUP", description = "Consume in this consumer group (and commit its "
      + "offsets) instead of reading every partition without a group.")
  String group;

  @Option(names = "--property", paramLabel = "KEY=VALUE", description = "Tool and deserializer properties, as "
      + "Confluent's tool takes them: schema.registry.url, print.key, key.separator, print.headers, print.offset.")
  Map<String, String> properties = new LinkedHashMap<>();

  @Option(names = "--schema-registry-url", paramLabel = "URL", description = "Same as --property "
      + "schema.registry.url=URL.")
  String schemaRegistryUrl;

  @Option(names = "--consumer-property", paramLabel = "KEY=VALUE", description = "Kafka consumer settings.")
  Map<String, String> consumerProperties = new LinkedHashMap<>();

  @Option(names = "--consumer.config", paramLabel = "FILE", description = "Kafka consumer settings file.")
  Path consumerConfig;

  PrintStream out = System.out;
  PrintStream err = System.err;

  /** Prints to {@code System.out}, reports to {@code System.err}. */
  public ConsumeCommand() {
  }

  /** Prints records to {@code out} and reports to {@code err} (embedding, tests). */
  public ConsumeCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  @Override
  public Integer call() throws IOException {
    if (!format.equals("json") && !format.equals("readable")) {
      err.println("--format must be json or readable, not " + format);
      return 2;
    }
    Map<String, Object> serdeProps = new HashMap<>(properties);
    if (schemaRegistryUrl != null) {
      serdeProps.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, schemaRegistryUrl);
    }
    if (serdeProps.get(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG) == null) {
      err.println("a schema registry is required: --property schema.registry.url=URL");
      return 2;
    }
    serdeProps.put(AvroSerdeConfig.SPECIFIC_AVRO_READER_CONFIG, true);
    GenericAvroDeserializer avro = new GenericAvroDeserializer();
    avro.configure(serdeProps, false);
    RecordView view = new RecordView(avro);
    boolean printKey = Boolean.parseBoolean(properties.getOrDefault("print.key", "false"));
    boolean printHeaders = Boolean.parseBoolean(properties.getOrDefault("print.headers", "false"));
    boolean printOffset = Boolean.parseBoolean(properties.getOrDefault("print.offset", "false"));
    String separator = properties.getOrDefault("key.separator", "\t");

    Properties props = clientProperties(consumerConfig, consumerProperties);
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolationLevel);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, fromBeginning ? "earliest" : "latest");
    if (group != null) {
      props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    } else {
      props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    }
    long printed = 0;
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      Thread main = Thread.currentThread();
      Thread hook = new Thread(consumer::wakeup, "consume-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      try {
        if (group != null) {
          consumer.subscribe(List.of(topic));
        } else {
          List<TopicPartition> partitions = new ArrayList<>();
          consumer.partitionsFor(topic, Duration.ofSeconds(30)).forEach(p -> partitions.add(
              new TopicPartition(topic, p.partition())));
          if (partitions.isEmpty()) {
            err.println("topic " + topic + " does not exist");
            return 1;
          }
          consumer.assign(partitions);
          if (fromBeginning) {
            consumer.seekToBeginning(partitions);
          } else {
            consumer.seekToEnd(partitions);
          }
        }
        long lastRecord = System.nanoTime();
        while (maxMessages < 0 || printed < maxMessages) {
          var records = consumer.poll(Duration.ofMillis(200));
          if (records.isEmpty()) {
            if (timeoutMs >= 0 && System.nanoTime() - lastRecord > timeoutMs * 1_000_000L) {
              break;
            }
            continue;
          }
          lastRecord = System.nanoTime();
          for (ConsumerRecord<byte[], byte[]> r : records) {
            if (maxMessages >= 0 && printed >= maxMessages) {
              break;
            }
            StringBuilder line = new StringBuilder();
            if (printOffset) {
              line.append(r.partition()).append(':').append(r.offset()).append(separator);
            }
            if (printHeaders) {
              List<String> hs = new ArrayList<>();
              for (Header h : r.headers()) {
                if (!h.key().startsWith("__streams.errors.stacktrace")) {
                  hs.add(RecordView.clean(h.key() + ":" + (h.value() == null ? "" : new String(h.value(),
                      StandardCharsets.UTF_8))));
                }
              }
              line.append(hs.isEmpty() ? "NO_HEADERS" : String.join(",", hs)).append(separator);
            }
            if (printKey) {
              line.append(r.key() == null ? "null" : RecordView.clean(new String(r.key(), StandardCharsets.UTF_8)))
                  .append(separator);
            }
            Object decoded = view.decode(r.topic(), r.value());
            line.append(format.equals("json") ? view.json(decoded) : view.readable(decoded, r.headers()));
            out.println(format.equals("json") ? line : RecordView.clean(line.toString()));
            printed++;
          }
        }
      } catch (WakeupException stopped) {
        // Ctrl-C / SIGTERM
      } finally {
        if (Thread.currentThread() == main) {
          try {
            Runtime.getRuntime().removeShutdownHook(hook);
          } catch (IllegalStateException shuttingDown) {
            // the JVM is exiting anyway
          }
        }
      }
    }
    out.flush();
    err.println("Processed a total of " + printed + " messages");
    return 0;
  }

  /** Client settings from an optional properties file, then the given key=value pairs. */
  static Properties clientProperties(Path file, Map<String, String> pairs) throws IOException {
    Properties p = new Properties();
    if (file != null) {
      try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        p.load(in);
      }
    }
    p.putAll(pairs);
    return p;
  }
}
