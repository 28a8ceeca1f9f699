package org.streambert.streams;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;
import org.streambert.bert.embeddings.EmbeddingPooling;
import org.streambert.bert.model.Precision;
import org.streambert.bert.onnx.OnnxPrecision;
import org.streambert.schemas.AvroSerdeConfig;
import org.streambert.schemas.signing.TrustedKeys;
import org.streambert.streams.processor.internals.DeadLetterHandlers;
import org.streambert.streams.rollout.ModelRollout;
import org.streambert.streams.rollout.ModelSourcePolicy;
import org.streambert.streams.serving.EmbeddingChoice;
import org.streambert.streams.serving.ModelLoaders;

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
  public static final String MODEL_CACHE_DIR_DOC = "Local directory where the private copies of model bundles are kept "
      + "(under bundles/, owner-only: every bundle, file:// included, is copied and hashed there, and only the copy is "
      + "loaded), and "
      + "(under accepted-checkpoints/) the checkpoint events this instance accepted last, which keep a restarted "
      + "instance from being rolled back by an old event produced again: keep it on a volume that survives restarts.";
  public static final String MODEL_CACHE_DIR_DEFAULT = System.getProperty("java.io.tmpdir") + "/streaming-bert/models";

  public static final String HTTP_PORT_CONFIG = "nlp.http.port";
  public static final String HTTP_PORT_DOC = "Port of the /health, /ready and /metrics endpoint; 0 picks a free port, "
      + "-1 disables it.";
  public static final int HTTP_PORT_DEFAULT = 8080;

  public static final String MODEL_LOADER_CLASS_CONFIG = "nlp.model.loader.class";
  public static final String MODEL_LOADER_CLASS_DOC = "Class implementing org.streambert.streams.serving.ModelLoader "
      + "(public no-argument constructor) that turns a verified bundle into a tokenizer and a forward pass. Empty: "
      + "the engine nlp.model.engine chooses (TensorFlow and/or ONNX Runtime; org.streambert.streams.serving."
      + "ModelLoaders).";
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

  public static final String BATCH_OVERLAP_CONFIG = "nlp.batch.overlap";
  public static final String BATCH_OVERLAP_DOC = "Run a batch's forward pass beside the stream thread, which keeps "
      + "polling, storing new records and committing meanwhile; the stream thread forwards the results and deletes "
      + "the records from the pending store when the pass is done, so exactly-once holds as without it (at most one "
      + "batch in flight per task; the stream thread waits for one at most for what is left of the open "
      + "transaction's budget, then commits and collects it later). false runs the forward pass on the stream "
      + "thread.";
  public static final boolean BATCH_OVERLAP_DEFAULT = true;

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
  public static final String EMBEDDINGS_POOLING_DOC = "How a text becomes one vector: model (the bundle's own "
      + "embedding, model.json \"embeddings\": a sentence-transformers import says mean, cls or max as its pooling "
      + "config does; any other bundle serves pooled), pooled (BERT's pooled output, tanh dense on [CLS]), mean "
      + "(mean of the last layer over the window's tokens, [CLS] and [SEP] included, as sentence-transformers), cls "
      + "(the last layer at [CLS]) or max (element-wise maximum over the tokens). A text longer than one window gets "
      + "the token-weighted mean of its windows' vectors (max: the maximum).";
  public static final String EMBEDDINGS_POOLING_DEFAULT = "model";

  public static final String EMBEDDINGS_NORMALIZE_CONFIG = "nlp.embeddings.normalize";
  public static final String EMBEDDINGS_NORMALIZE_DOC = "Whether every vector is scaled to unit L2 length (a "
      + "sentence-transformers Normalize module): model (as the bundle says; false for bundles that say nothing), "
      + "true or false.";
  public static final String EMBEDDINGS_NORMALIZE_DEFAULT = "model";

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

  // Reliability (issue #11): bounded work per batch, retries, health, HTTP.

  public static final String TEXT_MAX_WINDOWS_CONFIG = "nlp.text.max.windows";
  public static final String TEXT_MAX_WINDOWS_DOC = "Most windows (of the model's sequence length, overlapping by its"
      + " doc stride) one text may be run in; what happens beyond is nlp.text.max.windows.policy. Bounds the work of"
      + " one record: 100,000 CJK or punctuation characters are ~100,000 word pieces, ~800 windows of 128.";
  public static final int TEXT_MAX_WINDOWS_DEFAULT = 32;

  public static final String TEXT_MAX_WINDOWS_POLICY_CONFIG = "nlp.text.max.windows.policy";
  public static final String TEXT_MAX_WINDOWS_POLICY_DOC = "dlq: a text over nlp.text.max.windows goes to the"
      + " dead-letter topic with reason TOO_MANY_WINDOWS; truncate: only its first nlp.text.max.windows windows are"
      + " run (the text is cut after the last word piece they cover) and EnrichedText.truncated is true.";
  public static final String TEXT_MAX_WINDOWS_POLICY_DEFAULT = "dlq";

  public static final String BATCH_MAX_TOKENS_CONFIG = "nlp.batch.max.tokens";
  public static final String BATCH_MAX_TOKENS_DOC = "Budget of padded tokens (windows x sequence length) of one"
      + " micro-batch: a batch takes the oldest pending records while they fit (always at least one), so the time of"
      + " one batch is bounded whatever the texts' lengths.";
  public static final int BATCH_MAX_TOKENS_DEFAULT = 16_384;

  public static final String ERROR_RETRY_BACKOFF_MS_CONFIG = "nlp.error.retry.backoff.ms";
  public static final String ERROR_RETRY_BACKOFF_MS_DOC = "After a stream thread failed (a transient error: registry"
      + " unreachable, TensorFlow out of memory, store or producer failure) it is replaced after this long, doubled"
      + " for each further failure within nlp.health.thread.replacements.window.ms; its transaction aborted, so the"
      + " new thread retries the same records.";
  public static final long ERROR_RETRY_BACKOFF_MS_DEFAULT = 1_000L;

  public static final String ERROR_RETRY_BACKOFF_MAX_MS_CONFIG = "nlp.error.retry.backoff.max.ms";
  public static final String ERROR_RETRY_BACKOFF_MAX_MS_DOC = "Upper bound of nlp.error.retry.backoff.ms's doubling"
      + " (the wait runs on the failed thread, so keep it below nlp.shutdown.timeout.ms).";
  public static final long ERROR_RETRY_BACKOFF_MAX_MS_DEFAULT = 30_000L;

  public static final String HEALTH_THREAD_REPLACEMENTS_MAX_CONFIG = "nlp.health.thread.replacements.max";
  public static final String HEALTH_THREAD_REPLACEMENTS_MAX_DOC = "/health answers 503 once this many stream threads"
      + " were replaced within nlp.health.thread.replacements.window.ms (a fault that retries cannot cure; let the"
      + " orchestrator restart the instance).";
  public static final int HEALTH_THREAD_REPLACEMENTS_MAX_DEFAULT = 5;

  public static final String HEALTH_THREAD_REPLACEMENTS_WINDOW_MS_CONFIG = "nlp.health.thread.replacements.window.ms";
  public static final String HEALTH_THREAD_REPLACEMENTS_WINDOW_MS_DOC = "Window of"
      + " nlp.health.thread.replacements.max.";
  public static final long HEALTH_THREAD_REPLACEMENTS_WINDOW_MS_DEFAULT = 600_000L;

  public static final String HTTP_BIND_ADDRESS_CONFIG = "nlp.http.bind.address";
  public static final String HTTP_BIND_ADDRESS_DOC = "Address the HTTP endpoint binds, e.g. 127.0.0.1 to keep it"
      + " local. Empty: all interfaces (like Kafka's listeners), so that Kubernetes probes reach it (the kubelet probes"
      + " the pod IP); the deploy manifests set 0.0.0.0 explicitly.";
  public static final String HTTP_BIND_ADDRESS_DEFAULT = "";
  public static final String MODEL_TRUSTED_KEYS_CONFIG = "nlp.model.trusted.keys";
  public static final String MODEL_TRUSTED_KEYS_DOC = "Public keys trusted to sign ModelCheckpoint events: entries "
      + "<key id>:<base64 X.509 Ed25519 public key> separated by commas (trainer keygen prints one). Together with "
      + "nlp.model.trusted.keys.file; with any key configured, an unsigned event, one signed by another key or one "
      + "whose fields differ from what was signed is refused before anything is fetched. Empty (and no file): "
      + "signatures are not checked (a warning at start). Several keys: rotation.";
  public static final String MODEL_TRUSTED_KEYS_DEFAULT = "";

  public static final String MODEL_TRUSTED_KEYS_FILE_CONFIG = "nlp.model.trusted.keys.file";
  public static final String MODEL_TRUSTED_KEYS_FILE_DOC = "File of trusted public keys, one <key id>:<base64> per "
      + "line (# comments); e.g. the .pub files of trainer keygen concatenated. Empty: none.";
  public static final String MODEL_TRUSTED_KEYS_FILE_DEFAULT = "";

  public static final String MODEL_URI_ALLOWED_CONFIG = "nlp.model.uri.allowed";
  public static final String MODEL_URI_ALLOWED_DOC = "Comma-separated prefixes a bundle URI must lie under: "
      + "file:///dir/ or /dir (compared with the resolved path, symbolic links followed) and http(s)://host[:port]/path/ "
      + "(same scheme, host and port; path segments). Anything else is refused before any I/O; redirects are followed "
      + "only within the same origin and these prefixes. Empty: local directories except system directories (/etc, "
      + "/proc, /sys, /dev, ...), and no http(s).";
  public static final String MODEL_URI_ALLOWED_DEFAULT = "";

  public static final String MODEL_MAX_BYTES_CONFIG = "nlp.model.max.bytes";
  public static final String MODEL_MAX_BYTES_DOC = "Largest model bundle (all files together, so also any one file); "
      + "a download passing it is stopped and refused.";
  public static final long MODEL_MAX_BYTES_DEFAULT = 4L << 30;

  public static final String MODEL_FETCH_TIMEOUT_MS_CONFIG = "nlp.model.fetch.timeout.ms";
  public static final String MODEL_FETCH_TIMEOUT_MS_DOC = "Longest time one bundle download may take, bodies "
      + "included (a stalled or trickling server is cut off and the checkpoint refused).";
  public static final long MODEL_FETCH_TIMEOUT_MS_DEFAULT = 600_000L;

  public static final String MODEL_MAX_EVENT_AGE_CONFIG = "nlp.model.max.event.age";
  public static final String MODEL_MAX_EVENT_AGE_DOC = "Refuse a checkpoint event issued longer ago than this "
      + "(its signed issuedAt, or createdAt for events from before issue times): a number with a unit (90s, 36h, 7d) "
      + "or an ISO-8601 duration (P7D). Makes a frozen checkpoint topic visible: an instance that (re)starts while "
      + "the newest event is older than this serves nothing and is not ready. The trainer must re-issue events more "
      + "often than this (trainer refresh). Empty or 0: no limit.";
  public static final String MODEL_MAX_EVENT_AGE_DEFAULT = "";

  public static final String GOLDEN_REQUIRED_CONFIG = "nlp.golden.required";
  public static final String GOLDEN_REQUIRED_DOC = "With trusted keys configured, refuse a signed event that names "
      + "heads but carries no golden examples. false: accept such events without a golden check.";
  public static final boolean GOLDEN_REQUIRED_DEFAULT = true;
  public static final String METRICS_JMX_ENABLED_CONFIG = "nlp.metrics.jmx.enabled";
  public static final String METRICS_JMX_ENABLED_DOC = "Also publish this program's Micrometer meters (nlp_*, JVM, "
      + "process, Kafka Streams) over JMX under domain streambert, for shops that scrape JMX; /metrics serves them in "
      + "Prometheus format either way.";
  public static final boolean METRICS_JMX_ENABLED_DEFAULT = false;

  public static final String METRICS_KAFKA_REFRESH_MS_CONFIG = "nlp.metrics.kafka.refresh.ms";
  public static final String METRICS_KAFKA_REFRESH_MS_DOC = "How often /metrics looks for Kafka metrics that appeared "
      + "since the last look (per-partition lag and per-task metrics appear after a rebalance).";
  public static final long METRICS_KAFKA_REFRESH_MS_DEFAULT = 10_000L;

  public static final String TENSORFLOW_LOG_LEVEL_CONFIG = "nlp.tensorflow.log.level";
  public static final String TENSORFLOW_LOG_LEVEL_DOC = "Lowest level of TensorFlow's native log lines printed by this "
      + "process: info (TensorFlow's own default: CPU feature and oneDNN notices at start), warning or error. Set as "
      + "TF_CPP_MIN_LOG_LEVEL before the natives load; an explicit TF_CPP_MIN_LOG_LEVEL in the environment wins.";
  public static final String TENSORFLOW_LOG_LEVEL_DEFAULT = "warning";

  public static final String MODEL_ENGINE_CONFIG = "nlp.model.engine";
  public static final String MODEL_ENGINE_DOC = "What computes the forward pass: tensorflow (the bundle's SavedModel, "
      + "at nlp.model.precision), onnxruntime (the bundle's ONNX file, onnx/model.onnx, which trainer publish "
      + "--with-onnx adds; bundles without one are refused; at nlp.model.onnxruntime.precision) or auto (every engine "
      + "and precision these keys allow for the bundle, fastest first as measured: ONNX Runtime int8, TensorFlow "
      + "bf16, TensorFlow fp32, ONNX Runtime fp32; the first whose golden check passes serves, and a bundle without an "
      + "ONNX file serves on TensorFlow). A bundle whose ONNX file fails its hash or op checks is refused whatever "
      + "the engine, unless the engine is tensorflow. Ignored when nlp.model.loader.class is set.";
  public static final String MODEL_ENGINE_DEFAULT = "auto";

  public static final String MODEL_PRECISION_CONFIG = "nlp.model.precision";
  public static final String MODEL_PRECISION_DOC = "Arithmetic of TensorFlow's forward pass: fp32 (the graph as "
      + "trained, the quality reference), bf16 (encoder matrix products in bfloat16 against kernels converted once "
      + "at load; embeddings, softmax, LayerNorm, GELU and heads in float32), int8 (the encoder's dense layers in int8 "
      + "through oneDNN: int8 kernels per output column quantized at load, each token's activations quantized on their "
      + "own, so no range depends on the batch, though scores are not bit-exact across batches; everything else "
      + "float32) or auto (int8 when /proc/cpuinfo lists amx_int8, avx512_vnni or avx_vnni, then bf16 when it lists "
      + "amx_bf16 or avx512_bf16, then fp32, each tried when the one before fails the golden check). Golden examples are "
      + "checked at the served precision, with nlp.golden.score.tolerance.bf16 when it is bf16 and "
      + "nlp.golden.score.tolerance.int8 when it is int8.";
  public static final String MODEL_PRECISION_DEFAULT = "auto";

  public static final String MODEL_ONNXRUNTIME_PRECISION_CONFIG = "nlp.model.onnxruntime.precision";
  public static final String MODEL_ONNXRUNTIME_PRECISION_DOC = "Arithmetic of ONNX Runtime's forward pass: fp32 (the "
      + "exported graph, equal to TensorFlow fp32 within 1e-4), int8 (every encoder dense layer quantized at load: "
      + "int8 weights per output column, each token's activations quantized on their own, so a record's result does "
      + "not depend on the records batched with it; LayerNorm, softmax, GELU, attention products, pooler and heads in "
      + "float32), int8-per-tensor (the same with one activation range per batch: up to about 1.1x faster, but a "
      + "record's scores move with its batch mates; never chosen by auto) or auto (int8, then fp32 when int8 fails the "
      + "golden check). Golden examples are checked with nlp.golden.score.tolerance.int8 at either int8.";
  public static final String MODEL_ONNXRUNTIME_PRECISION_DEFAULT = "auto";

  public static final String MODEL_ONNXRUNTIME_THREADS_CONFIG = "nlp.model.onnxruntime.threads";
  public static final String MODEL_ONNXRUNTIME_THREADS_DOC = "ONNX Runtime's intra-op threads per model (0: its "
      + "default, one per physical core); inter-op work runs sequentially.";
  public static final int MODEL_ONNXRUNTIME_THREADS_DEFAULT = 0;

  public static final String MODEL_ONNXRUNTIME_SPINNING_CONFIG = "nlp.model.onnxruntime.spinning";
  public static final String MODEL_ONNXRUNTIME_SPINNING_DOC = "Whether ONNX Runtime's intra-op threads spin between "
      + "ops (its own default) instead of sleeping. Off: with other work on the cores (the Kafka clients, other "
      + "pods) spinning made int8 2-3x slower (docs/benchmarks.md); on a dedicated machine it was 1.1x faster.";
  public static final boolean MODEL_ONNXRUNTIME_SPINNING_DEFAULT = false;

  public static final String GOLDEN_SCORE_TOLERANCE_BF16_CONFIG = "nlp.golden.score.tolerance.bf16";
  public static final String GOLDEN_SCORE_TOLERANCE_BF16_DOC = "nlp.golden.score.tolerance for a model served in "
      + "bf16: golden scores are computed by the trainer in fp32, and bfloat16's 8-bit mantissa moved class "
      + "probabilities by up to 0.028 (a fine-tuned BERT-base sentiment classifier over 500 dev texts; 0.008 for "
      + "random heads; docs/benchmarks.md). Labels and entities must still match exactly.";
  public static final double GOLDEN_SCORE_TOLERANCE_BF16_DEFAULT = ModelRollout.DEFAULT_BF16_TOLERANCE;

  public static final String GOLDEN_SCORE_TOLERANCE_INT8_CONFIG = "nlp.golden.score.tolerance.int8";
  public static final String GOLDEN_SCORE_TOLERANCE_INT8_DOC = "nlp.golden.score.tolerance for a model served in "
      + "int8 (ONNX Runtime): int8 weights and activations moved a fine-tuned BERT-base sentiment classifier's class "
      + "probabilities by up to 0.27 over 500 dev texts (90% of texts by less than 0.04, 99% by less than 0.16; "
      + "docs/benchmarks.md). At 0.2 a golden set is refused only where int8 changed a label or an entity list; labels "
      + "and entities must match exactly, and a model refused at int8 is tried at the next engine and precision.";
  public static final double GOLDEN_SCORE_TOLERANCE_INT8_DEFAULT = ModelRollout.DEFAULT_INT8_TOLERANCE;

  public static final String GOLDEN_SCORE_TOLERANCE_MAX_CONFIG = "nlp.golden.score.tolerance.max";
  public static final String GOLDEN_SCORE_TOLERANCE_MAX_DOC = "Largest golden tolerance a checkpoint event may carry "
      + "for the engine and precision a model is served on: the trainer measures, for each engine the bundle can be "
      + "served on, the largest golden score move against the fp32 golden scores and publishes it x 1.5 (at least "
      + "1e-4) in goldenTolerances, and instances check with that instead of the configured tolerance of the "
      + "precision (which still applies to events without one). An event whose tolerance for the engine is larger is "
      + "refused on that engine (the next is tried); one with a tolerance that is not a number in [0, 1] is refused. "
      + "The default is the loosest configured default (int8's), so an event can tighten the check, never loosen it "
      + "beyond that.";
  public static final double GOLDEN_SCORE_TOLERANCE_MAX_DEFAULT = ModelRollout.DEFAULT_MAX_GOLDEN_TOLERANCE;

  public static final String GOLDEN_SCORE_TOLERANCE_FROM_EVENT_CONFIG = "nlp.golden.score.tolerance.from.event";
  public static final String GOLDEN_SCORE_TOLERANCE_FROM_EVENT_DOC = "true: check golden examples with the tolerance "
      + "the checkpoint event measured for the served engine and precision (goldenTolerances), where it has one. "
      + "false: always with the configured tolerance of the precision (nlp.golden.score.tolerance[.bf16|.int8]), e.g. "
      + "on a CPU whose int8 or bf16 kernels move the golden scores further than the trainer's did.";
  public static final boolean GOLDEN_SCORE_TOLERANCE_FROM_EVENT_DEFAULT = true;

  public static final String CACHE_MAX_ENTRIES_CONFIG = "nlp.cache.max.entries";
  public static final String CACHE_MAX_ENTRIES_DOC = "Duplicate-result cache: most results kept (least recently used "
      + "evicted first), keyed by model version, text and question; a repeated text skips the forward pass and gets "
      + "the identical result. Cleared when a new model version is swapped in. 0 turns the cache off.";
  public static final int CACHE_MAX_ENTRIES_DEFAULT = 10_000;

  public static final String CACHE_MAX_BYTES_CONFIG = "nlp.cache.max.bytes";
  public static final String CACHE_MAX_BYTES_DOC = "Duplicate-result cache: upper bound of the estimated heap its "
      + "keys and results take (texts at 2 bytes a char, scores, entities, embeddings); least recently used entries "
      + "are evicted to stay below it, and a single result larger than an eighth of it is not cached.";
  public static final long CACHE_MAX_BYTES_DEFAULT = 64L * 1024 * 1024;

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

  public static final String SHADOW_SIGNING_KEY_FILE_CONFIG = "nlp.shadow.signing.key.file";
  public static final String SHADOW_SIGNING_KEY_FILE_DOC = "This instance's Ed25519 private key file (`trainer keygen`):"
      + " every shadow report is signed with it, and trainer serve --auto-promote with --instance-keys counts only "
      + "reports signed by a key it trusts, one per key. Empty: reports are unsigned (a trainer that trusts instance "
      + "keys ignores them).";
  public static final String SHADOW_SIGNING_KEY_FILE_DEFAULT = "";

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
      .define(BATCH_OVERLAP_CONFIG, Type.BOOLEAN, BATCH_OVERLAP_DEFAULT, Importance.LOW, BATCH_OVERLAP_DOC)
      .define(SHUTDOWN_TIMEOUT_MS_CONFIG, Type.LONG, SHUTDOWN_TIMEOUT_MS_DEFAULT, Range.atLeast(0), Importance.LOW,
          SHUTDOWN_TIMEOUT_MS_DOC)
      .define(INSTANCE_ID_CONFIG, Type.STRING, INSTANCE_ID_DEFAULT, Importance.LOW, INSTANCE_ID_DOC)
      .define(TENSORFLOW_LOG_LEVEL_CONFIG, Type.STRING, TENSORFLOW_LOG_LEVEL_DEFAULT,
          ValidString.in("info", "warning", "error"), Importance.LOW, TENSORFLOW_LOG_LEVEL_DOC)
      .define(METRICS_JMX_ENABLED_CONFIG, Type.BOOLEAN, METRICS_JMX_ENABLED_DEFAULT, Importance.LOW,
          METRICS_JMX_ENABLED_DOC)
      .define(METRICS_KAFKA_REFRESH_MS_CONFIG, Type.LONG, METRICS_KAFKA_REFRESH_MS_DEFAULT, Range.between(100, 600_000),
          Importance.LOW, METRICS_KAFKA_REFRESH_MS_DOC)
      .define(EMBEDDINGS_TOPIC_CONFIG, Type.STRING, EMBEDDINGS_TOPIC_DEFAULT, Importance.MEDIUM,
          EMBEDDINGS_TOPIC_DOC)
      .define(EMBEDDINGS_POOLING_CONFIG, Type.STRING, EMBEDDINGS_POOLING_DEFAULT,
          ValidString.in("model", "pooled", "mean", "cls", "max"), Importance.LOW, EMBEDDINGS_POOLING_DOC)
      .define(EMBEDDINGS_NORMALIZE_CONFIG, Type.STRING, EMBEDDINGS_NORMALIZE_DEFAULT,
          ValidString.in("model", "true", "false"), Importance.LOW, EMBEDDINGS_NORMALIZE_DOC)
      .define(QA_MODEL_DIR_CONFIG, Type.STRING, QA_MODEL_DIR_DEFAULT, Importance.MEDIUM, QA_MODEL_DIR_DOC)
      .define(QA_QUESTION_KEY_CONFIG, Type.STRING, QA_QUESTION_KEY_DEFAULT, new ConfigDef.NonEmptyString(),
          Importance.LOW, QA_QUESTION_KEY_DOC)
      .define(TEXT_MAX_WINDOWS_CONFIG, Type.INT, TEXT_MAX_WINDOWS_DEFAULT, Range.atLeast(1), Importance.MEDIUM,
          TEXT_MAX_WINDOWS_DOC)
      .define(TEXT_MAX_WINDOWS_POLICY_CONFIG, Type.STRING, TEXT_MAX_WINDOWS_POLICY_DEFAULT,
          ValidString.in("dlq", "truncate"), Importance.MEDIUM, TEXT_MAX_WINDOWS_POLICY_DOC)
      .define(BATCH_MAX_TOKENS_CONFIG, Type.INT, BATCH_MAX_TOKENS_DEFAULT, Range.atLeast(1), Importance.MEDIUM,
          BATCH_MAX_TOKENS_DOC)
      .define(ERROR_RETRY_BACKOFF_MS_CONFIG, Type.LONG, ERROR_RETRY_BACKOFF_MS_DEFAULT, Range.atLeast(0),
          Importance.LOW, ERROR_RETRY_BACKOFF_MS_DOC)
      .define(ERROR_RETRY_BACKOFF_MAX_MS_CONFIG, Type.LONG, ERROR_RETRY_BACKOFF_MAX_MS_DEFAULT, Range.atLeast(0),
          Importance.LOW, ERROR_RETRY_BACKOFF_MAX_MS_DOC)
      .define(HEALTH_THREAD_REPLACEMENTS_MAX_CONFIG, Type.INT, HEALTH_THREAD_REPLACEMENTS_MAX_DEFAULT,
          Range.atLeast(1), Importance.LOW, HEALTH_THREAD_REPLACEMENTS_MAX_DOC)
      .define(HEALTH_THREAD_REPLACEMENTS_WINDOW_MS_CONFIG, Type.LONG, HEALTH_THREAD_REPLACEMENTS_WINDOW_MS_DEFAULT,
          Range.atLeast(1), Importance.LOW, HEALTH_THREAD_REPLACEMENTS_WINDOW_MS_DOC)
      .define(HTTP_BIND_ADDRESS_CONFIG, Type.STRING, HTTP_BIND_ADDRESS_DEFAULT, Importance.LOW,
          HTTP_BIND_ADDRESS_DOC)
      .define(MODEL_TRUSTED_KEYS_CONFIG, Type.PASSWORD, MODEL_TRUSTED_KEYS_DEFAULT, Importance.HIGH,
          MODEL_TRUSTED_KEYS_DOC)
      .define(MODEL_TRUSTED_KEYS_FILE_CONFIG, Type.STRING, MODEL_TRUSTED_KEYS_FILE_DEFAULT, Importance.HIGH,
          MODEL_TRUSTED_KEYS_FILE_DOC)
      .define(MODEL_URI_ALLOWED_CONFIG, Type.STRING, MODEL_URI_ALLOWED_DEFAULT, Importance.HIGH,
          MODEL_URI_ALLOWED_DOC)
      .define(MODEL_MAX_BYTES_CONFIG, Type.LONG, MODEL_MAX_BYTES_DEFAULT, Range.atLeast(1), Importance.MEDIUM,
          MODEL_MAX_BYTES_DOC)
      .define(MODEL_FETCH_TIMEOUT_MS_CONFIG, Type.LONG, MODEL_FETCH_TIMEOUT_MS_DEFAULT, Range.atLeast(1),
          Importance.MEDIUM, MODEL_FETCH_TIMEOUT_MS_DOC)
      .define(MODEL_MAX_EVENT_AGE_CONFIG, Type.STRING, MODEL_MAX_EVENT_AGE_DEFAULT,
          (name, value) -> parseAge(name, (String) value), Importance.MEDIUM, MODEL_MAX_EVENT_AGE_DOC)
      .define(GOLDEN_REQUIRED_CONFIG, Type.BOOLEAN, GOLDEN_REQUIRED_DEFAULT, Importance.MEDIUM, GOLDEN_REQUIRED_DOC)
      .define(MODEL_PRECISION_CONFIG, Type.STRING, MODEL_PRECISION_DEFAULT,
          ValidString.in("auto", "fp32", "bf16", "int8"), Importance.MEDIUM, MODEL_PRECISION_DOC)
      .define(GOLDEN_SCORE_TOLERANCE_BF16_CONFIG, Type.DOUBLE, GOLDEN_SCORE_TOLERANCE_BF16_DEFAULT,
          Range.between(0, 1), Importance.LOW, GOLDEN_SCORE_TOLERANCE_BF16_DOC)
      .define(MODEL_ENGINE_CONFIG, Type.STRING, MODEL_ENGINE_DEFAULT,
          ValidString.in("auto", "tensorflow", "onnxruntime"), Importance.MEDIUM, MODEL_ENGINE_DOC)
      .define(MODEL_ONNXRUNTIME_PRECISION_CONFIG, Type.STRING, MODEL_ONNXRUNTIME_PRECISION_DEFAULT,
          ValidString.in("auto", "fp32", "int8", "int8-per-tensor"), Importance.MEDIUM, MODEL_ONNXRUNTIME_PRECISION_DOC)
      .define(MODEL_ONNXRUNTIME_THREADS_CONFIG, Type.INT, MODEL_ONNXRUNTIME_THREADS_DEFAULT, Range.between(0, 1024),
          Importance.LOW, MODEL_ONNXRUNTIME_THREADS_DOC)
      .define(MODEL_ONNXRUNTIME_SPINNING_CONFIG, Type.BOOLEAN, MODEL_ONNXRUNTIME_SPINNING_DEFAULT, Importance.LOW,
          MODEL_ONNXRUNTIME_SPINNING_DOC)
      .define(GOLDEN_SCORE_TOLERANCE_INT8_CONFIG, Type.DOUBLE, GOLDEN_SCORE_TOLERANCE_INT8_DEFAULT,
          Range.between(0, 1), Importance.LOW, GOLDEN_SCORE_TOLERANCE_INT8_DOC)
      .define(GOLDEN_SCORE_TOLERANCE_MAX_CONFIG, Type.DOUBLE, GOLDEN_SCORE_TOLERANCE_MAX_DEFAULT,
          Range.between(0, 1), Importance.LOW, GOLDEN_SCORE_TOLERANCE_MAX_DOC)
      .define(GOLDEN_SCORE_TOLERANCE_FROM_EVENT_CONFIG, Type.BOOLEAN, GOLDEN_SCORE_TOLERANCE_FROM_EVENT_DEFAULT,
          Importance.LOW, GOLDEN_SCORE_TOLERANCE_FROM_EVENT_DOC)
      .define(CACHE_MAX_ENTRIES_CONFIG, Type.INT, CACHE_MAX_ENTRIES_DEFAULT, Range.between(0, 10_000_000),
          Importance.LOW, CACHE_MAX_ENTRIES_DOC)
      .define(CACHE_MAX_BYTES_CONFIG, Type.LONG, CACHE_MAX_BYTES_DEFAULT, Range.between(0, 1L << 40),
          Importance.LOW, CACHE_MAX_BYTES_DOC)
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
          Range.between(100, 86_400_000), Importance.LOW, SHADOW_REPORT_INTERVAL_MS_DOC)
      .define(SHADOW_SIGNING_KEY_FILE_CONFIG, Type.STRING, SHADOW_SIGNING_KEY_FILE_DEFAULT, Importance.MEDIUM,
          SHADOW_SIGNING_KEY_FILE_DOC);

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
   * {@code processing.guarantee=exactly_once_v2}, the dead-letter topic, and this program's deserialization,
   * processing and production exception handlers (which route bad records to that topic, never stop a stream thread,
   * and never dead-letter a record for a broker's fault). Kafka's own client defaults stay: under exactly-once the
   * producers are idempotent with {@code acks=all}, unbounded {@code delivery.timeout.ms} and {@code retries}, and
   * {@code transaction.timeout.ms=10000}; internal topics take the cluster's replication factor
   * ({@code replication.factor=-1}); see README "Running on a cluster".
   */
  public Properties streamsProperties() {
    Properties p = new Properties();
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
        DeadLetterHandlers.Deserialization.class.getName());
    p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG,
        DeadLetterHandlers.Processing.class.getName());
    p.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandlers.Production.class.getName());
    // The same handler for the global (checkpoints) thread; unset, Kafka Streams warns at every start. Kafka Streams
    // 4.4's partition assignor builds a second StreamsConfig from the main consumer's configs, which warns again
    // unless the key reaches it too (the consumer then reports it at INFO as "supplied but not used yet").
    p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
    p.put(StreamsConfig.mainConsumerPrefix(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG), true);
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

  public boolean batchOverlap() {
    return getBoolean(BATCH_OVERLAP_CONFIG);
  }

  public long shutdownTimeoutMs() {
    return getLong(SHUTDOWN_TIMEOUT_MS_CONFIG);
  }

  /** The embeddings topic, or empty when embeddings are off. */
  public Optional<String> embeddingsTopic() {
    String t = getString(EMBEDDINGS_TOPIC_CONFIG);
    return t == null || t.isBlank() ? Optional.empty() : Optional.of(t.strip());
  }

  /** The embedding the served models compute: {@link EmbeddingChoice#OFF} without an embeddings topic. */
  public EmbeddingChoice embeddings() {
    if (embeddingsTopic().isEmpty()) {
      return EmbeddingChoice.OFF;
    }
    String pooling = getString(EMBEDDINGS_POOLING_CONFIG);
    String normalize = getString(EMBEDDINGS_NORMALIZE_CONFIG);
    return new EmbeddingChoice(true,
        "model".equals(pooling) ? Optional.empty() : Optional.of(EmbeddingPooling.fromConfigName(pooling)),
        "model".equals(normalize) ? Optional.empty() : Optional.of(Boolean.parseBoolean(normalize)));
  }

  /** The question-answering checkpoint directory, or empty when QA mode is off. */
  public Optional<Path> qaModelDir() {
    String d = getString(QA_MODEL_DIR_CONFIG);
    return d == null || d.isBlank() ? Optional.empty() : Optional.of(Path.of(d));
  }

  public String qaQuestionKey() {
    return getString(QA_QUESTION_KEY_CONFIG);
  }

  public long metricsKafkaRefreshMs() {
    return getLong(METRICS_KAFKA_REFRESH_MS_CONFIG);
  }

  public String tensorflowLogLevel() {
    return getString(TENSORFLOW_LOG_LEVEL_CONFIG);
  }

  public boolean metricsJmxEnabled() {
    return getBoolean(METRICS_JMX_ENABLED_CONFIG);
  }

  /** The labelling topic, or empty when asking for labels is off. */
  public Optional<String> labelingTopic() {
    String t = getString(LABELING_TOPIC_CONFIG);
    return t == null || t.isBlank() ? Optional.empty() : Optional.of(t.strip());
  }

  public double labelingMarginThreshold() {
    return getDouble(LABELING_MARGIN_THRESHOLD_CONFIG);
  }

  public double labelingScoreThreshold() {
    return getDouble(LABELING_SCORE_THRESHOLD_CONFIG);
  }

  public double labelingEntityScoreThreshold() {
    return getDouble(LABELING_ENTITY_SCORE_THRESHOLD_CONFIG);
  }

  public double labelingSampleRate() {
    return getDouble(LABELING_SAMPLE_RATE_CONFIG);
  }

  public int labelingDedupMaxTexts() {
    return getInt(LABELING_DEDUP_MAX_TEXTS_CONFIG);
  }

  public double shadowSampleRate() {
    return getDouble(SHADOW_SAMPLE_RATE_CONFIG);
  }

  public long shadowReportIntervalMs() {
    return getLong(SHADOW_REPORT_INTERVAL_MS_CONFIG);
  }

  /** The instance key file that signs shadow reports, if configured. */
  public Optional<Path> shadowSigningKeyFile() {
    String f = getString(SHADOW_SIGNING_KEY_FILE_CONFIG);
    return f == null || f.isBlank() ? Optional.empty() : Optional.of(Path.of(f));
  }

  /** The configured instance id, or host name and process id. */
  public String instanceId() {
    String id = getString(INSTANCE_ID_CONFIG);
    return id != null && !id.isBlank() ? id : defaultInstanceId();
  }

  /** Host name and process id: the instance id when {@code nlp.instance.id} is empty. */
  public static String defaultInstanceId() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      host = "localhost";
    }
    return host + "-" + ProcessHandle.current().pid();
  }

  public int textMaxWindows() {
    return getInt(TEXT_MAX_WINDOWS_CONFIG);
  }

  /** True for nlp.text.max.windows.policy=truncate. */
  public boolean truncateLongTexts() {
    return getString(TEXT_MAX_WINDOWS_POLICY_CONFIG).equals("truncate");
  }

  public int batchMaxTokens() {
    return getInt(BATCH_MAX_TOKENS_CONFIG);
  }

  /** Share of the transaction timeout (and of max.poll.interval.ms) that one transaction's batches may take. */
  public static final double TRANSACTION_BATCH_SHARE = 0.5;
  /** Kafka Streams' {@code transaction.timeout.ms} under exactly-once unless configured. */
  static final long STREAMS_EOS_TRANSACTION_TIMEOUT_MS = 10_000L;
  /** The consumer's {@code max.poll.interval.ms} unless configured (Kafka Streams keeps it). */
  static final long CONSUMER_MAX_POLL_INTERVAL_MS = 300_000L;

  /**
   * How long the forward passes of one stream thread's transaction may take together: {@value
   * #TRANSACTION_BATCH_SHARE} of the producer's {@code transaction.timeout.ms} under exactly-once (Kafka Streams'
   * 10,000 ms unless {@code producer.transaction.timeout.ms} or {@code transaction.timeout.ms} is set), and never more
   * than that share of the main consumer's {@code max.poll.interval.ms}. The batches of all the thread's tasks share
   * it: a batch is sized to the time left at the model's measured speed, and one that does not fit waits for the next
   * transaction, so that no transaction outlives its timeout and is fenced.
   */
  public long transactionBatchMs() {
    Properties p = streamsProperties();
    long limit = firstLong(p, CONSUMER_MAX_POLL_INTERVAL_MS,
        StreamsConfig.mainConsumerPrefix(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG),
        StreamsConfig.consumerPrefix(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG),
        ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG);
    if (!StreamsConfig.AT_LEAST_ONCE.equals(p.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG))) {
      limit = Math.min(limit, firstLong(p, STREAMS_EOS_TRANSACTION_TIMEOUT_MS,
          StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG),
          ProducerConfig.TRANSACTION_TIMEOUT_CONFIG));
    }
    return Math.max(1, (long) (limit * TRANSACTION_BATCH_SHARE));
  }

  /** The value of the first of {@code keys} that is set, as a number, else {@code fallback}. */
  private static long firstLong(Properties p, long fallback, String... keys) {
    for (String key : keys) {
      Object v = p.get(key);
      if (v != null) {
        try {
          return Long.parseLong(String.valueOf(v).trim());
        } catch (NumberFormatException e) {
          throw new ConfigException(key, v, "not a number");
        }
      }
    }
    return fallback;
  }

  public long errorRetryBackoffMs() {
    return getLong(ERROR_RETRY_BACKOFF_MS_CONFIG);
  }

  public long errorRetryBackoffMaxMs() {
    return getLong(ERROR_RETRY_BACKOFF_MAX_MS_CONFIG);
  }

  public int healthThreadReplacementsMax() {
    return getInt(HEALTH_THREAD_REPLACEMENTS_MAX_CONFIG);
  }

  public long healthThreadReplacementsWindowMs() {
    return getLong(HEALTH_THREAD_REPLACEMENTS_WINDOW_MS_CONFIG);
  }

  /** The HTTP bind address, or empty for all interfaces. */
  public String httpBindAddress() {
    return getString(HTTP_BIND_ADDRESS_CONFIG).trim();
  }

  /**
   * The Avro serdes' settings: every original key, plus defaults of this program unless set: a string limit sized to
   * nlp.text.max.chars (4 UTF-8 bytes per code point and 64 KiB for the id and metadata), and a registry client that
   * gives up within seconds ({@value #SERDE_HTTP_TIMEOUT_MS} ms timeouts, {@value #SERDE_MAX_RETRIES} retry): an
   * unreachable registry then fails the task, which is retried with nlp.error.retry.backoff.ms, instead of holding
   * the stream thread for minutes inside one record's decoding.
   */
  public Map<String, Object> serdeConfigs() {
    Map<String, Object> configs = new HashMap<>(originals);
    long derived = 4L * textMaxChars() + 65_536;
    configs.putIfAbsent(AvroSerdeConfig.LIMITS_STRING_MAX_BYTES_CONFIG,
        (int) Math.min(Integer.MAX_VALUE - 8, derived));
    configs.putIfAbsent(AvroSerdeConfig.HTTP_CONNECT_TIMEOUT_MS_CONFIG, SERDE_HTTP_TIMEOUT_MS);
    configs.putIfAbsent(AvroSerdeConfig.HTTP_READ_TIMEOUT_MS_CONFIG, SERDE_HTTP_TIMEOUT_MS);
    configs.putIfAbsent(AvroSerdeConfig.MAX_RETRIES_CONFIG, SERDE_MAX_RETRIES);
    return configs;
  }

  /** The app's default registry client timeouts (see {@link #serdeConfigs()}). */
  static final int SERDE_HTTP_TIMEOUT_MS = 5_000;
  /** The app's default registry client retries (see {@link #serdeConfigs()}). */
  static final int SERDE_MAX_RETRIES = 1;

  /**
   * What this instance trusts ({@code nlp.model.trusted.keys[.file]}, {@code nlp.model.uri.allowed},
   * {@code nlp.model.max.bytes}, {@code nlp.model.fetch.timeout.ms}, {@code nlp.golden.required}).
   *
   * @throws ConfigException naming the key when a key or prefix is invalid or the key file cannot be read
   */
  public ModelSourcePolicy modelSourcePolicy() {
    TrustedKeys keys;
    try {
      keys = TrustedKeys.parse(getPassword(MODEL_TRUSTED_KEYS_CONFIG).value());
    } catch (IllegalArgumentException e) {
      throw new ConfigException(MODEL_TRUSTED_KEYS_CONFIG + ": " + e.getMessage());
    }
    String file = getString(MODEL_TRUSTED_KEYS_FILE_CONFIG);
    if (file != null && !file.isBlank()) {
      try {
        keys = keys.and(TrustedKeys.read(Path.of(file.strip())));
      } catch (IOException | IllegalArgumentException e) {
        throw new ConfigException(MODEL_TRUSTED_KEYS_FILE_CONFIG + "=" + file + ": " + e.getMessage());
      }
    }
    try {
      return new ModelSourcePolicy(keys,
          ModelSourcePolicy.splitList(getString(MODEL_URI_ALLOWED_CONFIG)),
          getLong(MODEL_MAX_BYTES_CONFIG), Duration.ofMillis(getLong(MODEL_FETCH_TIMEOUT_MS_CONFIG)),
          getBoolean(GOLDEN_REQUIRED_CONFIG), maxEventAge());
    } catch (IllegalArgumentException e) {
      throw new ConfigException(MODEL_URI_ALLOWED_CONFIG + ": " + e.getMessage());
    }
  }

  /** {@code nlp.model.max.event.age}; zero: no limit. */
  public Duration maxEventAge() {
    return parseAge(MODEL_MAX_EVENT_AGE_CONFIG, getString(MODEL_MAX_EVENT_AGE_CONFIG));
  }

  /**
   * A duration given as a number with a unit ({@code ms}, {@code s}, {@code m}, {@code h}, {@code d}) or in ISO-8601
   * ({@code P7D}, {@code PT36H}); empty or {@code 0}: zero.
   *
   * @throws ConfigException naming {@code key} when the value is neither, or negative
   */
  static Duration parseAge(String key, String value) {
    String v = value == null ? "" : value.strip();
    if (v.isEmpty() || v.equals("0")) {
      return Duration.ZERO;
    }
    try {
      Duration d;
      Matcher m = Pattern.compile("(\\d{1,12})\\s*(ms|s|m|h|d)").matcher(v);
      if (m.matches()) {
        long n = Long.parseLong(m.group(1));
        d = switch (m.group(2)) {
          case "ms" -> Duration.ofMillis(n);
          case "s" -> Duration.ofSeconds(n);
          case "m" -> Duration.ofMinutes(n);
          case "h" -> Duration.ofHours(n);
          default -> Duration.ofDays(n);
        };
      } else {
        d = Duration.parse(v.toUpperCase(Locale.ROOT));
      }
      if (d.isNegative()) {
        throw new ConfigException(key + "=" + value + ": a duration must not be negative");
      }
      return d;
    } catch (DateTimeParseException | ArithmeticException e) {
      throw new ConfigException(key + "=" + value + ": not a duration (e.g. 90s, 36h, 7d, P7D)");
    }
  }

  /** The precision of the served forward pass ({@code auto} not yet resolved). */
  public Precision modelPrecision() {
    return Precision.parse(getString(MODEL_PRECISION_CONFIG));
  }

  public double goldenScoreToleranceBf16() {
    return getDouble(GOLDEN_SCORE_TOLERANCE_BF16_CONFIG);
  }

  public double goldenScoreToleranceInt8() {
    return getDouble(GOLDEN_SCORE_TOLERANCE_INT8_CONFIG);
  }

  public double goldenScoreToleranceMax() {
    return getDouble(GOLDEN_SCORE_TOLERANCE_MAX_CONFIG);
  }

  public boolean goldenScoreToleranceFromEvent() {
    return getBoolean(GOLDEN_SCORE_TOLERANCE_FROM_EVENT_CONFIG);
  }

  /** The engine choice ({@code nlp.model.engine}, both precisions, ONNX Runtime's threads and spinning). */
  public ModelLoaders.Settings engineSettings() {
    String onnx = getString(MODEL_ONNXRUNTIME_PRECISION_CONFIG);
    return new ModelLoaders.Settings(ModelLoaders.Engine.parse(getString(MODEL_ENGINE_CONFIG)), modelPrecision(),
        "auto".equals(onnx) ? Optional.empty() : Optional.of(OnnxPrecision.parse(onnx)),
        getInt(MODEL_ONNXRUNTIME_THREADS_CONFIG), getBoolean(MODEL_ONNXRUNTIME_SPINNING_CONFIG));
  }

  public int cacheMaxEntries() {
    return getInt(CACHE_MAX_ENTRIES_CONFIG);
  }

  public long cacheMaxBytes() {
    return getLong(CACHE_MAX_BYTES_CONFIG);
  }

  /** Every original key/value (for the Avro serdes, which read schema.registry.url and friends). */
  public Map<String, Object> originalsMap() {
    return originals;
  }
}
