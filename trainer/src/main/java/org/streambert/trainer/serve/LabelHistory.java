package org.streambert.trainer.serve;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.streambert.schemas.avro.TrainingExample;

/**
 * Every label each example id received on {@code training-examples}, with who gave it and when, and the trainer's
 * explicit choice among them: the LATEST label (by the labeller's signed time, then by partition and offset) wins,
 * but nothing is overwritten silently: an id whose labellers disagree (the latest labels of two or more labellers
 * differ in class or entities) is a {@linkplain #conflicts() conflict}, counted and logged by the round. A labeller
 * who corrects their own label is not a conflict. A label with neither class nor entities is a "not applicable"
 * answer: when it is the chosen one, the example is not trained on.
 *
 * <p>Memory is bounded: at most {@value #MAX_LABELS_PER_ID} labels per id are kept (the oldest are dropped and
 * counted; the topic still holds them).
 */
public final class LabelHistory {

  /** Labels kept per id. */
  public static final int MAX_LABELS_PER_ID = 16;

  /**
   * One label as read.
   *
   * @param labeller  who gave it: the verified signing key id, with the labeller name the signed example carries
   *                  ({@code key/name}); {@code unverified:<name or source>} when the trainer trusts unsigned examples
   * @param verified  true when its signature was checked against a configured labeller key
   * @param committed true when its record lies before the consumer group's committed offsets (already trained on)
   */
  public record Label(TrainingExample example, String labeller, boolean verified, Instant at, int partition,
      long offset, boolean committed) {}

  private static final Comparator<Label> LATEST_LAST = Comparator.comparing(Label::at)
      .thenComparingInt(Label::partition).thenComparingLong(Label::offset);

  private final Map<String, List<Label>> byId = new LinkedHashMap<>();
  private long dropped;

  /** Adds a label of {@code id}. */
  void add(String id, Label label) {
    List<Label> labels = byId.computeIfAbsent(id, k -> new ArrayList<>(2));
    labels.add(label);
    if (labels.size() > MAX_LABELS_PER_ID) {
      labels.remove(labels.stream().min(LATEST_LAST).orElseThrow());
      dropped++;
    }
  }

  /** Forgets an id (a tombstone, honoured only when the trainer trusts unsigned examples). */
  void remove(String id) {
    byId.remove(id);
  }

  /** Distinct ids with at least one label. */
  public int ids() {
    return byId.size();
  }

  /** Labels dropped from memory because an id had more than {@value #MAX_LABELS_PER_ID}. */
  public long dropped() {
    return dropped;
  }

  /** The labels of {@code id}, oldest first (empty when none). */
  public List<Label> labels(String id) {
    List<Label> labels = new ArrayList<>(byId.getOrDefault(id, List.of()));
    labels.sort(LATEST_LAST);
    return labels;
  }

  /** The chosen label of every id (the latest), of committed labels only when {@code committedOnly}. */
  public Map<String, Label> chosen(boolean committedOnly) {
    Map<String, Label> out = new LinkedHashMap<>();
    byId.forEach((id, labels) -> labels.stream().filter(l -> !committedOnly || l.committed()).max(LATEST_LAST)
        .ifPresent(l -> out.put(id, l)));
    return out;
  }

  /** Ids whose labellers disagree: the latest labels of two or more labellers differ in class or entities. */
  public Set<String> conflicts() {
    Set<String> out = new LinkedHashSet<>();
    byId.forEach((id, labels) -> {
      Map<String, Label> latestPerLabeller = new LinkedHashMap<>();
      for (Label l : labels) {
        latestPerLabeller.merge(l.labeller(), l, (a, b) -> LATEST_LAST.compare(a, b) >= 0 ? a : b);
      }
      if (latestPerLabeller.values().stream().map(l -> sameLabels(l.example())).distinct().count() > 1) {
        out.add(id);
      }
    });
    return out;
  }

  /** What two labels of one id are compared on: the text, the class and the entity spans. */
  private static List<Object> sameLabels(TrainingExample e) {
    return Arrays.asList(e.getText(), e.getLabel(), e.getEntities());
  }

  /** Same text, label and entities (a resend of an example, whatever its source and time). */
  static boolean sameLabels(TrainingExample a, TrainingExample b) {
    return b != null && a.getText().equals(b.getText()) && Objects.equals(a.getLabel(), b.getLabel())
        && Objects.equals(a.getEntities(), b.getEntities());
  }

  /** True when the example answers neither task (a "not applicable" answer). */
  static boolean notApplicable(TrainingExample e) {
    return (e.getLabel() == null || e.getLabel().isBlank()) && e.getEntities() == null;
  }
}
