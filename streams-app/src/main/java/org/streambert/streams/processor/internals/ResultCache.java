package org.streambert.streams.processor.internals;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.streambert.bert.inference.Entity;
import org.streambert.bert.inference.LabelScore;
import org.streambert.bert.inference.Prediction;
import org.streambert.bert.qa.QaAnswer;
import org.streambert.streams.serving.ServingModel;

/**
 * The duplicate-result cache ({@code nlp.cache.*}): a least-recently-used map from (model name, version, manifest
 * hash, text, question) to what the batch step derived for that text: the prediction, its window count and the QA
 * answer ({@link RecordResult}). A repeated text (retweets, templated alerts, upstream retries) then skips the
 * forward pass and gets the identical result. Bounded in entries and in estimated bytes; a result larger than an eighth of the
 * byte bound is not kept. Shared by the stream threads of one instance (methods are synchronized; a lookup or store
 * is a few map operations, never a forward pass).
 *
 * <p>Correctness never depends on clearing, because the key names the model version and its manifest hash; the cache
 * is still cleared when a batch first runs with a different model (a swap or a rollback), so old results do not hold
 * memory, and results of the replaced model's in-flight batches are not stored. Within one batch, a text that occurs
 * several times runs once.
 */
public final class ResultCache {

  /** Fixed per-entry cost: map node, key and entry objects, list headers (an estimate, as the whole bound is). */
  static final long ENTRY_OVERHEAD_BYTES = 256;

  private final int maxEntries;
  private final long maxBytes;
  private final LinkedHashMap<Key, Sized> map = new LinkedHashMap<>(16, 0.75f, true);
  private Object model;
  private long bytes;
  private long hits;
  private long misses;
  private long evictions;

  /**
   * @param maxEntries most results kept; 0 turns the cache off
   * @param maxBytes   upper bound of their estimated size; 0 turns the cache off
   */
  public ResultCache(int maxEntries, long maxBytes) {
    if (maxEntries < 0 || maxBytes < 0) {
      throw new IllegalArgumentException("cache bounds must be >= 0: " + maxEntries + " entries, " + maxBytes
          + " bytes");
    }
    this.maxEntries = maxEntries;
    this.maxBytes = maxBytes;
  }

  /** A cache that keeps nothing (every lookup misses and is not counted). */
  public static ResultCache disabled() {
    return new ResultCache(0, 0);
  }

  public boolean enabled() {
    return maxEntries > 0 && maxBytes > 0;
  }

  /** What a record asks: the text it runs with and its question (null without one). */
  public record Query(String text, String question) {
  }


  /**
   * Looks up every query of a batch run with {@code model}; clears the cache first when the model differs from the
   * one of the previous lookup.
   */
  public Lookup lookup(ServingModel model, List<Query> queries) {
    RecordResult[] found = new RecordResult[queries.size()];
    int[] missIndex = new int[queries.size()];
    List<Integer> missed = new ArrayList<>(queries.size());
    if (!enabled()) {
      for (int i = 0; i < queries.size(); i++) {
        missIndex[i] = i;
        missed.add(i);
      }
      return new Lookup(model, queries, found, missIndex, missed);
    }
    Map<Key, Integer> firstMiss = new HashMap<>();
    synchronized (this) {
      if (model != this.model) {
        clear();
        this.model = model;
      }
      for (int i = 0; i < queries.size(); i++) {
        Key key = key(model, queries.get(i));
        Sized s = map.get(key);
        if (s != null) {
          found[i] = s.entry;
          hits++;
          continue;
        }
        Integer earlier = firstMiss.get(key);
        if (earlier != null) { // the same text twice in one batch: run it once
          missIndex[i] = earlier;
          hits++;
        } else {
          missIndex[i] = missed.size();
          firstMiss.put(key, missed.size());
          missed.add(i);
          misses++;
        }
      }
    }
    return new Lookup(model, queries, found, missIndex, missed);
  }

  private synchronized void put(ServingModel model, Query query, RecordResult entry) {
    if (model != this.model) {
      return; // a batch of the replaced model finishing after the swap
    }
    long size = sizeOf(query, entry);
    if (size > maxBytes / 8) {
      return;
    }
    Sized previous = map.put(key(model, query), new Sized(entry, size));
    bytes += size - (previous == null ? 0 : previous.bytes);
    Iterator<Sized> eldest = map.values().iterator();
    while ((map.size() > maxEntries || bytes > maxBytes) && eldest.hasNext()) {
      bytes -= eldest.next().bytes;
      eldest.remove();
      evictions++;
    }
  }

  /** Drops every result. */
  public synchronized void clear() {
    map.clear();
    bytes = 0;
  }

  public synchronized int entries() {
    return map.size();
  }

  /** Estimated bytes of the results held. */
  public synchronized long bytes() {
    return bytes;
  }

  public synchronized long hits() {
    return hits;
  }

  public synchronized long misses() {
    return misses;
  }

  public synchronized long evictions() {
    return evictions;
  }

  private static Key key(ServingModel model, Query q) {
    return new Key(model.name(), model.version(), model.manifestSha256(), q.text(), q.question());
  }

  /** Estimated heap of one entry: strings at 2 bytes a char, 4 per float, a fixed overhead per object. */
  static long sizeOf(Query query, RecordResult e) {
    long size = ENTRY_OVERHEAD_BYTES + 2L * query.text().length()
        + (query.question() == null ? 0 : 2L * query.question().length());
    Prediction p = e.prediction();
    for (LabelScore s : p.labelScores()) {
      size += 48 + 2L * s.label().length();
    }
    size += 16L * p.activeLabels().size();
    for (Entity en : p.entities()) {
      size += 64 + 2L * en.text().length() + 2L * en.type().length();
    }
    size += 16 + 4L * p.embedding().length;
    QaAnswer a = e.answer();
    if (a != null) {
      size += 64 + 2L * (a.text().length() + query.question().length());
    }
    return size;
  }

  private record Key(String modelName, String version, String manifestSha256, String text, String question) {
  }

  private record Sized(RecordResult entry, long bytes) {
  }

  /**
   * The cache's answer for one batch: which queries still need the model ({@link #misses}), and how to put their
   * fresh results together with the cached ones ({@link #complete}).
   */
  public final class Lookup {
    private final ServingModel model;
    private final List<Query> queries;
    private final RecordResult[] found;
    private final int[] missIndex;
    private final List<Integer> missed;

    private Lookup(ServingModel model, List<Query> queries, RecordResult[] found, int[] missIndex,
        List<Integer> missed) {
      this.model = model;
      this.queries = queries;
      this.found = found;
      this.missIndex = missIndex;
      this.missed = missed;
    }

    /** Indexes (into the batch's queries) of the queries without a cached result, each distinct one once, in order. */
    public List<Integer> misses() {
      return missed;
    }

    /**
     * Stores the fresh entries of the misses and returns every query's entry in batch order.
     *
     * @param fresh one entry per {@link #misses()} element, in that order
     */
    public List<RecordResult> complete(List<RecordResult> fresh) {
      int n = queries.size();
      List<RecordResult> entries = new ArrayList<>(n);
      boolean[] stored = new boolean[missed.size()];
      for (int i = 0; i < n; i++) {
        RecordResult e = found[i];
        if (e == null) {
          int k = missIndex[i];
          e = fresh.get(k);
          if (!stored[k]) {
            stored[k] = true;
            if (enabled()) {
              put(model, queries.get(i), e);
            }
          }
        }
        entries.add(e);
      }
      return entries;
    }
  }

  /**
   * Meters over this cache in {@code registry} (nothing when the cache is off); call once per registry (the
   * processors go through {@code NlpMetrics.bindOnce}: Micrometer ignores a second registration with a warning):
   * {@code nlp_cache_hits_total}, {@code nlp_cache_misses_total}, {@code nlp_cache_evictions_total},
   * {@code nlp_cache_entries}, {@code nlp_cache_bytes}.
   */
  public void bindTo(MeterRegistry registry) {
    if (!enabled()) {
      return;
    }
    FunctionCounter.builder("nlp.cache.hits", this, ResultCache::hits)
        .description("Records whose result came from the duplicate-result cache").register(registry);
    FunctionCounter.builder("nlp.cache.misses", this, ResultCache::misses)
        .description("Records that needed the model (not in the duplicate-result cache)").register(registry);
    FunctionCounter.builder("nlp.cache.evictions", this, ResultCache::evictions)
        .description("Results evicted from the duplicate-result cache by its bounds").register(registry);
    Gauge.builder("nlp.cache.entries", this, ResultCache::entries)
        .description("Results held by the duplicate-result cache").register(registry);
    Gauge.builder("nlp.cache.bytes", this, ResultCache::bytes).baseUnit("bytes")
        .description("Estimated heap held by the duplicate-result cache").register(registry);
  }

  /** Summary for logs. */
  @Override
  public synchronized String toString() {
    return "ResultCache[" + map.size() + "/" + maxEntries + " entries, " + bytes + "/" + maxBytes + " bytes, "
        + hits + " hits, " + misses + " misses]";
  }
}
