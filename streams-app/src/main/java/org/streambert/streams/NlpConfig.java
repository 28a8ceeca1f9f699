package org.streambert.streams;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Configuration of the streams application: every key with its documentation and default, parsed once at start-up
 * and rejected with a message naming the key when invalid (Kafka's {@link ConfigDef}).
 *
 * <p>Keys of this program start with {@code nlp.}; any other key (for example {@code bootstrap.servers} or
 * {@code processing.guarantee}) is passed to Kafka Streams and its clients unchanged. Environment variables override
 * the configuration file: {@code NLP_BATCH_MAX_SIZE} sets {@code nlp.batch.max.size}, {@code KAFKA_BOOTSTRAP_SERVERS}
 * sets {@code bootstrap.servers}, {@code SCHEMA_REGISTRY_URL} sets {@code schema.registry.url}.
 */
public final class NlpConfig extends AbstractConfig {

  public static final String INPUT_TOPIC_CONFIG = "nlp.input.topic";
  public static final String INPUT_TOPIC_DOC = "Topic of input texts.";
  public static final String INPUT_TOPIC_DEFAULT = "text-input";

  public static final String OUTPUT_TOPIC_CONFIG = "nlp.output.topic";
  public static final String OUTPUT_TOPIC_DOC = "Topic of enriched texts (EnrichedText), keyed like the input.";
  public static final String OUTPUT_TOPIC_DEFAULT = "text-enriched";

  public static final String DLQ_TOPIC_CONFIG = "nlp.dlq.topic";
  public static final String DLQ_TOPIC_DOC =
      "Dead-letter topic: undecodable records and records that failed processing, with their raw bytes and headers "
          + "saying why. Set as Kafka Streams' errors.dead.letter.queue.topic.name.";
  public static final String DLQ_TOPIC_DEFAULT = "text-dlq";

  public static final String CHECKPOINTS_TOPIC_CONFIG = "nlp.checkpoints.topic";
  public static final String CHECKPOINTS_TOPIC_DOC =
      "Compacted topic of ModelCheckpoint events keyed by model name, read as a global store by every instance.";
  public static final String CHECKPOINTS_TOPIC_DEFAULT = "model-checkpoints";

  public static final String ROLLOUT_STATUS_TOPIC_CONFIG = "nlp.rollout.status.topic";
  public static final String ROLLOUT_STATUS_TOPIC_DOC = "Topic where each instance reports loaded and refused models.";
  public static final String ROLLOUT_STATUS_TOPIC_DEFAULT = "model-rollout-status";

  public static final String INPUT_FORMAT_CONFIG = "nlp.input.format";
  public static final String INPUT_FORMAT_DOC = "How input values are encoded: avro (TextRecord in the Confluent wire "
      + "format), json (a TextRecord as a JSON object, at least {\"text\": ...}) or text (the value is the UTF-8 text; "
      + "the key, if any, is the id).";
  public static final String INPUT_FORMAT_DEFAULT = "avro";

  public static final String MODEL_NAME_CONFIG = "nlp.model.name";
  public static final String MODEL_NAME_DOC = "Name of the model whose checkpoints this application follows.";
  public static final String MODEL_NAME_DEFAULT = "bert-nlp";

  public static final String BATCH_MAX_SIZE_CONFIG = "nlp.batch.max.size";
  public static final String BATCH_MAX_SIZE_DOC = "A micro-batch runs as soon as it holds this many records.";
  public static final int BATCH_MAX_SIZE_DEFAULT = 32;

  public static final String BATCH_MAX_DELAY_MS_CONFIG = "nlp.batch.max.delay.ms";
  public static final String BATCH_MAX_DELAY_MS_DOC =
      "A micro-batch smaller than nlp.batch.max.size runs once its oldest record has waited this long (wall-clock; "
          + "checked every this long, so the wait stays below twice this).";
  public static final long BATCH_MAX_DELAY_MS_DEFAULT = 20L;

  public static final String TEXT_MAX_CHARS_CONFIG = "nlp.text.max.chars";
  public static final String TEXT_MAX_CHARS_DOC =
      "Hard limit on the length of one text, in code points; longer texts go to the dead-letter topic.";
  public static final int TEXT_MAX_CHARS_DEFAULT = 100_000;

  public static final String MODEL_CACHE_DIR_CONFIG = "nlp.model.cache.dir";
  public static final String MODEL_CACHE_DIR_DOC = "Local directory where downloaded model bundles are kept.";
  public static final String MODEL_CACHE_DIR_DEFAULT = System.getProperty("java.io.tmpdir") + "/streaming-bert/models";

  public static final String HTTP_PORT_CONFIG = "nlp.http.port";
  public static final String HTTP_PORT_DOC = "Port of the /health, /ready and /metrics endpoint; 0 picks a free port, "
      + "-1 disables it.";
  public static final int HTTP_PORT_DEFAULT = 8080;

  public static final String MODEL_LOADER_CLASS_CONFIG = "nlp.model.loader.class";
  public static final String MODEL_LOADER_CLASS_DOC = "Class implementing org.streambert.streams.model.ModelLoader "
      + "(public no-argument constructor) that turns a verified bundle into a tokenizer and a forward pass. Empty: "
      + "org.streambert.streams.model.TensorFlowModelLoader (the bundle's vocabulary and TensorFlow SavedModel).";
  public static final String MODEL_LOADER_CLASS_DEFAULT = "";

  public static final String GOLDEN_SCORE_TOLERANCE_CONFIG = "nlp.golden.score.tolerance";
  public static final String GOLDEN_SCORE_TOLERANCE_DOC = "Largest absolute difference between a golden example's "
      + "expected label score and the new model's score for which the model is still accepted.";
  public static final double GOLDEN_SCORE_TOLERANCE_DEFAULT = 1e-3;

  public static final String BATCH_DRAIN_MAX_MS_CONFIG = "nlp.batch.drain.max.ms";
  public static final String BATCH_DRAIN_MAX_MS_DOC = "How long one wall-clock punctuation may keep running batches "
      + "of a backlog (e.g. records that waited for the first model) before it yields to polling; keep it well below "
      + "max.poll.interval.ms.";
  public static final long BATCH_DRAIN_MAX_MS_DEFAULT = 5_000L;

  public static final String SHUTDOWN_TIMEOUT_MS_CONFIG = "nlp.shutdown.timeout.ms";
  public static final String SHUTDOWN_TIMEOUT_MS_DOC = "How long KafkaStreams.close may take on SIGTERM; records of "
      + "an unfinished batch stay in the changelogged pending store for the next start.";
  public static final long SHUTDOWN_TIMEOUT_MS_DEFAULT = 30_000L;

  public static final String INSTANCE_ID_CONFIG = "nlp.instance.id";
  public static final String INSTANCE_ID_DOC = "Name of this instance in model-rollout-status records; empty: "
      + "host name and process id.";
  public static final String INSTANCE_ID_DEFAULT = "";

  public static final String EMBEDDINGS_TOPIC_CONFIG = "nlp.embeddings.topic";
  public static final String EMBEDDINGS_TOPIC_DOC = "Topic of text embeddings, e.g. text-embeddings; empty: off. When "
      + "set, every enriched record carries its embedding (EnrichedText.embedding) and the same record without "
      + "classification and entities (id, text, modelName, modelVersion, eventTime, embedding) goes to this topic, "
      + "keyed like the output, in the same exactly-once transaction.";
  public static final String EMBEDDINGS_TOPIC_DEFAULT = "";

  public static final String EMBEDDINGS_POOLING_CONFIG = "nlp.embeddings.pooling";
  public static final String EMBEDDINGS_POOLING_DOC = "How a text becomes one vector: pooled (BERT's pooled output, "
      + "tanh dense on [CLS]; for a windowed text the token-weighted mean over its windows). Mean pooling over the "
      + "sequence output needs a forward pass that returns it, which the served SavedModel signature does not; it is "
      + "available offline through org.streambert.bert.embeddings.TextEmbedder.";
  public static final String EMBEDDINGS_POOLING_DEFAULT = "pooled";

  public static final String QA_MODEL_DIR_CONFIG = "nlp.qa.model.dir";
  public static final String QA_MODEL_DIR_DOC = "Question-answering mode: a checkpoint directory written by trainer "
      + "fine-tune-squad (bert_config.json, vocab.txt, bert_model.ckpt.* with cls/squad/*, optional qa.json), loaded "
      + "once at start. A record whose TextRecord.metadata holds a question (nlp.qa.question.key) then gets "
      + "EnrichedText.answer: the best span of its text, with code-point offsets and its probability among the n-best "
      + "answers. Empty: off.";
  public static final String QA_MODEL_DIR_DEFAULT = "";

  public static final String QA_QUESTION_KEY_CONFIG = "nlp.qa.question.key";
  public static final String QA_QUESTION_KEY_DOC = "Metadata entry of an input TextRecord that holds the question "
      + "about its text (the context).";
  public static final String QA_QUESTION_KEY_DEFAULT = "question";

  public static final String LABELING_TOPIC_CONFIG = "nlp.labeling.topic";
  public static final String LABELING_TOPIC_DOC = "Topic where records the model is unsure about are asked to be "
      + "labelled, e.g. needs-labeling: TrainingExample values whose label/entities are the model's suggestion, id "
      + "and key = SHA-256 of the text (answer on training-examples under the same id). Empty: off.";
  public static final String LABELING_TOPIC_DEFAULT = "";

  public static final String LABELING_MARGIN_THRESHOLD_CONFIG = "nlp.labeling.margin.threshold";
  public static final String LABELING_MARGIN_THRESHOLD_DOC = "Ask for a label when the best class score minus the "
      + "second best is below this (0: never on this ground).";
  public static final double LABELING_MARGIN_THRESHOLD_DEFAULT = 0.2;

  public static final String LABELING_SCORE_THRESHOLD_CONFIG = "nlp.labeling.score.threshold";
  public static final String LABELING_SCORE_THRESHOLD_DOC = "Ask for a label when the best class score is below this "
      + "(0: never on this ground).";
  public static final double LABELING_SCORE_THRESHOLD_DEFAULT = 0.6;

  public static final String LABELING_ENTITY_SCORE_THRESHOLD_CONFIG = "nlp.labeling.entity.score.threshold";
  public static final String LABELING_ENTITY_SCORE_THRESHOLD_DOC = "Ask for a label when an entity's score is below "
      + "this (0: never on this ground).";
  public static final double LABELING_ENTITY_SCORE_THRESHOLD_DEFAULT = 0.5;

  public static final String LABELING_SAMPLE_RATE_CONFIG = "nlp.labeling.sample.rate";
  public static final String LABELING_SAMPLE_RATE_DOC = "Share of the uncertain records that are asked (chosen by a "
      + "hash of model version and text, so repeatable).";
  public static final double LABELING_SAMPLE_RATE_DEFAULT = 1.0;

  public static final String LABELING_DEDUP_MAX_TEXTS_CONFIG = "nlp.labeling.dedup.max.texts";
  public static final String LABELING_DEDUP_MAX_TEXTS_DOC = "Texts remembered per stream task and model version so "
      + "that each is asked once (least recently seen forgotten first; bounds the memory to ~100 bytes a text).";
  public static final int LABELING_DEDUP_MAX_TEXTS_DEFAULT = 100_000;

  public static final String SHADOW_SAMPLE_RATE_CONFIG = "nlp.shadow.sample.rate";
  public static final String SHADOW_SAMPLE_RATE_DOC = "Share of batches that a loaded CANDIDATE model also scores, "
      + "on a background thread after the outputs were written (outputs are unchanged); 0: no shadow scoring.";
  public static final double SHADOW_SAMPLE_RATE_DEFAULT = 0.1;

  public static final String SHADOW_REPORT_INTERVAL_MS_CONFIG = "nlp.shadow.report.interval.ms";
  public static final String SHADOW_REPORT_INTERVAL_MS_DOC = "How often the shadow comparison (label agreement, "
      + "entity F1 candidate vs champion, confidence and latency of both) is written to the rollout-status topic, when "
      + "there are new samples.";
  public static final long SHADOW_REPORT_INTERVAL_MS_DEFAULT = 30_000L;

  private static final ConfigDef DEF = new ConfigDef()
      .define(INPUT_TOPIC_CONFIG, Type.STRING, INPUT_TOPIC_DEFAULT, new ConfigDef.NonEmptyString(), Importance.HIGH,
          INPUT_TOPIC_DOC)
      .define(OUTPUT_TOPIC_CONFIG, Type.STRING, OUTPUT_TOPIC_DEFAULT, new ConfigDef.NonEmptyString(), Importance.HIGH,
          OUTPUT_TOPIC_DOC)
      .define(DLQ_TOPIC_CONFIG, Type.STRING, DLQ_TOPIC_DEFAULT, new ConfigDef.NonEmptyString(), Importance.HIGH,
          DLQ_TOPIC_DOC)
      .define(CHECKPOINTS_TOPIC_CONFIG, Type.STRING, CHECKPOINTS_TOPIC_DEFAULT, new ConfigDef.NonEmptyString(),
          Importance.HIGH, CHECKPOINTS_TOPIC_DOC)
      .define(ROLLOUT_STATUS_TOPIC_CONFIG, Type.STRING, ROLLOUT_STATUS_TOPIC_DEFAULT, new ConfigDef.NonEmptyString(),
          Importance.MEDIUM, ROLLOUT_STATUS_TOPIC_DOC)
      .define(INPUT_FORMAT_CONFIG, Type.STRING, INPUT_FORMAT_DEFAULT, ValidString.in("avro", "json", "text"),
          Importance.HIGH, INPUT_FORMAT_DOC)
      .define(MODEL_NAME_CONFIG, Type.STRING, MODEL_NAME_DEFAULT, new ConfigDef.NonEmptyString(), Importance.HIGH,
          MODEL_NAME_DOC)
      .define(BATCH_MAX_SIZE_CONFIG, Type.INT, BATCH_MAX_SIZE_DEFAULT, Range.between(1, 4096), Importance.MEDIUM,
          BATCH_MAX_SIZE_DOC)
      .define(BATCH_MAX_DELAY_MS_CONFIG, Type.LONG, BATCH_MAX_DELAY_MS_DEFAULT, Range.between(1, 60_000),
          Importance.MEDIUM, BATCH_MAX_DELAY_MS_DOC)
      .define(TEXT_MAX_CHARS_CONFIG, Type.INT, TEXT_MAX_CHARS_DEFAULT, Range.atLeast(1), Importance.MEDIUM,
          TEXT_MAX_CHARS_DOC)
      .define(MODEL_CACHE_DIR_CONFIG, Type.STRING, MODEL_CACHE_DIR_DEFAULT, Importance.LOW, MODEL_CACHE_DIR_DOC)
      .define(HTTP_PORT_CONFIG, Type.INT, HTTP_PORT_DEFAULT, Range.between(-1, 65535), Importance.LOW, HTTP_PORT_DOC)
      .define(MODEL_LOADER_CLASS_CONFIG, Type.STRING, MODEL_LOADER_CLASS_DEFAULT, Importance.HIGH,
          MODEL_LOADER_CLASS_DOC)
      .define(GOLDEN_SCORE_TOLERANCE_CONFIG, Type.DOUBLE, GOLDEN_SCORE_TOLERANCE_DEFAULT, Range.atLeast(0),
          Importance.LOW, GOLDEN_SCORE_TOLERANCE_DOC)
      .define(BATCH_DRAIN_MAX_MS_CONFIG, Type.LONG, BATCH_DRAIN_MAX_MS_DEFAULT, Range.atLeast(1), Importance.LOW,
          BATCH_DRAIN_MAX_MS_DOC)
      .define(SHUTDOWN_TIMEOUT_MS_CONFIG, Type.LONG, SHUTDOWN_TIMEOUT_MS_DEFAULT, Range.atLeast(0), Importance.LOW,
          SHUTDOWN_TIMEOUT_MS_DOC)
      .define(INSTANCE_ID_CONFIG, Type.STRING, INSTANCE_ID_DEFAULT, Importance.LOW, INSTANCE_ID_DOC)
      .define(EMBEDDINGS_TOPIC_CONFIG, Type.STRING, EMBEDDINGS_TOPIC_DEFAULT, Importance.MEDIUM,
          EMBEDDINGS_TOPIC_DOC)
      .define(EMBEDDINGS_POOLING_CONFIG, Type.STRING, EMBEDDINGS_POOLING_DEFAULT, ValidString.in("pooled"),
          Importance.LOW, EMBEDDINGS_POOLING_DOC)
      .define(QA_MODEL_DIR_CONFIG, Type.STRING, QA_MODEL_DIR_DEFAULT, Importance.MEDIUM, QA_MODEL_DIR_DOC)
      .define(QA_QUESTION_KEY_CONFIG, Type.STRING, QA_QUESTION_KEY_DEFAULT, new ConfigDef.NonEmptyString(),
          Importance.LOW, QA_QUESTION_KEY_DOC)
      .define(LABELING_TOPIC_CONFIG, Type.STRING, LABELING_TOPIC_DEFAULT, Importance.MEDIUM, LABELING_TOPIC_DOC)
      .define(LABELING_MARGIN_THRESHOLD_CONFIG, Type.DOUBLE, LABELING_MARGIN_THRESHOLD_DEFAULT, Range.between(0, 1),
          Importance.LOW, LABELING_MARGIN_THRESHOLD_DOC)
      .define(LABELING_SCORE_THRESHOLD_CONFIG, Type.DOUBLE, LABELING_SCORE_THRESHOLD_DEFAULT, Range.between(0, 1),
          Importance.LOW, LABELING_SCORE_THRESHOLD_DOC)
      .define(LABELING_ENTITY_SCORE_THRESHOLD_CONFIG, Type.DOUBLE, LABELING_ENTITY_SCORE_THRESHOLD_DEFAULT,
          Range.between(0, 1), Importance.LOW, LABELING_ENTITY_SCORE_THRESHOLD_DOC)
      .define(LABELING_SAMPLE_RATE_CONFIG, Type.DOUBLE, LABELING_SAMPLE_RATE_DEFAULT, Range.between(0, 1),
          Importance.LOW, LABELING_SAMPLE_RATE_DOC)
      .define(LABELING_DEDUP_MAX_TEXTS_CONFIG, Type.INT, LABELING_DEDUP_MAX_TEXTS_DEFAULT,
          Range.between(1, 10_000_000), Importance.LOW, LABELING_DEDUP_MAX_TEXTS_DOC)
      .define(SHADOW_SAMPLE_RATE_CONFIG, Type.DOUBLE, SHADOW_SAMPLE_RATE_DEFAULT, Range.between(0, 1),
          Importance.MEDIUM, SHADOW_SAMPLE_RATE_DOC)
      .define(SHADOW_REPORT_INTERVAL_MS_CONFIG, Type.LONG, SHADOW_REPORT_INTERVAL_MS_DEFAULT,
          Range.between(100, 86_400_000), Importance.LOW, SHADOW_REPORT_INTERVAL_MS_DOC);

  /** Prefix of this program's own keys; every other key goes to Kafka Streams. */
  public static final String PREFIX = "nlp.";

  private final Map<String, Object> originals;

  /** Parses and validates; throws {@link ConfigException} naming the key when a value is invalid. */
  public NlpConfig(Map<?, ?> props) {
    super(DEF, props, false);
    Map<String, Object> copy = new HashMap<>();
    props.forEach((k, v) -> copy.put(String.valueOf(k), v));
    this.originals = Map.copyOf(copy);
  }

  /** The definitions of every key (for --help and documentation). */
  public static ConfigDef configDef() {
    return new ConfigDef(DEF);
  }

  /**
   * Applies environment overrides to {@code base}: {@code NLP_X_Y} → {@code nlp.x.y}, {@code KAFKA_X_Y} →
   * {@code x.y}, {@code SCHEMA_REGISTRY_URL} → {@code schema.registry.url}.
   */
  public static Map<String, Object> withEnvironment(Map<String, ?> base, Map<String, String> env) {
    Map<String, Object> merged = new HashMap<>(base);
    env.forEach((name, value) -> {
      String key = null;
      if (name.startsWith("NLP_")) {
        key = name.toLowerCase(Locale.ROOT).replace('_', '.');
      } else if (name.startsWith("KAFKA_")) {
        key = name.substring("KAFKA_".length()).toLowerCase(Locale.ROOT).replace('_', '.');
      } else if (name.equals("SCHEMA_REGISTRY_URL")) {
        key = "schema.registry.url";
      }
      if (key != null) {
        merged.put(key, value);
      }
    });
    return merged;
  }

  /**
   * Properties for Kafka Streams: every key that is not this program's, with defaults of this program:
   * {@code processing.guarantee=exactly_once_v2}, the dead-letter topic, and this program's deserialization and
   * processing exception handlers (which route bad records to that topic and never stop a stream thread).
   */
  public Properties streamsProperties() {
    Properties p = new Properties();
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
        org.streambert.streams.internals.DeadLetterHandlers.Deserialization.class.getName());
    p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG,
        org.streambert.streams.internals.DeadLetterHandlers.Processing.class.getName());
    originals.forEach((k, v) -> {
      if (!k.startsWith(PREFIX)) {
        p.put(k, v);
      }
    });
    p.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, getString(DLQ_TOPIC_CONFIG));
    return p;
  }

  public String inputTopic() {
    return getString(INPUT_TOPIC_CONFIG);
  }

  public String outputTopic() {
    return getString(OUTPUT_TOPIC_CONFIG);
  }

  public String dlqTopic() {
    return getString(DLQ_TOPIC_CONFIG);
  }

  public String checkpointsTopic() {
    return getString(CHECKPOINTS_TOPIC_CONFIG);
  }

  public String rolloutStatusTopic() {
    return getString(ROLLOUT_STATUS_TOPIC_CONFIG);
  }

  public String inputFormat() {
    return getString(INPUT_FORMAT_CONFIG);
  }

  public String modelName() {
    return getString(MODEL_NAME_CONFIG);
  }

  public int batchMaxSize() {
    return getInt(BATCH_MAX_SIZE_CONFIG);
  }

  public long batchMaxDelayMs() {
    return getLong(BATCH_MAX_DELAY_MS_CONFIG);
  }

  public int textMaxChars() {
    return getInt(TEXT_MAX_CHARS_CONFIG);
  }

  public String modelCacheDir() {
    return getString(MODEL_CACHE_DIR_CONFIG);
  }

  public int httpPort() {
    return getInt(HTTP_PORT_CONFIG);
  }

  public String modelLoaderClass() {
    return getString(MODEL_LOADER_CLASS_CONFIG);
  }

  public double goldenScoreTolerance() {
    return getDouble(GOLDEN_SCORE_TOLERANCE_CONFIG);
  }

  public long batchDrainMaxMs() {
    return getLong(BATCH_DRAIN_MAX_MS_CONFIG);
  }

  public long shutdownTimeoutMs() {
    return getLong(SHUTDOWN_TIMEOUT_MS_CONFIG);
  }

  /** The embeddings topic, or empty when embeddings are off. */
  public java.util.Optional<String> embeddingsTopic() {
    String t = getString(EMBEDDINGS_TOPIC_CONFIG);
    return t == null || t.isBlank() ? java.util.Optional.empty() : java.util.Optional.of(t.strip());
  }

  public String embeddingsPooling() {
    return getString(EMBEDDINGS_POOLING_CONFIG);
  }

  /** The question-answering checkpoint directory, or empty when QA mode is off. */
  public java.util.Optional<java.nio.file.Path> qaModelDir() {
    String d = getString(QA_MODEL_DIR_CONFIG);
    return d == null || d.isBlank() ? java.util.Optional.empty() : java.util.Optional.of(java.nio.file.Path.of(d));
  }

  public String qaQuestionKey() {
    return getString(QA_QUESTION_KEY_CONFIG);
  }

  /** The labelling topic, or empty when asking for labels is off. */
  public java.util.Optional<String> labelingTopic() {
    String t = getString(LABELING_TOPIC_CONFIG);
    return t == null || t.isBlank() ? java.util.Optional.empty() : java.util.Optional.of(t.strip());
  }

  /** The nlp.labeling.* thresholds. */
  public org.streambert.streams.internals.LabelingSampler.Thresholds labelingThresholds() {
    return new org.streambert.streams.internals.LabelingSampler.Thresholds(getDouble(LABELING_MARGIN_THRESHOLD_CONFIG),
        getDouble(LABELING_SCORE_THRESHOLD_CONFIG), getDouble(LABELING_ENTITY_SCORE_THRESHOLD_CONFIG),
        getDouble(LABELING_SAMPLE_RATE_CONFIG), getInt(LABELING_DEDUP_MAX_TEXTS_CONFIG));
  }

  public double shadowSampleRate() {
    return getDouble(SHADOW_SAMPLE_RATE_CONFIG);
  }

  public long shadowReportIntervalMs() {
    return getLong(SHADOW_REPORT_INTERVAL_MS_CONFIG);
  }

  /** The configured instance id, or host name and process id. */
  public String instanceId() {
    String id = getString(INSTANCE_ID_CONFIG);
    if (id != null && !id.isBlank()) {
      return id;
    }
    String host;
    try {
      host = java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      host = "localhost";
    }
    return host + "-" + ProcessHandle.current().pid();
  }

  /** Every original key/value (for the Avro serdes, which read schema.registry.url and friends). */
  public Map<String, Object> originalsMap() {
    return originals;
  }
}
