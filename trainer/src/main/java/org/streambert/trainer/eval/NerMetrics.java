package org.streambert.trainer.eval;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.streambert.trainer.internals.Json;

/**
 * Entity-level NER evaluation with conlleval.pl semantics: entities are read from each sentence with
 * {@link Entities#fromIob2} (conlleval's chunk rules, sentence boundaries end entities), a predicted
 * entity is correct when a gold entity has exactly its span and type, and the overall scores are
 * micro-averaged over all entities. {@link #accuracy()} is conlleval's token accuracy (whole tags equal).
 *
 * @param tokens number of tokens evaluated
 * @param correctTags tokens whose predicted tag equals the gold tag
 * @param overall micro-averaged entity scores
 * @param perType scores per entity type (types found in gold or prediction), sorted by type
 */
public record NerMetrics(long tokens, long correctTags, EntityScore overall, Map<String, EntityScore> perType) {

  public NerMetrics {
    perType = java.util.Collections.unmodifiableMap(new TreeMap<>(perType));
  }

  /**
   * Evaluates predicted tag sequences against gold ones.
   *
   * @param gold per sentence, the gold IOB2 tags
   * @param predicted per sentence, the predicted IOB2 tags; same number of sentences and tokens as gold
   */
  public static NerMetrics evaluate(List<? extends List<String>> gold, List<? extends List<String>> predicted) {
    if (gold.size() != predicted.size()) {
      throw new IllegalArgumentException(
          "gold has " + gold.size() + " sentences but predictions have " + predicted.size());
    }
    long tokens = 0;
    long correctTags = 0;
    List<List<TypedSpan>> goldEntities = new ArrayList<>();
    List<List<TypedSpan>> predictedEntities = new ArrayList<>();
    for (int s = 0; s < gold.size(); s++) {
      List<String> g = gold.get(s);
      List<String> p = predicted.get(s);
      if (g.size() != p.size()) {
        throw new IllegalArgumentException("sentence " + s + ": gold has " + g.size()
            + " tags but the prediction has " + p.size());
      }
      tokens += g.size();
      for (int i = 0; i < g.size(); i++) {
        if (g.get(i).equals(p.get(i))) {
          correctTags++;
        }
      }
      goldEntities.add(entities(g, s, "gold"));
      predictedEntities.add(entities(p, s, "predicted"));
    }
    return count(tokens, correctTags, goldEntities, predictedEntities);
  }

  /**
   * Scores predicted entity spans against gold ones, per sentence, exact span and type; spans may be in any unit
   * (e.g. code points of the text a predictor served). No tags, so {@link #tokens()} and {@link #accuracy()} are 0.
   */
  public static NerMetrics ofSpans(List<? extends List<TypedSpan>> gold, List<? extends List<TypedSpan>> predicted) {
    if (gold.size() != predicted.size()) {
      throw new IllegalArgumentException(
          "gold has " + gold.size() + " sentences but predictions have " + predicted.size());
    }
    return count(0, 0, gold, predicted);
  }

  private static NerMetrics count(long tokens, long correctTags, List<? extends List<TypedSpan>> gold,
      List<? extends List<TypedSpan>> predicted) {
    Map<String, long[]> counts = new TreeMap<>(); // type -> {gold, predicted, correct}
    for (int s = 0; s < gold.size(); s++) {
      Set<TypedSpan> goldSet = new HashSet<>(gold.get(s));
      for (TypedSpan e : gold.get(s)) {
        counts.computeIfAbsent(e.type(), t -> new long[3])[0]++;
      }
      for (TypedSpan e : predicted.get(s)) {
        long[] c = counts.computeIfAbsent(e.type(), t -> new long[3]);
        c[1]++;
        if (goldSet.contains(e)) {
          c[2]++;
        }
      }
    }
    long[] total = new long[3];
    Map<String, EntityScore> perType = new TreeMap<>();
    for (Map.Entry<String, long[]> e : counts.entrySet()) {
      long[] c = e.getValue();
      perType.put(e.getKey(), EntityScore.of(c[0], c[1], c[2]));
      for (int k = 0; k < 3; k++) {
        total[k] += c[k];
      }
    }
    return new NerMetrics(tokens, correctTags, EntityScore.of(total[0], total[1], total[2]), perType);
  }

  private static List<TypedSpan> entities(List<String> tags, int sentence, String which) {
    try {
      return Entities.fromIob2(tags);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(which + " sentence " + sentence + ": " + e.getMessage(), e);
    }
  }

  /** Token accuracy: {@code correctTags / tokens} (0 for no tokens). */
  public double accuracy() {
    return tokens == 0 ? 0 : (double) correctTags / tokens;
  }

  /** The metrics as pretty-printed JSON (fractions in [0, 1], not percentages). */
  public String toJson() {
    Map<String, Object> json = new java.util.LinkedHashMap<>();
    json.put("tokens", tokens);
    json.put("accuracy", accuracy());
    json.put("overall", overall);
    json.put("perType", perType);
    return Json.pretty(json);
  }

  /** A table like conlleval's report, in percent. */
  public String toTable() {
    List<String> rows = new ArrayList<>();
    int width = Math.max("micro avg".length(), new TreeSet<>(perType.keySet()).stream()
        .mapToInt(String::length).max().orElse(0));
    String format = "%-" + width + "s  %9s  %6s  %6s  %6s  %9s  %7s";
    rows.add(tokens == 0
        ? String.format(Locale.ROOT, "%d gold entities; found: %d entities; correct: %d", overall.gold(),
            overall.predicted(), overall.correct())
        : String.format(Locale.ROOT,
            "processed %d tokens with %d entities; found: %d entities; correct: %d; accuracy: %s%%",
            tokens, overall.gold(), overall.predicted(), overall.correct(), Scores.percent(accuracy()).strip()));
    rows.add(String.format(Locale.ROOT, format, "type", "precision", "recall", "f1", "gold", "predicted", "correct"));
    perType.forEach((type, s) -> rows.add(row(format, type, s)));
    rows.add(row(format, "micro avg", overall));
    return String.join(System.lineSeparator(), rows) + System.lineSeparator();
  }

  private static String row(String format, String name, EntityScore s) {
    return String.format(Locale.ROOT, format, name, Scores.percent(s.precision()), Scores.percent(s.recall()),
        Scores.percent(s.f1()), s.gold(), s.predicted(), s.correct());
  }
}
