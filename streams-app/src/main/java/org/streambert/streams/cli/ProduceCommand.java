package org.streambert.streams.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.streambert.schemas.AvroSerdeConfig;
import org.streambert.schemas.Topics;
import org.streambert.schemas.avro.TextRecord;
import org.streambert.streams.NlpSerdes;
import org.streambert.streams.cli.internals.LineReader;
import org.streambert.streams.processor.internals.InputDeserializer;
import org.streambert.streams.processor.internals.InputValue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code streams-app produce}: the project's {@code kafka-avro-console-producer}. Reads JSON lines (a TextRecord as
 * JSON: {@code {"id": ..., "text": ..., "eventTime": ..., "metadata": {...}}}, at least {@code text}) or plain text
 * lines from stdin or a file and sends each as a {@code TextRecord} in the Confluent wire format, its schema
 * registered in the registry, keyed by a field of the record (default its id).
 */
@Command(name = "produce", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Send JSON or text lines as TextRecord Avro (Confluent wire format) to a topic, like "
        + "kafka-avro-console-producer.")
public final class ProduceCommand implements Callable<Integer> {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  @Option(names = {"--bootstrap-server", "--bootstrap-servers"}, required = true, paramLabel = "HOST:PORT",
      description = "Kafka bootstrap servers.")
  String bootstrapServers;

  @Option(names = "--topic", defaultValue = Topics.TEXT_INPUT, description = "Topic. Default: ${DEFAULT-VALUE}.")
  String topic;

  @Option(names = "--property", paramLabel = "KEY=VALUE", description = "Tool and serializer properties, as "
      + "Confluent's tool takes them: schema.registry.url (required unless --schema-registry-url), parse.key=true "
      + "with key.separator (text lines 'key<TAB>text'), and any schema registry client setting.")
  Map<String, String> properties = new LinkedHashMap<>();

  @Option(names = "--schema-registry-url", paramLabel = "URL", description = "Same as --property "
      + "schema.registry.url=URL.")
  String schemaRegistryUrl;

  @Option(names = "--input-format", defaultValue = "json", paramLabel = "json|text",
      description = "json: one TextRecord JSON object per line; text: one text per line. Default: ${DEFAULT-VALUE}.")
  String inputFormat;

  @Option(names = "--key-field", defaultValue = "id", paramLabel = "FIELD", description = "JSON lines: the field "
      + "whose value becomes the record key (missing: no key). Default: ${DEFAULT-VALUE}.")
  String keyField;

  @Option(names = "--file", paramLabel = "FILE", description = "Read this file instead of stdin.")
  Path file;

  @Option(names = "--max-line-chars", defaultValue = "1000000", description = "Longest accepted line; a longer "
      + "one stops the tool with an error. Default: ${DEFAULT-VALUE}.")
  int maxLineChars;

  @Option(names = "--producer-property", paramLabel = "KEY=VALUE", description = "Kafka producer settings.")
  Map<String, String> producerProperties = new LinkedHashMap<>();

  @Option(names = "--producer.config", paramLabel = "FILE", description = "Kafka producer settings file.")
  Path producerConfig;

  PrintStream err = System.err;
  Reader stdin = new InputStreamReader(System.in, StandardCharsets.UTF_8);

  /** Reads {@code System.in}, reports to {@code System.err}. */
  public ProduceCommand() {
  }

  /** Reads {@code stdin} (unless {@code --file} is given) and reports to {@code err} (embedding, tests). */
  public ProduceCommand(Reader stdin, PrintStream err) {
    this.stdin = stdin;
    this.err = err;
  }

  @Override
  public Integer call() throws IOException, InterruptedException {
    if (!inputFormat.equals("json") && !inputFormat.equals("text")) {
      err.println("--input-format must be json or text, not " + inputFormat);
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
    boolean parseKey = Boolean.parseBoolean(properties.getOrDefault("parse.key", "false"));
    String separator = properties.getOrDefault("key.separator", "\t");
    Properties producerProps = ConsumeCommand.clientProperties(producerConfig, producerProperties);
    producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    producerProps.putIfAbsent(ProducerConfig.ACKS_CONFIG, "all");
    NlpSerdes serdes = NlpSerdes.fromConfig(serdeProps);
    InputDeserializer json = new InputDeserializer("json", null);
    AtomicLong sent = new AtomicLong();
    AtomicReference<Exception> failure = new AtomicReference<>();
    long lines = 0;
    try (Reader in = file != null ? Files.newBufferedReader(file, StandardCharsets.UTF_8) : stdin;
        KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerProps, new StringSerializer(),
            new ByteArraySerializer())) {
      LineReader reader = new LineReader(in instanceof BufferedReader ? in : new BufferedReader(in),
          maxLineChars);
      String line;
      while ((line = reader.next()) != null && failure.get() == null) {
        if (line.isBlank()) {
          continue;
        }
        lines++;
        String key;
        TextRecord record;
        try {
          if (inputFormat.equals("json")) {
            InputValue v = json.deserialize(topic, line.getBytes(StandardCharsets.UTF_8));
            key = keyOf(line);
            String id = v.id() != null ? v.id() : UUID.randomUUID().toString();
            if (key == null && keyField.equals("id")) {
              key = id;
            }
            record = new TextRecord(id, v.text(), null, v.metadata(),
                Instant.ofEpochMilli(v.eventTime() != null ? v.eventTime() : System.currentTimeMillis()));
          } else {
            String text = line;
            key = null;
            if (parseKey) {
              int at = line.indexOf(separator);
              if (at < 0) {
                throw new SerializationException("no key separator in the line");
              }
              key = line.substring(0, at);
              text = line.substring(at + separator.length());
            }
            String id = key != null ? key : UUID.randomUUID().toString();
            record = new TextRecord(id, text, null, null, Instant.now());
            key = id;
          }
        } catch (SerializationException e) {
          err.println("line " + reader.lineNumber() + ": " + e.getMessage() + "; stopping");
          producer.flush();
          err.println(sent.get() + " record(s) sent to " + topic);
          return 1;
        }
        byte[] value = serdes.textRecord().serializer().serialize(topic, record);
        producer.send(new ProducerRecord<>(topic, key, value), (meta, e) -> {
          if (e != null) {
            failure.compareAndSet(null, e);
          } else {
            sent.incrementAndGet();
          }
        });
      }
      producer.flush();
    } catch (LineReader.LineTooLongException e) {
      err.println(e.getMessage() + " (--max-line-chars); stopping after " + sent.get() + " record(s)");
      return 1;
    }
    if (failure.get() != null) {
      err.println("sending failed: " + failure.get() + "; " + sent.get() + " of " + lines + " record(s) sent");
      return 1;
    }
    err.println(sent.get() + " record(s) sent to " + topic);
    return 0;
  }

  /** The key field's value of a JSON line (string or number), or null. */
  private String keyOf(String line) {
    try {
      JsonNode node = MAPPER.readTree(line).get(keyField);
      return node != null && (node.isTextual() || node.isNumber()) ? node.asText() : null;
    } catch (IOException e) {
      throw new SerializationException("value is not valid JSON: " + e.getMessage());
    }
  }
}
