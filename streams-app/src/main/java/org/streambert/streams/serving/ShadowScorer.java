package org.streambert.streams.serving;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streambert.bert.inference.Entity;
import org.streambert.bert.inference.Prediction;
import org.streambert.bert.inference.Predictions;
import org.streambert.schemas.rollout.ShadowReport;

/**
 * Shadow scoring of a CANDIDATE: a sampled share of the champion's batches ({@code nlp.shadow.sample.rate}) is handed
 * over, after the outputs were forwarded, to one background thread that runs the candidate on the same texts and
 * compares (labels, entities, confidence, forward time per record). The stream thread never waits for it: when the
 * bounded queue is full the batch is dropped and counted. Statistics restart whenever the champion or the candidate
 * changes; a {@link ShadowReport} goes to the rollout-status topic every {@code nlp.shadow.report.interval.ms} while
 * new samples arrive. Thread-safe.
 */
public final class ShadowScorer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ShadowScorer.class);

  /** Sampled batches that may wait for the shadow thread; more are dropped. */
  public static final int QUEUE_CAPACITY = 4;

  private final ModelHolder holder;
  private final double sampleRate;
  private final String instanceId;
  private final Consumer<ShadowReport> publisher;
  private final ThreadPoolExecutor worker;
  private final ScheduledExecutorService reporter;
  private final AtomicLong dropped = new AtomicLong();
  private Stats stats = new Stats(null, null);
  private long reportedSamples;

  /**
   * @param sampleRate share of batches scored by the candidate too, in [0, 1]
   * @param reportIntervalMs how often a report is published (when there are new samples); <= 0: never
   */
  public ShadowScorer(ModelHolder holder, double sampleRate, long reportIntervalMs, String instanceId,
      Consumer<ShadowReport> publisher) {
    if (!(sampleRate >= 0 && sampleRate <= 1)) {
      throw new IllegalArgumentException("shadow sample rate must be in [0, 1], got " + sampleRate);
    }
    this.holder = holder;
    this.sampleRate = sampleRate;
    this.instanceId = instanceId;
    this.publisher = publisher;
    this.worker = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(QUEUE_CAPACITY),
        r -> daemon(r, "nlp-shadow-scorer"), (task, executor) -> dropped.incrementAndGet());
    this.reporter = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "nlp-shadow-report"));
    if (reportIntervalMs > 0) {
      reporter.scheduleAtFixedRate(this::reportIfNew, reportIntervalMs, reportIntervalMs, TimeUnit.MILLISECONDS);
    }
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /** Forward time of the champion over all the batches it ran (see {@link #observeChampion}); guarded by this. */
  private String championSeenVersion;
  private long championSeenNanos;
  private long championSeenRecords;

  /**
   * Called on the stream thread after a champion batch was emitted: queues it for the candidate if one is loaded and
   * the batch is sampled. Never blocks and never throws for the candidate's sake.
   *
   * @param inferNanos the champion's forward time for the batch
   */
  public void offer(ServingModel champion, List<String> texts, List<Prediction> predictions, long inferNanos) {
    offer(champion, texts, predictions, inferNanos, texts.size());
  }

  /**
   * Like {@link #offer(ServingModel, List, List, long)} for a batch of which the champion ran only {@code timed}
   * records (the others came from the duplicate-result cache): every record is compared, and the champion's latency
   * per record is {@code inferNanos / timed}, so cache hits do not make the champion look faster than it is.
   */
  public void offer(ServingModel champion, List<String> texts, List<Prediction> predictions, long inferNanos,
      int timed) {
    if (timed > 0) {
      observeChampion(champion.version(), inferNanos, timed);
    }
    String candidate = holder.candidateVersion();
    if (candidate == null || texts.isEmpty() || candidate.equals(champion.version())
        || ThreadLocalRandom.current().nextDouble() >= sampleRate) {
      return;
    }
    List<String> textsCopy = List.copyOf(texts);
    List<Prediction> championCopy = List.copyOf(predictions);
    String championVersion = champion.version();
    worker.execute(() -> score(championVersion, textsCopy, championCopy, inferNanos, timed));
  }

  /**
   * The champion's forward time per record over every batch it ran (sampled or not, candidate or not), so that a
   * comparison whose sampled batches all came from the duplicate cache still has the champion's latency.
   */
  private synchronized void observeChampion(String version, long nanos, int records) {
    if (!version.equals(championSeenVersion)) {
      championSeenVersion = version;
      championSeenNanos = 0;
      championSeenRecords = 0;
    }
    championSeenNanos += nanos;
    championSeenRecords += records;
  }

  private void score(String championVersion, List<String> texts, List<Prediction> champion, long championNanos,
      int championTimed) {
    Optional<ModelHolder.Lease> lease = holder.acquireCandidate();
    if (lease.isEmpty()) {
      return;
    }
    try (ModelHolder.Lease l = lease.get()) {
      ServingModel candidate = l.model();
      Predictions result;
      try {
        result = candidate.predict(texts);
      } catch (RuntimeException | LinkageError e) { // e.g. a native library error of the candidate's graph
        synchronized (this) {
          statsFor(championVersion, candidate.version()).failures++;
        }
        LOG.warn("candidate {} failed a shadow batch of {} record(s) (outputs are unaffected): {}",
            candidate.version(), texts.size(), e.toString());
        return;
      }
      synchronized (this) {
        Stats s = statsFor(championVersion, candidate.version());
        s.championNanos += championNanos;
        s.championTimed += championTimed;
        s.candidateNanos += result.inferNanos();
        for (int i = 0; i < texts.size(); i++) {
          s.add(champion.get(i), result.predictions().get(i));
        }
      }
    } catch (RuntimeException e) {
      LOG.warn("shadow scoring failed: {}", e.toString());
    }
  }

  private synchronized Stats statsFor(String champion, String candidate) {
    if (!champion.equals(stats.champion) || !candidate.equals(stats.candidate)) {
      stats = new Stats(champion, candidate);
      reportedSamples = 0;
    }
    return stats;
  }

  /** The current comparison (cumulative for the loaded champion/candidate pair). */
  public synchronized ShadowReport report() {
    Stats s = stats;
    return new ShadowReport(instanceId, holder.modelName(), ShadowReport.STATUS, s.champion, s.candidate, s.samples,
        s.classified == 0 ? null : (double) s.labelAgree / s.classified, s.entityF1(),
        s.classified == 0 ? null : s.championConfidence / s.classified,
        s.classified == 0 ? null : s.candidateConfidence / s.classified,
        s.championTimed > 0 ? s.championNanos / 1000.0 / s.championTimed
            : s.champion != null && s.champion.equals(championSeenVersion) && championSeenRecords > 0
                ? championSeenNanos / 1000.0 / championSeenRecords : 0,
        s.samples == 0 ? 0 : s.candidateNanos / 1000.0 / s.samples, s.failures, dropped.get(),
        System.currentTimeMillis());
  }

  /** Publishes a report if records were scored since the last one. */
  public void reportIfNew() {
    ShadowReport r;
    synchronized (this) {
      if (stats.candidate == null || stats.samples == reportedSamples) {
        return;
      }
      reportedSamples = stats.samples;
      r = report();
    }
    try {
      publisher.accept(r);
      LOG.info("shadow: candidate {} vs champion {} on {} record(s): label agreement {}, entity F1 {}, forward "
          + "{} vs {} us/record", r.candidateVersion(), r.championVersion(), r.samples(), r.labelAgreement(),
          r.entityF1(), Math.round(r.candidateLatencyMicros()), Math.round(r.championLatencyMicros()));
    } catch (RuntimeException e) {
      LOG.warn("could not publish shadow report: {}", e.toString());
    }
  }

  /** Waits until every queued shadow batch has been scored (tests); true if within the timeout. */
  public boolean awaitIdle(long timeoutMs) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (worker.getActiveCount() > 0 || !worker.getQueue().isEmpty()) {
      if (System.currentTimeMillis() > deadline) {
        return false;
      }
      Thread.sleep(5);
    }
    return true;
  }

  @Override
  public void close() {
    reporter.shutdownNow();
    worker.shutdownNow();
    try {
      worker.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Counters of one champion/candidate pair. */
  private static final class Stats {
    final String champion;
    final String candidate;
    long samples;
    long classified;
    long labelAgree;
    double championConfidence;
    double candidateConfidence;
    long entityMatches;
    long championEntities;
    long candidateEntities;
    long championNanos;
    /** Records the champion's forward time covers (cache hits excluded). */
    long championTimed;
    long candidateNanos;
    long failures;

    Stats(String champion, String candidate) {
      this.champion = champion;
      this.candidate = candidate;
    }

    void add(Prediction champion, Prediction candidate) {
      samples++;
      if (champion.label() != null && candidate.label() != null) {
        classified++;
        labelAgree += champion.label().label().equals(candidate.label().label()) ? 1 : 0;
        championConfidence += champion.label().score();
        candidateConfidence += candidate.label().score();
      }
      Set<String> want = spans(champion.entities());
      Set<String> have = spans(candidate.entities());
      championEntities += want.size();
      candidateEntities += have.size();
      have.retainAll(want);
      entityMatches += have.size();
    }

    /** F1 of the candidate's entities against the champion's; null when neither found any. */
    Double entityF1() {
      long denominator = championEntities + candidateEntities;
      return denominator == 0 ? null : 2.0 * entityMatches / denominator;
    }

    private static Set<String> spans(List<Entity> entities) {
      Set<String> out = new HashSet<>();
      for (Entity e : entities) {
        out.add(e.type() + "[" + e.start() + "," + e.end() + ")");
      }
      return out;
    }
  }
}
