package org.streambert.streams.rollout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streambert.bert.bundle.BundleException;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.bundle.ModelDescriptor;
import org.streambert.bert.inference.Entity;
import org.streambert.bert.inference.LabelScore;
import org.streambert.bert.inference.Prediction;
import org.streambert.bert.model.NonFiniteWeightException;
import org.streambert.schemas.avro.GoldenExample;
import org.streambert.schemas.avro.Head;
import org.streambert.schemas.avro.HeadType;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.avro.ModelStage;
import org.streambert.schemas.rollout.RolloutStatus;
import org.streambert.streams.rollout.internals.BundleFetcher;
import org.streambert.streams.serving.EmbeddingChoice;
import org.streambert.streams.serving.LoadedModel;
import org.streambert.streams.serving.ModelHolder;
import org.streambert.streams.serving.ModelLoader;
import org.streambert.streams.serving.ServingEngine;
import org.streambert.streams.serving.ServingModel;

/**
 * Continuous rollout: loads the model named by each checkpoint event on its own thread (never a stream thread) and
 * swaps it into the {@link ModelHolder} only after every check passed:
 *
 * <ol>
 *   <li>before anything is fetched, {@link CheckpointAcceptance} (the {@link ModelSourcePolicy}: signature by a
 *       trusted key, bundle location in the allow-list, golden examples present; freshness; a signed sequence higher
 *       than the last accepted one of its slot, kept under {@link #ACCEPTED_DIR} across restarts; a refused event
 *       neither replaces nor cancels the one loading);</li>
 *   <li>fetch the bundle ({@link BundleFetcher}) into a private copy, hashed as it is written, that alone is checked
 *       and loaded from here on (never the store, which could change in between); sha256 of its
 *       {@code MANIFEST.json} must equal the event's {@code manifestSha256};</li>
 *   <li>{@link ModelBundle#open} verifies every file hash, model.json and the vocabulary size;</li>
 *   <li>model.json must name the event's model and version, and have the event's heads (type and labels);</li>
 *   <li>the {@link ModelLoader} loads tokenizer and forward pass; the predictor checks vocabulary size and heads
 *       against them;</li>
 *   <li>weights finite: a loader that finds NaN or infinite weights ({@link NonFiniteWeightException}: TensorFlow
 *       reads every variable once after loading, ONNX bundles check their initializers) refuses the bundle;</li>
 *   <li>warm-up prediction, then every golden example: every score finite, label equal, each expected label score
 *       (finite) within the tolerance of the precision the loader serves at (fp32, bf16 or int8),
 *       entities equal in type/start/end (when the model has a token classification head).</li>
 * </ol>
 *
 * A loader may offer several engines and precisions for a bundle, fastest first ({@link ModelLoader#options}): steps
 * 5 and 6 run for each in turn until one passes, which serves; the ones refused before it are named in the status
 * ({@link RolloutStatus#engineRefusals()}). A bad bundle ({@link BundleException}, e.g. an ONNX file that fails its
 * hash or op checks) is refused at once, whatever engine comes next.
 *
 * A failure of any step refuses the checkpoint: the previous model keeps serving, the refusal is logged, counted
 * ({@link ModelHolder#refusals()}) and published as a {@link RolloutStatus}. A rollback is a new event (with a
 * higher sequence) naming an older version; the old event produced again is a replay and refused. Events of other model names are ignored; of several events arriving while a load runs, only the
 * latest is loaded next, and a newer accepted event cancels a download still in progress. An
 * {@link OutOfMemoryError} or {@link LinkageError} while loading refuses the checkpoint like any other failure.
 *
 * <p>Stages ({@code ModelCheckpoint.stage}): a {@code PROMOTED} event is served; a {@code CANDIDATE} goes through the
 * same steps and is then held beside the serving model ({@link ModelHolder#swapCandidate}) for shadow scoring only;
 * a {@code RETIRED} event unloads that candidate. Promoting the candidate's version drops the candidate slot.
 *
 * <p>Every accepted event is a {@link RolloutAttempt} moving through the {@link RolloutState}s, one slot
 * ({@link Slots}) per stage: {@link #newest} says where the newest event of a slot stands, {@link #active} which one
 * fills it.
 *
 * <p><b>The newest acceptable event serves, never an older one (issue 29).</b> The serving slot remembers the last
 * {@link #FALLBACK_DEPTH} PROMOTED events it could know — accepted ones, and older ones the gate found as history
 * earlier in the topic (a restart replays the compacted topic) — ordered by their signed sequence (by arrival without
 * keys). The slot aims at the newest of them not refused at load: when the newest event is refused, the next older
 * one is tried (each refusal published as usual), down to the model already serving and never below it. A load that
 * finishes after a newer acceptable event became known is discarded ({@link RolloutState#SUPERSEDED}), so a new
 * instance whose restore replays v1..v8 does not serve v1 while v8 loads. When every event it knows is refused it
 * serves nothing, and {@code /ready} says why (the last refusal).
 */
public final class ModelRollout implements CheckpointListener, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ModelRollout.class);

  /**
   * Golden score tolerance for a model served in bf16, unless {@link #withBf16Tolerance} says otherwise; also the
   * default of {@code nlp.golden.score.tolerance.bf16} (whose documentation says where 0.05 comes from).
   */
  public static final double DEFAULT_BF16_TOLERANCE = 0.05;

  /**
   * Golden score tolerance for a model served in int8, unless {@link #withInt8Tolerance} says otherwise; also the
   * default of {@code nlp.golden.score.tolerance.int8} (whose documentation says where the figure comes from).
   */
  public static final double DEFAULT_INT8_TOLERANCE = 0.2;

  /**
   * Largest golden tolerance an event may carry for the engine a model is served on, unless
   * {@link #withMaxGoldenTolerance} says otherwise; also the default of {@code nlp.golden.score.tolerance.max}: the
   * loosest configured default (int8's), so an event can tighten the check but never loosen it beyond that.
   */
  public static final double DEFAULT_MAX_GOLDEN_TOLERANCE = DEFAULT_INT8_TOLERANCE;

  /** Text of the warm-up prediction (first runs of a graph are slow; keep that out of the first batch). */
  public static final String WARM_UP_TEXT = "warm up the model";

  /** Directory under the model cache that keeps the checkpoint events this instance accepted, one file per model. */
  public static final String ACCEPTED_DIR = "accepted-checkpoints";

  /** How many PROMOTED events the serving slot remembers to fall back on when the newest is refused. */
  public static final int FALLBACK_DEPTH = 16;

  private final String instanceId;
  private final ModelHolder holder;
  private final ModelLoader loader;
  private final BundleFetcher fetcher;
  private final RolloutStatusPublisher publisher;
  private final double tolerance;
  private volatile double bf16Tolerance = DEFAULT_BF16_TOLERANCE;
  private volatile double int8Tolerance = DEFAULT_INT8_TOLERANCE;
  private volatile double maxGoldenTolerance = DEFAULT_MAX_GOLDEN_TOLERANCE;
  private volatile boolean eventTolerances = true;
  private volatile EmbeddingChoice embeddings = EmbeddingChoice.OFF;
  private final int maxBatchSize;
  private final ExecutorService executor;
  private final ExecutorService statusExecutor;
  private final CheckpointAcceptance acceptance;
  private final Slot serving = new Slot(Slots.SERVING);
  private final Slot candidate = new Slot(Slots.CANDIDATE);
  /** PROMOTED events the serving slot may fall back on, oldest first ({@link #FALLBACK_ORDER}); guarded by itself. */
  private final List<Known> known = new ArrayList<>();
  /** Events refused at load (never tried again), newest last, bounded; guarded by {@link #known}. */
  private final Set<String> refusedAtLoad = new LinkedHashSet<>();
  private long arrivals;
  /** A {@link #settle} task is queued and has not started. */
  private final AtomicBoolean settleQueued = new AtomicBoolean();
  /** When the last history event (older than the accepted one) became known; {@link #settle} waits for a pause. */
  private volatile long lastHistoryNanos = System.nanoTime() - HISTORY_QUIET_NANOS;
  /**
   * How long {@link #settle} waits after a history event arrived before it picks a fallback: a restore delivers the
   * topic's history oldest first within milliseconds, so without the pause the first one could be loaded and served
   * before the newer ones are known.
   */
  private static final long HISTORY_QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
  /** Queued and running loader tasks, for {@link #awaitIdle}. */
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Object idle = new Object();
  private volatile java.util.function.Consumer<ModelBundle> beforeLoad = bundle -> { };

  /**
   * @param tolerance    largest accepted absolute difference of a golden example's label score
   * @param maxBatchSize texts per forward pass of the loaded predictors
   */
  public ModelRollout(String instanceId, ModelHolder holder, ModelLoader loader, Path cacheDir,
      RolloutStatusPublisher publisher, double tolerance, int maxBatchSize) {
    this(instanceId, holder, loader, cacheDir, publisher, tolerance, maxBatchSize, ModelSourcePolicy.defaults());
  }

  /**
   * @param cacheDir where bundles are downloaded, and where {@link #ACCEPTED_DIR} keeps the events this instance
   *     accepted (so that a restart still refuses older ones; read now)
   * @param policy   what this instance trusts: keys, locations, download bounds, golden examples, event age
   * @throws UncheckedIOException when the record of accepted events exists but cannot be read
   */
  public ModelRollout(String instanceId, ModelHolder holder, ModelLoader loader, Path cacheDir,
      RolloutStatusPublisher publisher, double tolerance, int maxBatchSize, ModelSourcePolicy policy) {
    try {
      this.acceptance = new CheckpointAcceptance(policy, acceptedFile(cacheDir, holder.modelName()),
          Clock.systemUTC());
    } catch (IOException e) {
      throw new UncheckedIOException(e.getMessage(), e);
    }
    this.instanceId = Objects.requireNonNull(instanceId, "instanceId");
    this.holder = Objects.requireNonNull(holder, "holder");
    this.loader = Objects.requireNonNull(loader, "loader");
    this.fetcher = new BundleFetcher(cacheDir, policy);
    prune(); // copies a crash or an earlier run left: nothing is loaded yet
    this.publisher = Objects.requireNonNull(publisher, "publisher");
    this.tolerance = tolerance;
    this.maxBatchSize = maxBatchSize;
    this.executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "nlp-model-loader");
      t.setDaemon(true);
      return t;
    });
    this.statusExecutor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "nlp-rollout-refusals");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Sets the golden score tolerance for models that the loader runs in bf16 (golden scores are fp32 figures; the
   * constructor's tolerance applies to fp32 models). Call before the first checkpoint.
   */
  public ModelRollout withBf16Tolerance(double tolerance) {
    if (!(tolerance >= 0 && tolerance <= 1)) {
      throw new IllegalArgumentException("bf16 tolerance must be in [0, 1], not " + tolerance);
    }
    this.bf16Tolerance = tolerance;
    return this;
  }

  /**
   * Sets the golden score tolerance for models served in int8 (dynamically quantized activations and int8 weights
   * move class probabilities further than bf16). Call before the first checkpoint.
   */
  public ModelRollout withInt8Tolerance(double tolerance) {
    if (!(tolerance >= 0 && tolerance <= 1)) {
      throw new IllegalArgumentException("int8 tolerance must be in [0, 1], not " + tolerance);
    }
    this.int8Tolerance = tolerance;
    return this;
  }

  /**
   * Sets the largest golden tolerance an event may carry for the engine a model is served on (its
   * {@code goldenTolerances}, measured by the trainer): above it the model is refused on that engine. Call before the
   * first checkpoint.
   */
  public ModelRollout withMaxGoldenTolerance(double tolerance) {
    if (!(tolerance >= 0 && tolerance <= 1)) {
      throw new IllegalArgumentException("max golden tolerance must be in [0, 1], not " + tolerance);
    }
    this.maxGoldenTolerance = tolerance;
    return this;
  }

  /**
   * Whether the golden check uses the tolerance an event measured for the served engine ({@code true}, the default)
   * or always the configured tolerance of the precision ({@code false}: e.g. instances on a CPU whose int8 or bf16
   * kernels move the golden scores further than the trainer's did). Call before the first checkpoint.
   */
  public ModelRollout withEventTolerances(boolean use) {
    this.eventTolerances = use;
    return this;
  }

  /**
   * Sets the embedding the loaded models serve ({@link EmbeddingChoice#OFF} unless called: BERT's pooled output, no
   * sequence output fetched). Call before the first checkpoint.
   */
  public ModelRollout withEmbeddings(EmbeddingChoice embeddings) {
    this.embeddings = Objects.requireNonNull(embeddings, "embeddings");
    return this;
  }

  /** The two places a model of the followed name can fill on this instance. */
  public enum Slots {
    /** The model that serves every batch: PROMOTED events. */
    SERVING,
    /** The model scored in shadow beside it: CANDIDATE events (RETIRED events empty it). */
    CANDIDATE
  }

  /**
   * One slot's state. {@code newest} is the newest accepted event (set on the global stream thread; a queued loader
   * task whose event is no longer the newest is superseded), {@code active} the event whose model fills the slot and
   * {@code fetch} the download in progress (both loader thread).
   */
  private static final class Slot {
    final Slots name;
    final AtomicReference<RolloutAttempt> newest = new AtomicReference<>();
    volatile RolloutAttempt active;
    /** The private copy of the bundle whose model fills the slot (loader thread). */
    volatile Path dir;
    volatile BundleFetcher.Control fetch;

    Slot(Slots name) {
      this.name = name;
    }
  }

  /** The newest accepted event of {@code slot} and where it stands, or empty before the first. */
  public Optional<RolloutAttempt> newest(Slots slot) {
    return Optional.ofNullable(slot(slot).newest.get());
  }

  /** The event whose model fills {@code slot} (state {@link RolloutState#SERVING} or {@link RolloutState#SHADOW}). */
  public Optional<RolloutAttempt> active(Slots slot) {
    return Optional.ofNullable(slot(slot).active);
  }

  private Slot slot(Slots name) {
    return name == Slots.SERVING ? serving : candidate;
  }

  /**
   * The file under {@code cacheDir} that keeps the events accepted for {@code modelName}: the name itself when it is
   * a plain file name, else its SHA-256.
   */
  public static Path acceptedFile(Path cacheDir, String modelName) {
    String name = modelName.matches("[A-Za-z0-9._-]{1,100}") && !modelName.startsWith(".") ? modelName
        : "sha256-" + sha256(modelName);
    return cacheDir.resolve(ACCEPTED_DIR).resolve(name + ".avro");
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The gate every event of the followed model passes on arrival. */
  public CheckpointAcceptance acceptance() {
    return acceptance;
  }

  /**
   * Puts the checkpoint through the gate ({@link #onArrival} at an unknown offset) and, if it is for this holder's
   * model and accepted, queues it: a {@code PROMOTED} event for serving (unless it is the version already serving), a
   * {@code CANDIDATE} for shadow scoring beside the serving model (through the same checks), a {@code RETIRED} one
   * to unload the candidate. Events of a stage this version does not know are ignored.
   */
  @Override
  public void onCheckpoint(ModelCheckpoint checkpoint) {
    onArrival(checkpoint, -1, -1);
  }

  /**
   * Puts an event of the followed model through {@link CheckpointAcceptance} (the gate), then acts on an accepted
   * one as {@link #onCheckpoint} says; a refused one is reported, one the gate finds superseded (history older than
   * the accepted event) only logged. Events of other models are ignored and may be stored.
   */
  @Override
  public boolean onArrival(ModelCheckpoint checkpoint, int partition, long offset) {
    if (checkpoint == null || !holder.modelName().equals(checkpoint.getModelName())) {
      return true;
    }
    CheckpointAcceptance.Decision decision = acceptance.admit(checkpoint, partition, offset);
    switch (decision.verdict()) {
      case ACCEPTED -> {
        if (remember(checkpoint, true) || checkpoint.getStage() != ModelStage.PROMOTED) {
          act(checkpoint);
        } else { // e.g. the global store handing the event over again at start-up
          LOG.info("not loading checkpoint {} {} again: it was refused at load by this run", checkpoint.getModelName(),
              checkpoint.getVersion());
          settleLater(); // the history before it has arrived by now
        }
      }
      case REFUSED -> {
        long start = System.nanoTime();
        new RolloutAttempt(checkpoint).moveTo(RolloutState.REFUSED, decision.reason());
        refuse(checkpoint, decision.reason(), null, () -> statusExecutor.execute(
            () -> publish(checkpoint, RolloutStatus.REFUSED, decision.reason(), start)));
      }
      case SUPERSEDED -> {
        LOG.debug("not loading checkpoint {} {}: {}", checkpoint.getModelName(), checkpoint.getVersion(),
            decision.reason());
        if (remember(checkpoint, false)) {
          lastHistoryNanos = System.nanoTime();
          settleLater(); // history older than the accepted event: a fallback, should that one be refused
        }
      }
      default -> throw new IllegalStateException("unknown verdict " + decision.verdict());
    }
    return decision.accepted();
  }

  /** An accepted event of the followed model: queue its slot's load, unless it changes nothing. */
  private void act(ModelCheckpoint checkpoint) {
    ModelStage stage = checkpoint.getStage();
    if (stage == ModelStage.CANDIDATE || stage == ModelStage.RETIRED) {
      ServingModel shadow = holder.peekCandidate().orElse(null);
      if (stage == ModelStage.CANDIDATE && (shadow != null && sameModel(shadow, checkpoint)
          || checkpoint.getVersion().equals(holder.currentVersion()))) {
        return; // already in shadow, or already promoted and serving
      }
      enqueue(checkpoint, candidate);
      return;
    }
    if (stage != ModelStage.PROMOTED) {
      LOG.warn("ignoring checkpoint {} {} of unknown stage", checkpoint.getModelName(), checkpoint.getVersion());
      return;
    }
    ServingModel model = holder.peek().orElse(null);
    if (model != null && sameModel(model, checkpoint)) {
      return; // e.g. the global store replaying the current event after a restart
    }
    enqueue(checkpoint, serving);
  }

  /** The event of the followed model {@link CheckpointAcceptance} accepted last under {@code key}, or null. */
  @Override
  public ModelCheckpoint lastAccepted(String key) {
    return acceptance.lastAccepted(key).orElse(null);
  }

  private static boolean sameModel(ServingModel model, ModelCheckpoint checkpoint) {
    return model.version().equals(checkpoint.getVersion())
        && model.manifestSha256().equals(checkpoint.getManifestSha256());
  }

  /** Queues a load of {@code checkpoint} unless a newer event of the same slot replaces it first. */
  private void enqueue(ModelCheckpoint checkpoint, Slot slot) {
    // An event equal to the newest one (the global store hands the restored checkpoint over twice at start-up:
    // while restoring and in init) is dropped: its load is queued already. Only the global stream thread calls this
    // method, so get-then-set is not racy.
    RolloutAttempt previous = slot.newest.get();
    if (previous != null && checkpoint.equals(previous.checkpoint())) {
      return;
    }
    RolloutAttempt attempt = new RolloutAttempt(checkpoint); // accepted by the gate in onArrival
    attempt.moveTo(RolloutState.QUEUED, null);
    slot.newest.set(attempt);
    BundleFetcher.Control running = slot.fetch;
    if (running != null) {
      running.cancel("superseded: a newer checkpoint event for " + checkpoint.getModelName() + " arrived");
    }
    inFlight.incrementAndGet();
    executor.execute(() -> {
      try {
        if (slot.newest.get() != attempt) {
          attempt.moveTo(RolloutState.SUPERSEDED, "superseded: a newer checkpoint event for "
              + checkpoint.getModelName() + " arrived");
        } else if (checkpoint.getStage() == ModelStage.RETIRED) {
          retire(attempt);
        } else {
          load(attempt, slot, attempt);
        }
        if (slot == serving) {
          settle();
        }
      } finally {
        if (inFlight.decrementAndGet() == 0) {
          synchronized (idle) {
            idle.notifyAll();
          }
        }
      }
    });
  }

  /** Unloads the candidate named by a RETIRED event (a candidate of another version stays). */
  private void retire(RolloutAttempt attempt) {
    ModelCheckpoint cp = attempt.checkpoint();
    long start = System.nanoTime();
    String shadow = holder.candidateVersion();
    attempt.moveTo(RolloutState.RETIRED, null);
    if (shadow != null && shadow.equals(cp.getVersion())) {
      holder.swapCandidate(null);
      vacate(candidate, RolloutState.RETIRED);
      prune();
      LOG.info("candidate {} {} retired: shadow scoring stopped", cp.getModelName(), cp.getVersion());
      publish(cp, RolloutStatus.CANDIDATE_RETIRED, null, start);
    }
  }

  /** The event whose model filled {@code slot} leaves it ({@code REPLACED} or {@code RETIRED}). */
  private static void vacate(Slot slot, RolloutState why) {
    RolloutAttempt previous = slot.active;
    slot.active = null;
    slot.dir = null;
    if (previous != null) {
      previous.moveTo(why, null);
    }
  }

  /** A PROMOTED event the serving slot may fall back on, with its place in {@link #FALLBACK_ORDER}. */
  private record Known(ModelCheckpoint checkpoint, long sequence, long arrival) {
  }

  /** Signed sequence first (an event without one orders below every sequenced one), then arrival. */
  private static final Comparator<Known> FALLBACK_ORDER = Comparator.comparingLong(Known::sequence)
      .thenComparingLong(Known::arrival);

  /** The event's identity for the fallback list: what its signature covers that tells events apart. */
  private static String eventKey(ModelCheckpoint cp) {
    // createdAt and issuedAt too: an event re-issued for the same bundle (unsigned, or by `trainer refresh`) is a new
    // event to try, while the global store handing the same event over again is not
    return cp.getVersion() + "|" + cp.getManifestSha256() + "|" + cp.getSequence() + "|" + cp.getBundleUri() + "|"
        + cp.getCreatedAt() + "|" + cp.getIssuedAt();
  }

  /**
   * Remembers a PROMOTED event of the followed model as a possible fallback (global stream thread). An accepted
   * event ({@code accepted}) is (re)placed as the newest arrival; history the gate found earlier in the topic is added
   * only when not known. An event refused at load by this run is never added again (the global store hands events
   * over more than once at start-up; a retry is a new event, as {@code trainer refresh} issues). Returns whether the
   * list changed.
   */
  private boolean remember(ModelCheckpoint cp, boolean accepted) {
    if (cp.getStage() != ModelStage.PROMOTED) {
      return false;
    }
    String key = eventKey(cp);
    synchronized (known) {
      boolean isKnown = known.stream().anyMatch(k -> eventKey(k.checkpoint()).equals(key));
      if (refusedAtLoad.contains(key) || !accepted && isKnown) {
        return false;
      }
      known.removeIf(k -> eventKey(k.checkpoint()).equals(key));
      // Without trusted keys a sequence proves nothing (the gate does not check it): the topic's order decides.
      boolean signedOrder = !acceptance.policy().trustedKeys().isEmpty() && cp.getSequence() != null;
      known.add(new Known(cp, signedOrder ? cp.getSequence() : -1, arrivals++));
      known.sort(FALLBACK_ORDER);
      while (known.size() > FALLBACK_DEPTH) {
        known.remove(0);
      }
      return true;
    }
  }

  /** An event refused at load is never a fallback again (loader thread). */
  private void forgetRefused(ModelCheckpoint cp) {
    String key = eventKey(cp);
    synchronized (known) {
      known.removeIf(k -> eventKey(k.checkpoint()).equals(key));
      refusedAtLoad.add(key);
      if (refusedAtLoad.size() > 4 * FALLBACK_DEPTH) {
        refusedAtLoad.remove(refusedAtLoad.iterator().next());
      }
    }
  }

  /** The newest event the serving slot may serve: the newest known one not refused at load, or null. */
  private ModelCheckpoint target() {
    synchronized (known) {
      return known.isEmpty() ? null : known.get(known.size() - 1).checkpoint();
    }
  }

  private boolean isKnown(ServingModel model) {
    synchronized (known) {
      return known.stream().anyMatch(k -> sameModel(model, k.checkpoint()));
    }
  }

  private boolean isTarget(ModelCheckpoint cp) {
    ModelCheckpoint target = target();
    return target == null || eventKey(target).equals(eventKey(cp));
  }

  /** Queues one {@link #settle} on the loader thread unless one is queued already (global stream thread). */
  private void settleLater() {
    if (!settleQueued.compareAndSet(false, true)) {
      return;
    }
    inFlight.incrementAndGet();
    executor.execute(() -> {
      try {
        settleQueued.set(false);
        settle();
      } finally {
        if (inFlight.decrementAndGet() == 0) {
          synchronized (idle) {
            idle.notifyAll();
          }
        }
      }
    });
  }

  /**
   * Brings the serving slot to the newest acceptable event (loader thread): while the newest known event is neither
   * serving nor waiting for its own load, it is loaded as a fallback; each refusal removes it, so the next older one
   * is tried, down to the model serving (which is known, so never passed). Returns once a model serves the target, a
   * newer event takes over, or nothing is left (then nothing serves, and /ready gives the last refusal).
   */
  private void settle() {
    for (long left; (left = lastHistoryNanos + HISTORY_QUIET_NANOS - System.nanoTime()) > 0; ) {
      try {
        TimeUnit.NANOSECONDS.sleep(left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt(); // closing
        return;
      }
    }
    for (int tries = 0; tries <= FALLBACK_DEPTH; tries++) {
      ModelCheckpoint target = target();
      RolloutAttempt newest = serving.newest.get();
      if (target == null || newest != null && !newest.state().isTerminal()) {
        return; // nothing to serve, or the newest event's own task is still to run
      }
      ServingModel current = holder.peek().orElse(null);
      if (current != null && (sameModel(current, target) || !isKnown(current))) {
        return; // the newest acceptable event serves (or what serves is not in the list: never step back blindly)
      }
      RolloutAttempt attempt = new RolloutAttempt(target);
      String why = "fallback: " + (newest == null ? "no newer event" : "the newest event (version "
          + newest.checkpoint().getVersion() + ") is " + newest.state()) + "; trying the newest acceptable one known";
      attempt.moveTo(RolloutState.QUEUED, why);
      LOG.info("model {}: {} (version {})", holder.modelName(), why, target.getVersion());
      load(attempt, serving, newest);
      if (attempt.state() != RolloutState.REFUSED) {
        return; // serving, or superseded by a newer event whose task takes over
      }
    }
  }

  /** Waits until no checkpoint is queued or loading; true if idle within the timeout. */
  public boolean awaitIdle(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (idle) {
      while (inFlight.get() > 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(idle, left);
      }
    }
    return true;
  }

  /**
   * Fetches, verifies, loads and checks the event's model, then puts it into its slot; refuses it on any failure.
   * {@code owner} is the slot's newest attempt this load works for (the attempt itself, or the refused newest one
   * whose fallback this is): once another is newest, the load is superseded.
   */
  private void load(RolloutAttempt attempt, Slot slot, RolloutAttempt owner) {
    ModelCheckpoint cp = attempt.checkpoint();
    long start = System.nanoTime();
    ServingModel model = null;
    List<String> engineRefusals = new ArrayList<>();
    try {
      attempt.moveTo(RolloutState.FETCHING, null);
      BundleFetcher.Control control = new BundleFetcher.Control();
      slot.fetch = control;
      Path dir;
      try {
        if (slot.newest.get() != owner) {
          throw new RefusedException("superseded: a newer checkpoint event for " + cp.getModelName() + " arrived");
        }
        dir = fetcher.fetch(cp.getBundleUri(), cp.getModelName(), cp.getVersion(), cp.getManifestSha256(), control);
      } finally {
        slot.fetch = null;
      }
      ModelBundle bundle = ModelBundle.open(dir);
      if (!bundle.manifestSha256().equalsIgnoreCase(cp.getManifestSha256())) {
        throw new RefusedException("manifest.sha256: the bundle changed while it was read");
      }
      attempt.moveTo(RolloutState.LOADING, null);
      checkDescriptor(bundle.model(), cp);
      beforeLoad.accept(bundle);
      model = loadFirstPassing(bundle, cp, engineRefusals);
      if (slot == serving && (slot.newest.get() != owner || !isTarget(cp))) {
        attempt.moveTo(RolloutState.SUPERSEDED, "superseded: a newer acceptable checkpoint event for "
            + cp.getModelName() + " became known while it loaded");
        LOG.info("model {} {} loaded but not served: a newer acceptable event became known meanwhile",
            cp.getModelName(), cp.getVersion());
        return; // the finally block discards it; the newer event's task (or settle) loads that one
      }
      boolean isCandidate = slot == candidate;
      if (isCandidate) {
        holder.swapCandidate(model);
      } else {
        holder.swap(model);
      }
      vacate(slot, RolloutState.REPLACED);
      slot.active = attempt;
      slot.dir = dir;
      attempt.moveTo(isCandidate ? RolloutState.SHADOW : RolloutState.SERVING, null);
      if (!isCandidate && cp.getVersion().equals(holder.candidateVersion())) {
        holder.swapCandidate(null); // the candidate was promoted: it serves now, nothing left to shadow
        vacate(candidate, RolloutState.RETIRED);
      }
      ServingEngine engine = model.engine();
      model = null;
      publish(cp, isCandidate ? RolloutStatus.CANDIDATE_LOADED : RolloutStatus.LOADED, null, start, engine,
          engineRefusals);
    } catch (Exception | LinkageError | OutOfMemoryError | StackOverflowError e) {
      // An Error from a load (a native library, a graph too large for the heap) must end in a refusal, not a
      // silently dead loader thread; the failed attempt's memory is unreachable once this returns.
      String reason = e instanceof RefusedException || e instanceof IOException
          ? e.getMessage() : e.getClass().getSimpleName() + ": " + e.getMessage();
      // A download cancelled by a newer event of its slot is superseded; it is still reported as refused (the
      // status topic's contract), with a reason that says so.
      boolean superseded = attempt.state() == RolloutState.FETCHING && slot.newest.get() != owner;
      attempt.moveIfValid(superseded ? RolloutState.SUPERSEDED : RolloutState.REFUSED, reason);
      if (slot == serving && !superseded) {
        forgetRefused(cp);
      }
      refuse(cp, reason, e instanceof RefusedException ? null : e, () -> publish(cp, RolloutStatus.REFUSED, reason,
          start, null, engineRefusals));
    } finally {
      if (model != null) {
        model.discard();
      }
      prune(); // the copies of refused, replaced and retired models
    }
  }

  /**
   * Deletes the private bundle copies no slot uses (loader thread, or the constructor before it starts). A rollback
   * copies its bundle from the store again.
   */
  private void prune() {
    try {
      fetcher.retainOnly(holder.modelName(), java.util.Arrays.asList(serving.dir, candidate.dir));
    } catch (IOException | RuntimeException e) {
      LOG.warn("could not delete unused bundle copies of {}", holder.modelName(), e);
    }
  }

  /**
   * Test seam: runs after the bundle copy is verified and before the loader opens it, on the loader thread (e.g. to
   * change the store meanwhile). Package-private on purpose.
   */
  void beforeLoad(java.util.function.Consumer<ModelBundle> hook) {
    this.beforeLoad = Objects.requireNonNull(hook, "hook");
  }

  /**
   * Loads the loader's options for the bundle in order, each warmed up and golden-checked at its precision's
   * tolerance, and returns the first that passes (the caller owns it). A refused option's model is closed and its
   * reason added to {@code engineRefusals}. A {@link BundleException} refuses the bundle at once; so does the failure
   * of a loader's only option (with its own message).
   *
   * @throws RefusedException naming every engine's reason when none passed
   */
  private ServingModel loadFirstPassing(ModelBundle bundle, ModelCheckpoint cp, List<String> engineRefusals)
      throws Exception {
    List<ModelLoader.LoadOption> options = loader.options(bundle);
    for (ModelLoader.LoadOption option : options) {
      ServingModel model = null;
      try {
        LoadedModel loaded;
        try {
          loaded = option.open();
        } catch (NonFiniteWeightException e) { // the bundle's weights, whatever the engine: refused at once
          throw new BundleException(e.getMessage());
        }
        model = ServingModel.fromBundle(bundle, loaded, maxBatchSize, embeddings);
        model.predict(List.of(WARM_UP_TEXT));
        checkGolden(model, cp, toleranceOf(cp, loaded.engine()), loaded.engine());
        ServingModel passed = model;
        model = null;
        return passed;
      } catch (BundleException e) {
        throw e;
      } catch (Exception | LinkageError | OutOfMemoryError | StackOverflowError e) {
        if (options.size() == 1) {
          throw e;
        }
        String reason = e instanceof RefusedException || e instanceof IOException
            ? e.getMessage() : e.getClass().getSimpleName() + ": " + e.getMessage();
        String engine = option.engine() == null ? "engine " + (engineRefusals.size() + 1) : option.engine().toString();
        engineRefusals.add(engine + ": " + reason);
        LOG.info("model {} {} not served on {}: {}", cp.getModelName(), cp.getVersion(), engine, reason);
      } finally {
        if (model != null) {
          model.discard();
        }
      }
    }
    throw new RefusedException("refused on every engine: " + String.join("; ", engineRefusals));
  }

  /**
   * The golden score tolerance of the engine a model is served on: the one the event measured for it
   * ({@code goldenTolerances}, refused above {@code nlp.golden.score.tolerance.max}), else the configured one of its
   * precision.
   */
  private double toleranceOf(ModelCheckpoint cp, ServingEngine engine) throws RefusedException {
    Double stored = eventTolerances ? GoldenTolerance.stored(cp, engine) : null;
    if (stored == null) {
      return toleranceOf(engine);
    }
    if (!(stored >= 0 && stored <= maxGoldenTolerance)) {
      throw new RefusedException(GoldenTolerance.REASON + ": the event's golden tolerance " + stored + " for "
          + engine + " exceeds nlp.golden.score.tolerance.max " + maxGoldenTolerance);
    }
    return stored;
  }

  /**
   * The configured golden score tolerance of a precision: bf16 and int8 (per row or per tensor) have their own,
   * everything else fp32's.
   */
  private double toleranceOf(ServingEngine engine) {
    if (engine.precision().startsWith(ServingEngine.INT8)) {
      return int8Tolerance;
    }
    return ServingEngine.BF16.equals(engine.precision()) ? bf16Tolerance : tolerance;
  }

  private void refuse(ModelCheckpoint cp, String reason, Throwable cause, Runnable publishRefusal) {
    holder.countRefusal(reason);
    LOG.warn("refused model {} {}; {} keeps serving: {}", cp.getModelName(), cp.getVersion(),
        holder.currentVersion() == null ? "no model" : "version " + holder.currentVersion(), reason, cause);
    publishRefusal.run();
  }

  private static void checkDescriptor(ModelDescriptor model, ModelCheckpoint cp) throws RefusedException {
    if (!model.name().equals(cp.getModelName()) || !model.version().equals(cp.getVersion())) {
      throw new RefusedException("bundle model.json is " + model.name() + " " + model.version()
          + " but the checkpoint names " + cp.getModelName() + " " + cp.getVersion());
    }
    for (Head head : cp.getHeads()) {
      List<String> bundleLabels;
      if (head.getType() == HeadType.CLASSIFICATION) {
        bundleLabels = model.classificationHead().map(h -> h.labels()).orElse(null);
      } else if (head.getType() == HeadType.TOKEN_CLASSIFICATION) {
        bundleLabels = model.tokenClassificationHead().map(h -> h.labels()).orElse(null);
      } else {
        continue;
      }
      List<String> expected = head.getLabels().stream().map(CharSequence::toString).toList();
      if (!expected.equals(bundleLabels)) {
        throw new RefusedException("checkpoint head '" + head.getName() + "' (" + head.getType() + ") has labels "
            + expected + " but the bundle's has " + (bundleLabels == null ? "no such head" : bundleLabels));
      }
    }
  }

  private static void checkGolden(ServingModel model, ModelCheckpoint cp, double tolerance, ServingEngine engine)
      throws RefusedException {
    List<GoldenExample> examples = cp.getGoldenExamples();
    if (examples.isEmpty()) {
      return;
    }
    List<String> texts = new ArrayList<>();
    examples.forEach(g -> texts.add(g.getText()));
    List<Prediction> predictions = model.predict(texts).predictions();
    boolean entitiesChecked = model.hasTokenClassification();
    for (int i = 0; i < examples.size(); i++) {
      GoldenExample g = examples.get(i);
      Prediction p = predictions.get(i);
      String nonFinite = p.nonFinite().orElse(null);
      if (nonFinite != null) {
        throw new RefusedException("golden.finite: golden example " + i + ": the model's " + nonFinite
            + " (NaN or infinite scores are never served)");
      }
      String got = p.label() == null ? null : p.label().label();
      if (g.getExpectedLabel() != null && !g.getExpectedLabel().equals(got)) {
        throw new RefusedException("golden example " + i + ": expected label " + g.getExpectedLabel() + ", got "
            + got);
      }
      Map<String, Float> scores = new HashMap<>();
      for (LabelScore s : p.labelScores()) {
        scores.put(s.label(), s.score());
      }
      for (org.streambert.schemas.avro.LabelScore expected : g.getExpectedScores()) {
        Float actual = scores.get(expected.getLabel());
        if (!Float.isFinite(expected.getScore())) {
          throw new RefusedException("golden.finite: golden example " + i + ": expected score " + expected.getScore()
              + " for label " + expected.getLabel() + " is not a finite number");
        }
        // written so that NaN fails: NaN compares false both ways
        if (actual == null || !(Math.abs(actual - expected.getScore()) <= tolerance)) {
          throw new RefusedException("golden example " + i + ": expected score " + expected.getScore() + " for label "
              + expected.getLabel() + ", got " + actual + " (tolerance " + tolerance + " at " + engine.precision()
              + " on " + engine.engine() + ")");
        }
      }
      if (entitiesChecked) {
        List<String> want = g.getExpectedEntities().stream()
            .map(e -> e.getType() + "[" + e.getStart() + "," + e.getEnd() + ")").toList();
        List<String> have = p.entities().stream().map(ModelRollout::spanOf).toList();
        if (!want.equals(have)) {
          throw new RefusedException("golden example " + i + ": expected entities " + want + ", got " + have);
        }
      }
    }
  }

  private static String spanOf(Entity e) {
    return e.type() + "[" + e.start() + "," + e.end() + ")";
  }

  /**
   * An undecodable event of this model (or without key) counts as a refusal and is published as {@code REFUSED}
   * (version, hash and URI null); the serving model stays.
   */
  @Override
  public void onUndecodable(String key, String reason) {
    if (key != null && !holder.modelName().equals(key)) {
      return;
    }
    String why = "undecodable checkpoint event: " + reason;
    holder.countRefusal(why);
    RolloutStatus s = new RolloutStatus(instanceId, holder.modelName(), null, null, null, RolloutStatus.REFUSED, why,
        holder.currentVersion(), System.currentTimeMillis(), 0);
    try {
      publisher.publish(s);
    } catch (RuntimeException e) {
      LOG.warn("could not publish rollout status {}", s, e);
    }
  }

  private void publish(ModelCheckpoint cp, String status, String reason, long startNanos) {
    publish(cp, status, reason, startNanos, null, null);
  }

  /** @param engine how the version runs when loaded, else null; @param engineRefusals engines refused before it */
  private void publish(ModelCheckpoint cp, String status, String reason, long startNanos, ServingEngine engine,
      List<String> engineRefusals) {
    RolloutStatus s = new RolloutStatus(instanceId, cp.getModelName(), cp.getVersion(), cp.getManifestSha256(),
        cp.getBundleUri(), status, reason, holder.currentVersion(), System.currentTimeMillis(),
        (System.nanoTime() - startNanos) / 1_000_000, engine == null ? null : engine.engine(),
        engine == null ? null : engine.precision(), engineRefusals);
    try {
      publisher.publish(s);
    } catch (RuntimeException e) {
      LOG.warn("could not publish rollout status {}", s, e);
    }
  }

  /** Stops the loader thread (an attempt in progress is abandoned at its next blocking call). */
  @Override
  public void close() {
    for (Slot slot : List.of(serving, candidate)) {
      BundleFetcher.Control running = slot.fetch;
      if (running != null) {
        running.cancel("shutdown: the application is closing");
      }
    }
    statusExecutor.shutdown();
    executor.shutdownNow();
    try {
      executor.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A check failed; the message says which and why. */
  private static final class RefusedException extends Exception {
    RefusedException(String message) {
      super(message);
    }
  }
}
