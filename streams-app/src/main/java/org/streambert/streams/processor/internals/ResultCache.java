package org.streambert.streams.processor.internals;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.streambert.bert.inference.Entity;
import org.streambert.bert.inference.LabelScore;
import org.streambert.bert.inference.Prediction;
import org.streambert.schemas.avro.QaAnswer;
import org.streambert.streams.serving.ServingModel;

/**
 * The duplicate-result cache ({@code nlp.cache.*}): a least-recently-used map from (model name, version, manifest
 * hash, text, question) to what the batch step derived for that text: the prediction, its window count and the QA
 * answer. A repeated text (retweets, templated alerts, upstream retries) then skips tokenization and the forward pass
 * and gets the identical result. Bounded in entries and in estimated bytes; a result larger than an eighth of the
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

  /** What was cached for one record. */
  public record Entry(Prediction prediction, int windowCount, QaAnswer answer) {
  }

  /**
   * Looks up every record of a batch run with {@code model}; clears the cache first when the model differs from the
   * one of the previous lookup.
   */
  public Lookup lookup(ServingModel model, List<PendingRecord> records) {
    Entry[] found = new Entry[records.size()];
    int[] missIndex = new int[records.size()];
    List<PendingRecord> missed = new ArrayList<>(records.size());
    if (!enabled()) {
      for (int i = 0; i < records.size(); i++) {
        missIndex[i] = i;
      }
      missed.addAll(records);
      return new Lookup(model, records, found, missIndex, missed);
    }
    Map<Key, Integer> firstMiss = new HashMap<>();
    synchronized (this) {
      if (model != this.model) {
        clear();
        this.model = model;
      }
      for (int i = 0; i < records.size(); i++) {
        Key key = key(model, records.get(i));
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
          missed.add(records.get(i));
          misses++;
        }
      }
    }
    return new Lookup(model, records, found, missIndex, missed);
  }

  private synchronized void put(ServingModel model, PendingRecord record, Entry entry) {
    if (model != this.model) {
      return; // a batch of the replaced model finishing after the swap
    }
    long size = sizeOf(record, entry);
    if (size > maxBytes / 8) {
      return;
    }
    Sized previous = map.put(key(model, record), new Sized(entry, size));
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

  private static Key key(ServingModel model, PendingRecord r) {
    return new Key(model.name(), model.version(), model.manifestSha256(), r.text(), r.question());
  }

  /** Estimated heap of one entry: strings at 2 bytes a char, 4 per float, a fixed overhead per object. */
  static long sizeOf(PendingRecord record, Entry e) {
    long size = ENTRY_OVERHEAD_BYTES + 2L * record.text().length()
        + (record.question() == null ? 0 : 2L * record.question().length());
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
      size += 64 + 2L * (a.getText().length() + a.getQuestion().length());
    }
    return size;
  }

  private record Key(String modelName, String version, String manifestSha256, String text, String question) {
  }

  private record Sized(Entry entry, long bytes) {
  }

  /**
   * The cache's answer for one batch: which records still need the model ({@link #misses}), and how to put their
   * fresh results together with the cached ones ({@link #complete}).
   */
  public final class Lookup {
    private final ServingModel model;
    private final List<PendingRecord> records;
    private final Entry[] found;
    private final int[] missIndex;
    private final List<PendingRecord> missed;

    private Lookup(ServingModel model, List<PendingRecord> records, Entry[] found, int[] missIndex,
        List<PendingRecord> missed) {
      this.model = model;
      this.records = records;
      this.found = found;
      this.missIndex = missIndex;
      this.missed = missed;
    }

    /** The records without a cached result, in batch order. */
    public List<PendingRecord> misses() {
      return missed;
    }

    /** Texts of {@link #misses}. */
    public List<String> missTexts() {
      List<String> texts = new ArrayList<>(missed.size());
      missed.forEach(r -> texts.add(r.text()));
      return texts;
    }

    /**
     * Stores the fresh results of the misses and returns the whole batch's results in batch order: cached records
     * with zero tokenize time, the batch's forward-pass and post-processing times as measured for the misses.
     *
     * @param fresh        {@link ServingModel#predict} of {@link #missTexts}, or null when there were no misses
     * @param freshAnswers QA answers of the misses (null entries for records without a question)
     */
    public Completed complete(ServingModel.Inference fresh, List<QaAnswer> freshAnswers) {
      int n = records.size();
      List<Prediction> predictions = new ArrayList<>(n);
      long[] tokenizeNanos = new long[n];
      int[] windowCounts = new int[n];
      List<QaAnswer> answers = new ArrayList<>(n);
      boolean[] stored = new boolean[missed.size()];
      for (int i = 0; i < n; i++) {
        Entry e = found[i];
        if (e == null) {
          int k = missIndex[i];
          e = new Entry(fresh.predictions().get(k), fresh.windowCounts()[k], freshAnswers.get(k));
          if (!stored[k]) {
            stored[k] = true;
            tokenizeNanos[i] = fresh.tokenizeNanos()[k];
            if (enabled()) {
              put(model, records.get(i), e);
            }
          }
        }
        predictions.add(e.prediction());
        windowCounts[i] = e.windowCount();
        answers.add(e.answer());
      }
      ServingModel.Inference all = new ServingModel.Inference(predictions, tokenizeNanos, windowCounts,
          fresh == null ? 0 : fresh.inferNanos(), fresh == null ? 0 : fresh.postNanos(),
          fresh == null ? 0 : fresh.realTokens(), fresh == null ? 0 : fresh.paddedTokens());
      return new Completed(all, answers, n - missed.size());
    }
  }

  /**
   * A batch's results.
   *
   * @param inference results of every record, in batch order
   * @param answers   QA answer of every record (null without a question)
   * @param hits      records that came from the cache
   */
  public record Completed(ServingModel.Inference inference, List<QaAnswer> answers, int hits) {
  }

  /** Summary for logs. */
  @Override
  public synchronized String toString() {
    return "ResultCache[" + map.size() + "/" + maxEntries + " entries, " + bytes + "/" + maxBytes + " bytes, "
        + hits + " hits, " + misses + " misses]";
  }
}
