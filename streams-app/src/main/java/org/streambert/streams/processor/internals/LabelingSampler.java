package org.streambert.streams.processor.internals;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.streambert.bert.inference.Entity;
import org.streambert.bert.inference.LabelScore;
import org.streambert.bert.inference.Prediction;
import org.streambert.schemas.avro.EntitySpan;
import org.streambert.schemas.avro.TrainingExample;
import org.streambert.streams.serving.ServingModel;

/**
 * Picks the records the model is unsure about for labelling (active learning by uncertainty sampling): the margin
 * between the two best class scores or the best score is under its threshold, or an entity's score is. Of those, a
 * deterministic share ({@code sampleRate}, by a hash of model version and text) is asked, each text at most once per
 * model version on this task (a bounded LRU of text hashes, emptied when the version changes).
 *
 * <p>The request is a {@link TrainingExample} whose label and entities are the model's prediction (the suggestion
 * a labelling tool shows), with id = {@link #exampleId} (SHA-256 of the text), which is also the record key: the
 * labelling tool answers on {@code training-examples} under the same id, so a text labelled twice counts once. Not
 * thread-safe: one per stream task.
 */
public final class LabelingSampler {

  /**
   * @param margin      ask when best minus second-best class score is below this (0: never on this ground)
   * @param topScore    ask when the best class score is below this (0: never)
   * @param entityScore ask when any entity's score is below this (0: never)
   * @param sampleRate  share of the uncertain records asked, in [0, 1]
   * @param dedupMax    texts remembered per model version (bounds the memory)
   */
  public record Thresholds(double margin, double topScore, double entityScore, double sampleRate, int dedupMax) {
    public Thresholds {
      if (!(sampleRate >= 0 && sampleRate <= 1) || dedupMax < 1) {
        throw new IllegalArgumentException("sample rate must be in [0, 1] and dedup size >= 1");
      }
    }
  }

  private final Thresholds thresholds;
  private final Map<String, Boolean> asked;
  private String version;

  public LabelingSampler(Thresholds thresholds) {
    this.thresholds = thresholds;
    int max = thresholds.dedupMax();
    this.asked = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
        return size() > max;
      }
    };
  }

  /** The labelling request for this prediction, or empty when the model is sure enough, not sampled or asked before. */
  public Optional<TrainingExample> consider(ServingModel model, String text, Prediction p, long nowMs) {
    String modelVersion = model.version();
    String reason = uncertainty(p);
    if (reason == null) {
      return Optional.empty();
    }
    String id = exampleId(text);
    if (!sampled(modelVersion, id)) {
      return Optional.empty();
    }
    if (!modelVersion.equals(version)) {
      asked.clear();
      version = modelVersion;
    }
    if (asked.put(id, Boolean.TRUE) != null) {
      return Optional.empty();
    }
    List<EntitySpan> spans = null;
    if (model.hasTokenClassification()) { // null: not labelled for entities
      spans = new ArrayList<>();
      for (Entity e : p.entities()) {
        spans.add(new EntitySpan(e.type(), e.start(), e.end()));
      }
    }
    return Optional.of(TrainingExample.newBuilder()
        .setId(id)
        .setText(text)
        .setLabel(p.label() == null ? null : p.label().label())
        .setEntities(spans)
        .setSource("suggestion:" + model.name() + "@" + modelVersion + " " + reason)
        .setModelVersion(model.name() + "@" + modelVersion)
        .setScore(p.label() == null ? null : p.label().score())
        .setCreatedAt(Instant.ofEpochMilli(nowMs))
        .build());
  }

  /** Why the model is unsure, e.g. {@code margin=0.04}, or null when it is not. */
  String uncertainty(Prediction p) {
    if (p.label() != null) {
      float best = Float.NEGATIVE_INFINITY;
      float second = Float.NEGATIVE_INFINITY;
      for (LabelScore s : p.labelScores()) {
        if (s.score() > best) {
          second = best;
          best = s.score();
        } else if (s.score() > second) {
          second = s.score();
        }
      }
      if (p.labelScores().size() >= 2 && best - second < thresholds.margin()) {
        return String.format(Locale.ROOT, "margin=%.4f", best - second);
      }
      if (best < thresholds.topScore()) {
        return String.format(Locale.ROOT, "top=%.4f", best);
      }
    }
    for (Entity e : p.entities()) {
      if (e.score() < thresholds.entityScore()) {
        return String.format(Locale.ROOT, "entity=%s:%.4f", e.type(), e.score());
      }
    }
    return null;
  }

  private boolean sampled(String modelVersion, String id) {
    if (thresholds.sampleRate() >= 1) {
      return true;
    }
    long h = 1125899906842597L;
    for (char c : (modelVersion + '\u0000' + id).toCharArray()) {
      h = 31 * h + c;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    return (h >>> 11) * 0x1.0p-53 < thresholds.sampleRate();
  }

  /** Id of the labelling request and its answer for a text: lower-case hex SHA-256 of its UTF-8 bytes. */
  public static String exampleId(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
