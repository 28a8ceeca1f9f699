package org.streambert.streams;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streambert.schemas.rollout.ShadowReport;
import org.streambert.schemas.signing.ShadowReportSignatures;
import org.streambert.schemas.signing.SigningKey;
import org.streambert.streams.ops.AppMeters;
import org.streambert.streams.ops.HttpEndpoint;
import org.streambert.streams.ops.KafkaStatusPublisher;
import org.streambert.bert.model.NativeLogLevel;
import org.streambert.streams.ops.NlpMetrics;
import org.streambert.streams.ops.ReplicationCheck;
import org.streambert.streams.ops.RestoreLog;
import org.streambert.streams.ops.StreamThreadSupervisor;
import org.streambert.streams.rollout.ModelRollout;
import org.streambert.streams.rollout.ModelSourcePolicy;
import org.streambert.streams.serving.ModelHolder;
import org.streambert.streams.serving.ModelLoader;
import org.streambert.streams.serving.ModelLoaders;
import org.streambert.streams.serving.QaModel;
import org.streambert.streams.serving.ShadowScorer;

/**
 * The running application: creates missing topics, then starts Kafka Streams over {@link NlpTopology}, the model
 * rollout thread, the rollout-status producer and the HTTP endpoint. {@link #close()} stops them in reverse order;
 * Kafka Streams gets {@code nlp.shutdown.timeout.ms} to finish (pending records stay in the changelogged store).
 */
public final class NlpService implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(NlpService.class);

  private final NlpConfig config;
  private final ModelHolder models;
  private final KafkaStatusPublisher publisher;
  private final ModelRollout rollout;
  private final KafkaStreams streams;
  private final HttpEndpoint http;
  private final StreamThreadSupervisor supervisor;
  private final QaModel qa;
  private final AppMeters meters;
  private final ShadowScorer shadow;

  /** Where shadow reports go: signed with the instance key when one is configured (trainer serve --instance-keys). */
  private Consumer<ShadowReport> shadowReports(SigningKey key) {
    if (key == null) {
      if (config.shadowSampleRate() > 0) {
        LOG.warn("{} is not set: shadow reports are unsigned; a trainer that trusts instance keys ignores them",
            NlpConfig.SHADOW_SIGNING_KEY_FILE_CONFIG);
      }
      return publisher::publish;
    }
    LOG.info("shadow reports are signed with instance key {}", key.id());
    return r -> publisher.publish(ShadowReportSignatures.sign(r, key));
  }

  private NlpService(NlpConfig config, ModelLoader loader, ModelHolder models) throws IOException {
    this.config = config;
    this.models = models;
    NativeLogLevel.apply(config.tensorflowLogLevel()); // before anything loads TensorFlow's natives (QA, rollout)
    // A bad QA directory fails the start before anything touches Kafka.
    qa = config.qaModelDir().map(QaModel::load).orElse(null);
    if (qa != null) {
      LOG.info("question answering on: model {} for records with metadata '{}'", config.qaModelDir().get(),
          config.qaQuestionKey());
    }
    config.embeddingsTopic().ifPresent(t -> LOG.info("embeddings on: {} to topic {}", config.embeddings(), t));
    ModelSourcePolicy policy = config.modelSourcePolicy(); // bad keys or prefixes fail the start, before Kafka
    SigningKey shadowKey = config.shadowSigningKeyFile().isPresent()
        ? SigningKey.read(config.shadowSigningKeyFile().get()) : null;
    if (policy.trustedKeys().isEmpty()) {
      LOG.warn("{} is not set: checkpoint signatures are NOT checked; anyone who can write to {} chooses the model",
          NlpConfig.MODEL_TRUSTED_KEYS_CONFIG, config.checkpointsTopic());
    } else {
      LOG.info("checkpoints must be signed by one of the trusted keys {}", policy.trustedKeys().ids());
    }
    Properties props = config.streamsProperties();
    createTopics(config, props);
    publisher = new KafkaStatusPublisher(config.rolloutStatusTopic(), props);
    rollout = new ModelRollout(config.instanceId(), models, loader, Path.of(config.modelCacheDir()), publisher,
        config.goldenScoreTolerance(), config.batchMaxSize(), policy)
        .withBf16Tolerance(config.goldenScoreToleranceBf16()).withInt8Tolerance(config.goldenScoreToleranceInt8())
        .withMaxGoldenTolerance(config.goldenScoreToleranceMax())
        .withEventTolerances(config.goldenScoreToleranceFromEvent()).withEmbeddings(config.embeddings());
    if (!policy.trustedKeys().isEmpty()) {
      LOG.info("checkpoint events must carry a sequence higher than the last accepted one of their slot; the last "
          + "accepted events are kept in {}{}", rollout.acceptance().acceptedFile().orElse(null),
          policy.maxEventAge().isZero() ? "" : "; events issued more than " + policy.maxEventAge() + " ago are refused");
    }
    meters = new AppMeters(config.instanceId(), config.metricsJmxEnabled());
    // Processors and exception handlers are created by Kafka Streams: they find the metrics in its configuration.
    Properties streamsProps = new Properties();
    streamsProps.putAll(props);
    streamsProps.put(NlpMetrics.CONFIG_KEY, meters.nlp());
    shadow = config.shadowSampleRate() > 0 ? new ShadowScorer(models, config.shadowSampleRate(),
        config.shadowReportIntervalMs(), config.instanceId(), shadowReports(shadowKey)) : null;
    config.labelingTopic().ifPresent(t -> LOG.info("asking for labels on {} when the class margin < {}, the top "
        + "class score < {} or an entity score < {}; sample rate {}", t, config.labelingMarginThreshold(),
        config.labelingScoreThreshold(), config.labelingEntityScoreThreshold(), config.labelingSampleRate()));
    streams = new KafkaStreams(NlpTopology.build(config, new NlpTopology.Models(models, qa, shadow), rollout,
        NlpSerdes.fromConfig(config.serdeConfigs())), streamsProps);
    meters.bind(streams, models, Duration.ofMillis(config.metricsKafkaRefreshMs()));
    supervisor = new StreamThreadSupervisor(config.errorRetryBackoffMs(), config.errorRetryBackoffMaxMs(),
        config.healthThreadReplacementsMax(), config.healthThreadReplacementsWindowMs(), System::currentTimeMillis);
    streams.setUncaughtExceptionHandler(supervisor);
    streams.setGlobalStateRestoreListener(new RestoreLog());
    streams.start();
    http = config.httpPort() < 0 ? null : new HttpEndpoint(config.httpBindAddress(), config.httpPort(),
        HttpEndpoint.appRoutes(streams, models, supervisor, meters::scrape));
    LOG.info("streams-app started: {} -> {} (model '{}', input format {}){}", config.inputTopic(),
        config.outputTopic(), config.modelName(), config.inputFormat(),
        http == null ? "" : ", http on port " + http.port());
  }

  /** Starts the application with the model loader named by the configuration (see {@link #loaderFor}). */
  public static NlpService start(NlpConfig config) throws IOException {
    return start(config, loaderFor(config), new ModelHolder(config.modelName()));
  }

  /** Starts the application with the given loader and holder (tests, the embedded demo). */
  public static NlpService start(NlpConfig config, ModelLoader loader, ModelHolder models) throws IOException {
    return new NlpService(config, loader, models);
  }

  /** The loader of {@code nlp.model.loader.class}, else the engine choice of {@code nlp.model.engine} (see
   * {@link ModelLoaders}). */
  public static ModelLoader loaderFor(NlpConfig config) {
    try {
      return ModelLoaders.create(config.modelLoaderClass(), config.engineSettings());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(NlpConfig.MODEL_LOADER_CLASS_CONFIG + "=" + e.getMessage(), e);
    }
  }

  /**
   * Creates the missing topics: input, output, dead-letter, checkpoints (compacted), rollout status, embeddings, with
   * the cluster's default partitions and replication; then warns about replication a broker loss could cost records
   * with ({@link ReplicationCheck}).
   */
  static void createTopics(NlpConfig config, Properties props) {
    Properties adminProps = new Properties();
    props.forEach((k, v) -> {
      if (AdminClientConfig.configNames().contains(String.valueOf(k))) {
        adminProps.put(k, v);
      }
    });
    try (Admin admin = Admin.create(adminProps)) {
      Set<String> existing = admin.listTopics().names().get(60, TimeUnit.SECONDS);
      List<NewTopic> missing = new ArrayList<>();
      List<String> topics = new ArrayList<>(List.of(config.inputTopic(), config.outputTopic(), config.dlqTopic(),
          config.rolloutStatusTopic()));
      config.embeddingsTopic().ifPresent(topics::add);
      config.labelingTopic().ifPresent(topics::add);
      for (String t : topics) {
        if (!existing.contains(t)) {
          missing.add(new NewTopic(t, Optional.empty(), Optional.empty()));
        }
      }
      if (!existing.contains(config.checkpointsTopic())) {
        missing.add(new NewTopic(config.checkpointsTopic(), Optional.of(1), Optional.empty())
            .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
      }
      for (NewTopic t : missing) {
        try {
          admin.createTopics(List.of(t)).all().get(60, TimeUnit.SECONDS);
          LOG.info("created topic {}", t.name());
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw new IllegalStateException("cannot create topic " + t.name() + ": " + e.getCause(), e.getCause());
          }
        }
      }
      topics.add(config.checkpointsTopic());
      warnAboutReplication(admin, topics, props);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot list topics: " + e, e);
    }
  }

  /**
   * Logs a warning per topic that a broker loss could cost records, or a rolling restart could stall
   * ({@link ReplicationCheck}); a client without the permission to describe configs only says so.
   */
  private static void warnAboutReplication(Admin admin, List<String> topics, Properties props) {
    int internal = Integer.parseInt(String.valueOf(props.getOrDefault(StreamsConfig.REPLICATION_FACTOR_CONFIG, "-1")));
    try {
      ReplicationCheck.check(admin, topics, internal).forEach(w -> LOG.warn("replication: {}", w));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      LOG.info("could not check the replication of the app's topics: {}", e.toString());
    }
  }

  public KafkaStreams streams() {
    return streams;
  }

  public ModelHolder models() {
    return models;
  }

  /** Replacements of failed stream threads, and whether the global thread died. */
  public StreamThreadSupervisor supervisor() {
    return supervisor;
  }

  public ModelRollout rollout() {
    return rollout;
  }

  /** Port of the HTTP endpoint, or -1 if disabled. */
  public int httpPort() {
    return http == null ? -1 : http.port();
  }

  @Override
  public void close() {
    // A dynamic member leaves the group so that its partitions move to other instances at once, not after
    // session.timeout.ms. A static member (group.instance.id) stays: an instance restarted within the session timeout
    // gets its tasks back without a rebalance, which is what static membership is for (rolling restarts).
    boolean staticMember = isStaticMember(config.streamsProperties());
    boolean closed = streams.close(CloseOptions
        .groupMembershipOperation(staticMember ? CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP
            : CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
        .withTimeout(Duration.ofMillis(config.shutdownTimeoutMs())));
    if (!closed) {
      LOG.warn("Kafka Streams did not close within {} ms", config.shutdownTimeoutMs());
    }
    if (http != null) {
      http.close();
    }
    rollout.close();
    if (shadow != null) {
      shadow.close();
    }
    publisher.close();
    models.close();
    if (qa != null) {
      qa.close();
    }
    meters.close();
  }

  /** Whether the configuration names a {@code group.instance.id} (static membership) for the main consumer. */
  static boolean isStaticMember(Properties streamsProperties) {
    String key = ConsumerConfig.GROUP_INSTANCE_ID_CONFIG;
    return streamsProperties.containsKey(key) || streamsProperties.containsKey(StreamsConfig.consumerPrefix(key))
        || streamsProperties.containsKey(StreamsConfig.mainConsumerPrefix(key));
  }

  /** This application's metrics (meters in the registry that {@code /metrics} renders). */
  public NlpMetrics metrics() {
    return meters.nlp();
  }
}
