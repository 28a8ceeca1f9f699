package org.streambert.bert.qa;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Exact match and F1 as the official SQuAD v1.1 evaluation script ({@code evaluate-v1.1.py}) computes them: both
 * texts normalised (lower-case, ASCII punctuation removed, the articles a/an/the removed as whole words, whitespace
 * collapsed), F1 over the bags of normalised tokens, the maximum over the ground truths, averaged over questions and
 * reported in percent. Stateless.
 */
public final class SquadMetrics {
  /** Python's {@code string.punctuation}. */
  private static final String PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
  /** {@code re.sub(r'\b(a|an|the)\b', ' ', text)}; Python 3's {@code \b} is Unicode-aware. */
  private static final Pattern ARTICLES = Pattern.compile("\\b(a|an|the)\\b", Pattern.UNICODE_CHARACTER_CLASS);
  private static final Pattern WHITESPACE = Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS);

  /**
   * Scores in percent.
   *
   * @param exactMatch 100 × mean exact match
   * @param f1         100 × mean F1
   * @param count      questions scored (questions without a prediction count as 0)
   */
  public record Score(double exactMatch, double f1, int count) {
    @Override
    public String toString() {
      return String.format(Locale.ROOT, "EM %.2f F1 %.2f (%d questions)", exactMatch, f1, count);
    }
  }

  private SquadMetrics() {
  }

  /** {@code normalize_answer}: lower, remove punctuation, remove articles, fix whitespace. */
  public static String normalize(String s) {
    String lower = s.toLowerCase(Locale.ROOT);
    StringBuilder noPunct = new StringBuilder(lower.length());
    lower.codePoints().filter(cp -> PUNCTUATION.indexOf(cp) < 0).forEach(noPunct::appendCodePoint);
    String noArticles = ARTICLES.matcher(noPunct).replaceAll(" ");
    return String.join(" ", tokens(noArticles));
  }

  /** {@code exact_match_score}: 1 when the normalised texts are equal, else 0. */
  public static double exactMatch(String prediction, String groundTruth) {
    return normalize(prediction).equals(normalize(groundTruth)) ? 1 : 0;
  }

  /** {@code f1_score}: harmonic mean of token precision and recall over the normalised token bags. */
  public static double f1(String prediction, String groundTruth) {
    List<String> p = tokens(normalize(prediction));
    List<String> g = tokens(normalize(groundTruth));
    Map<String, Integer> counts = new HashMap<>();
    for (String t : g) {
      counts.merge(t, 1, Integer::sum);
    }
    int same = 0;
    for (String t : p) {
      Integer c = counts.get(t);
      if (c != null && c > 0) {
        same++;
        counts.put(t, c - 1);
      }
    }
    if (same == 0) {
      return 0;
    }
    double precision = (double) same / p.size();
    double recall = (double) same / g.size();
    return 2 * precision * recall / (precision + recall);
  }

  /** {@code metric_max_over_ground_truths} with exact match. */
  public static double maxExactMatch(String prediction, List<String> groundTruths) {
    return groundTruths.stream().mapToDouble(g -> exactMatch(prediction, g)).max().orElse(0);
  }

  /** {@code metric_max_over_ground_truths} with F1. */
  public static double maxF1(String prediction, List<String> groundTruths) {
    return groundTruths.stream().mapToDouble(g -> f1(prediction, g)).max().orElse(0);
  }

  /**
   * {@code evaluate}: every example counts; one without a prediction scores 0 (the script prints "Unanswered
   * question ... will receive score 0").
   *
   * @param predictions answer text by question id
   */
  public static Score evaluate(List<SquadExample> examples, Map<String, String> predictions) {
    double em = 0;
    double f1 = 0;
    for (SquadExample e : examples) {
      String p = predictions.get(e.id());
      if (p == null) {
        continue;
      }
      em += maxExactMatch(p, e.answerTexts());
      f1 += maxF1(p, e.answerTexts());
    }
    int n = examples.size();
    return new Score(n == 0 ? 0 : 100 * em / n, n == 0 ? 0 : 100 * f1 / n, n);
  }

  /** Python's {@code str.split()}: runs of whitespace separate, no empty tokens. */
  private static List<String> tokens(String s) {
    String trimmed = s.strip();
    return trimmed.isEmpty() ? List.of() : List.of(WHITESPACE.split(trimmed));
  }
}
