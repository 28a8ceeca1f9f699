package org.streambert.trainer.label.internals;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.streambert.bert.tokenizer.TextWords;
import org.streambert.schemas.avro.EntitySpan;
import org.streambert.schemas.avro.TrainingExample;
import org.streambert.schemas.avro.TrainingRun;
import org.streambert.schemas.signing.TrustedKeys;

/**
 * The labelling page's view of the loop, in memory: the open requests of {@code needs-labeling} (latest per id,
 * bounded), every answer on {@code training-examples} that verifies against the trusted labeller keys (who answered
 * what, and when), the rounds on {@code training-runs}, and per person the requests they skipped and the one they hold.
 * Decides which request a person sees next and whether an answer was already written (the idempotency key is request
 * id + labeller). Thread-safe: every method is synchronized; the Kafka side is {@link LabelLoop}.
 */
public final class LabelQueue {

  /** How long a request shown to one person is kept from the others (when it needs one answer). */
  public static final Duration LEASE = Duration.ofMinutes(10);
  /** Rounds kept for the chart. */
  public static final int MAX_ROUNDS = 50;
  /** Entity spans accepted per answer. */
  public static final int MAX_SPANS = 200;

  /** One answer as read: who, when, what. */
  public record Answer(String labeller, Instant at, String label, List<EntitySpan> entities) {
    boolean agrees(Answer o) {
      return Objects.equals(label, o.label) && Objects.equals(entities, o.entities);
    }
  }

  /** A request shown to a person, with the classes and entity types the page offers. */
  public record Shown(TrainingExample request, boolean doubleLabelled, Set<String> classes, Set<String> types) {}

  /**
   * What the progress panel shows.
   *
   * @param rounds (round, served model's held-out score) oldest first
   */
  public record Progress(int open, int answeredLastHour, int doubleLabelled, int agreeing, String metric,
      List<Map.Entry<String, Double>> rounds) {}

  private final int maxRequests;
  private final double doubleShare;
  private final TrustedKeys labellers;
  private final Set<String> configuredClasses;
  private final Set<String> configuredTypes;
  private final Map<String, TrainingExample> requests = new LinkedHashMap<>();
  private final Map<String, Map<String, Answer>> answers = new HashMap<>();
  private final Map<String, Set<String>> skipped = new HashMap<>();
  private final Map<String, Map.Entry<String, Instant>> leases = new HashMap<>();
  private final Set<String> seenClasses = new TreeSet<>();
  private final Set<String> seenTypes = new TreeSet<>();
  private final ArrayDeque<TrainingRun> rounds = new ArrayDeque<>();
  private long refused;

  /**
   * @param maxRequests  open requests kept (the oldest are dropped beyond)
   * @param doubleShare  share of requests (by a hash of the id) that two people answer, in [0, 1]
   * @param labellers    keys whose answers count (the page's own, and other labelling tools')
   */
  public LabelQueue(int maxRequests, double doubleShare, TrustedKeys labellers, Collection<String> classes,
      Collection<String> types) {
    if (maxRequests < 1 || !(doubleShare >= 0 && doubleShare <= 1)) {
      throw new IllegalArgumentException("max requests >= 1 and double-label share in [0, 1]");
    }
    this.maxRequests = maxRequests;
    this.doubleShare = doubleShare;
    this.labellers = labellers;
    this.configuredClasses = new TreeSet<>(classes);
    this.configuredTypes = new TreeSet<>(types);
  }

  /** A labelling request read from {@code needs-labeling}. */
  public synchronized void request(TrainingExample r) {
    if (r.getText().isBlank()) {
      return;
    }
    requests.remove(r.getId());
    requests.put(r.getId(), r);
    if (r.getLabel() != null && r.getLabel().length() <= 100) {
      seenClasses.add(r.getLabel());
    }
    if (r.getEntities() != null) {
      r.getEntities().stream().filter(e -> e.getType().length() <= 100).forEach(e -> seenTypes.add(e.getType()));
    }
    while (requests.size() > maxRequests) {
      Iterator<String> oldest = requests.keySet().iterator();
      oldest.next();
      oldest.remove();
    }
  }

  /** An example read from {@code training-examples}: counted when it verifies against the labeller keys. */
  public synchronized void example(TrainingExample e) {
    if (labellers.check(e) != null || e.getLabeller() == null) {
      refused++;
      return;
    }
    answers.computeIfAbsent(e.getId(), k -> new LinkedHashMap<>()).put(e.getLabeller(),
        new Answer(e.getLabeller(), e.getCreatedAt(), e.getLabel(), e.getEntities()));
    if (e.getLabel() != null && e.getLabel().length() <= 100) {
      seenClasses.add(e.getLabel());
    }
  }

  /** A round read from {@code training-runs}. */
  public synchronized void round(TrainingRun run) {
    rounds.addLast(run);
    while (rounds.size() > MAX_ROUNDS) {
      rounds.removeFirst();
    }
  }

  /** The answer {@code user} gave to {@code requestId}, if any (the idempotency check). */
  public synchronized Answer answerOf(String requestId, String user) {
    Map<String, Answer> a = answers.get(requestId);
    return a == null ? null : a.get(user);
  }

  /** The request of this id, if still known. */
  public synchronized TrainingExample requestOf(String requestId) {
    return requests.get(requestId);
  }

  /** True when two people answer this request: the first 4 bytes of SHA-256(id) below the double-label share. */
  public boolean isDoubleLabelled(String requestId) {
    if (doubleShare <= 0) {
      return false;
    }
    byte[] h = sha256(requestId);
    long v = (h[0] & 0xffL) << 24 | (h[1] & 0xffL) << 16 | (h[2] & 0xffL) << 8 | (h[3] & 0xffL);
    return v < doubleShare * 0x1_0000_0000L;
  }

  private int needed(String id) {
    return isDoubleLabelled(id) ? 2 : 1;
  }

  private boolean open(String id) {
    Map<String, Answer> a = answers.get(id);
    return a == null || a.size() < needed(id);
  }

  /** The next request for {@code user} (leased to them), or null when none is left for them. */
  public synchronized Shown next(String user, Instant now) {
    Set<String> mine = skipped.getOrDefault(user, Set.of());
    for (TrainingExample r : requests.values()) {
      String id = r.getId();
      if (!open(id) || mine.contains(id) || answerOf(id, user) != null) {
        continue;
      }
      Map.Entry<String, Instant> lease = leases.get(id);
      boolean leasedToOther = lease != null && !lease.getKey().equals(user) && lease.getValue().isAfter(now);
      if (leasedToOther && needed(id) == 1) {
        continue;
      }
      leases.put(id, Map.entry(user, now.plus(LEASE)));
      Set<String> classes = new TreeSet<>(configuredClasses);
      classes.addAll(seenClasses);
      Set<String> types = new TreeSet<>(configuredTypes);
      types.addAll(seenTypes);
      return new Shown(r, needed(id) == 2, classes, types);
    }
    return null;
  }

  /** The requests still waiting for an answer, in queue order (for a Label Studio export). */
  public synchronized List<TrainingExample> openRequests() {
    return requests.values().stream().filter(r -> open(r.getId())).toList();
  }

  /** {@code user} skipped {@code requestId}: not shown to them again (while this page runs), free for the others. */
  public synchronized void skip(String user, String requestId) {
    skipped.computeIfAbsent(user, k -> new HashSet<>()).add(requestId);
    leases.remove(requestId);
  }

  /** An answer this page wrote (counted at once; the topic's copy, read later, is the same). */
  public synchronized void answered(TrainingExample written) {
    example(written);
    leases.remove(written.getId());
  }

  /**
   * The classes the page accepts for an answer: the configured ones and those seen in requests and answers.
   */
  public synchronized boolean knowsClass(String label) {
    return configuredClasses.contains(label) || seenClasses.contains(label);
  }

  /** The entity types the page accepts: the configured ones and those seen in requests. */
  public synchronized boolean knowsType(String type) {
    return configuredTypes.contains(type) || seenTypes.contains(type);
  }

  /** Examples read that did not verify against the labeller keys (or carry no labeller). */
  public synchronized long refused() {
    return refused;
  }

  /** Queue length, labels in the last hour, agreement on double-labelled requests, the served score by round. */
  public synchronized Progress progress(Instant now) {
    int open = 0;
    for (String id : requests.keySet()) {
      if (open(id)) {
        open++;
      }
    }
    int lastHour = 0;
    int doubled = 0;
    int agreeing = 0;
    Instant hourAgo = now.minus(Duration.ofHours(1));
    for (Map<String, Answer> a : answers.values()) {
      for (Answer x : a.values()) {
        if (x.at().isAfter(hourAgo)) {
          lastHour++;
        }
      }
      if (a.size() >= 2) {
        doubled++;
        List<Answer> list = new ArrayList<>(a.values());
        if (list.stream().allMatch(x -> x.agrees(list.get(0)))) {
          agreeing++;
        }
      }
    }
    String metric = null;
    List<Map.Entry<String, Double>> points = new ArrayList<>();
    for (TrainingRun run : rounds) {
      // The served model's score on the round's held-out split; the first round has no champion: its candidate's.
      Map<String, Double> m = run.getChampionMetrics() != null && !run.getChampionMetrics().isEmpty()
          ? run.getChampionMetrics() : run.getCandidateMetrics();
      if (m == null || m.isEmpty()) {
        continue;
      }
      if (metric == null) {
        metric = m.containsKey("macro_f1") ? "macro_f1" : m.containsKey("entity_f1") ? "entity_f1" : null;
      }
      Double v = metric == null ? null : m.get(metric);
      if (v != null && Double.isFinite(v)) {
        points.add(Map.entry(run.getRound(), v));
      }
    }
    return new Progress(open, lastHour, doubled, agreeing, metric, points);
  }

  /**
   * The spans of an answer, checked and snapped outward to whole words (the unit the model trains on,
   * {@link TextWords}): inside the text, a known type, at most {@value #MAX_SPANS}, no overlaps after snapping.
   *
   * @throws IllegalArgumentException naming the first bad span
   */
  public List<EntitySpan> snap(String text, List<EntitySpan> spans) {
    if (spans.size() > MAX_SPANS) {
      throw new IllegalArgumentException("more than " + MAX_SPANS + " entity spans");
    }
    TextWords words = TextWords.of(text);
    int length = text.codePointCount(0, text.length());
    List<EntitySpan> out = new ArrayList<>();
    for (EntitySpan s : spans) {
      if (s.getStart() < 0 || s.getEnd() > length || s.getEnd() <= s.getStart()) {
        throw new IllegalArgumentException("span " + s.getStart() + ".." + s.getEnd() + " is outside the text");
      }
      if (!knowsType(s.getType())) {
        throw new IllegalArgumentException("unknown entity type (configure it with --entity-types)");
      }
      int start = s.getStart();
      int end = s.getEnd();
      for (int w = 0; w < words.size(); w++) {
        if (words.start(w) < s.getEnd() && words.end(w) > s.getStart()) {
          start = Math.min(start, words.start(w));
          end = Math.max(end, words.end(w));
        }
      }
      out.add(new EntitySpan(s.getType(), start, end));
    }
    out.sort((a, b) -> Integer.compare(a.getStart(), b.getStart()));
    for (int i = 1; i < out.size(); i++) {
      if (out.get(i).getStart() < out.get(i - 1).getEnd()) {
        throw new IllegalArgumentException("entity spans overlap");
      }
    }
    return out;
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
