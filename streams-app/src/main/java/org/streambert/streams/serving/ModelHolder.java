package org.streambert.streams.serving;

import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model currently serving, swapped atomically by the rollout and read by every stream thread. A batch takes a
 * {@link Lease} for its whole duration; a model replaced meanwhile is closed when its last lease is returned, never
 * under a running batch. Also keeps the rollout counters the metrics report. Thread-safe.
 */
public final class ModelHolder implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ModelHolder.class);

  private final String modelName;
  private final AtomicReference<ServingModel> current = new AtomicReference<>();
  /** A CANDIDATE loaded beside the serving model for shadow scoring; never serves outputs. */
  private final AtomicReference<ServingModel> candidate = new AtomicReference<>();
  private final AtomicBoolean waitingLogged = new AtomicBoolean();
  private final AtomicLong loads = new AtomicLong();
  private final AtomicLong refusals = new AtomicLong();
  private volatile String lastRefusal;

  /** A holder for the model of this name, with no model yet. */
  public ModelHolder(String modelName) {
    this.modelName = Objects.requireNonNull(modelName, "modelName");
  }

  public String modelName() {
    return modelName;
  }

  /** The current model with a reference taken for the caller, or empty when none is loaded yet. */
  public Optional<Lease> acquire() {
    return acquire(current);
  }

  /** The shadow candidate with a reference taken for the caller, or empty when no candidate is loaded. */
  public Optional<Lease> acquireCandidate() {
    return acquire(candidate);
  }

  private static Optional<Lease> acquire(AtomicReference<ServingModel> slot) {
    while (true) {
      ServingModel model = slot.get();
      if (model == null) {
        return Optional.empty();
      }
      if (model.retain()) {
        return Optional.of(new Lease(model));
      }
      // Lost a race with a swap that released this model for good: the new one is current now.
    }
  }

  /**
   * Makes {@code next} the serving model (this holder takes over the creator's reference) and drops the holder's
   * reference to the previous one, which closes once its in-flight batches have returned their leases.
   */
  public void swap(ServingModel next) {
    Objects.requireNonNull(next, "next");
    ServingModel previous = current.getAndSet(next);
    loads.incrementAndGet();
    waitingLogged.set(false);
    LOG.info("model {} {} is now serving on {} (was {})", next.name(), next.version(), next.engine(),
        previous == null ? "none" : previous.version());
    if (previous != null) {
      previous.release();
    }
  }

  /**
   * Makes {@code next} the shadow candidate (taking over the creator's reference), or removes the candidate when
   * null; the previous candidate closes once its in-flight shadow batches are done.
   */
  public void swapCandidate(ServingModel next) {
    ServingModel previous = candidate.getAndSet(next);
    if (next != null) {
      LOG.info("model {} {} is loaded as CANDIDATE beside {} (shadow scoring only)", next.name(), next.version(),
          currentVersion());
    }
    if (previous != null) {
      previous.release();
    }
  }

  /** Version of the shadow candidate, or null when none is loaded. */
  public String candidateVersion() {
    ServingModel model = candidate.get();
    return model == null ? null : model.version();
  }

  /** The candidate for inspection (no reference is taken), or empty. */
  public Optional<ServingModel> peekCandidate() {
    return Optional.ofNullable(candidate.get());
  }

  /** Version of the serving model, or null when none is loaded. */
  public String currentVersion() {
    ServingModel model = current.get();
    return model == null ? null : model.version();
  }

  /** The serving model for inspection (no reference is taken: do not predict with it), or empty. */
  public Optional<ServingModel> peek() {
    return Optional.ofNullable(current.get());
  }

  /**
   * Logs once per period without a model (not once per record) that records are waiting, and why.
   *
   * @return true if this call logged
   */
  public boolean noteWaiting(long pending, String checkpointsTopic) {
    if (current.get() == null && waitingLogged.compareAndSet(false, true)) {
      LOG.warn("{} record(s) wait in the pending store: no model '{}' is loaded yet; they are processed as soon as a "
          + "ModelCheckpoint for it on topic '{}' has been loaded and verified{}", pending, modelName,
          checkpointsTopic, lastRefusal == null ? "" : " (last checkpoint was refused: " + lastRefusal + ")");
      return true;
    }
    return false;
  }

  /** Models swapped in so far. */
  public long loads() {
    return loads.get();
  }

  /** Checkpoints refused so far. */
  public long refusals() {
    return refusals.get();
  }

  /** Counts a checkpoint the rollout refused; {@link #lastRefusal()} says why from now on. */
  public void countRefusal(String reason) {
    lastRefusal = reason;
    refusals.incrementAndGet();
  }

  /** The reason of the last refusal, or null. */
  public String lastRefusal() {
    return lastRefusal;
  }

  /** Drops the holder's references to the current model and the candidate (closed once no batch holds them). */
  @Override
  public void close() {
    ServingModel model = current.getAndSet(null);
    if (model != null) {
      model.release();
    }
    swapCandidate(null);
  }

  /** A reference to one model for the duration of a batch; close it exactly when the batch is done. */
  public static final class Lease implements AutoCloseable {
    private final ServingModel model;
    private final AtomicBoolean released = new AtomicBoolean();

    private Lease(ServingModel model) {
      this.model = model;
    }

    public ServingModel model() {
      return model;
    }

    @Override
    public void close() {
      if (released.compareAndSet(false, true)) {
        model.release();
      }
    }
  }
}
