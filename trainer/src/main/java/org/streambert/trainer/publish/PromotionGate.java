package org.streambert.trainer.publish;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.streambert.trainer.train.EvalReport;

/**
 * Decides whether a candidate may replace the published version of a model: each gated metric
 * ({@link #GATED_METRICS}: classification macro-F1, NER entity F1 on tokenized, raw-sentence and raw-document text, all as
 * served by BertPredictor) that both report
 * must satisfy {@code candidate >= current - tolerance}. When one side lacks the served figure (a version published
 * before they existed), its model figure ({@link #FALLBACK_METRICS}: conlleval) is compared instead, so an old
 * version still gates. Metrics only one side reports are not compared (e.g. a new head), and a model with no
 * published version is always accepted.
 */
public final class PromotionGate {

  /** The metrics compared, each higher-is-better in [0, 1]. */
  public static final List<String> GATED_METRICS = List.of(EvalReport.SERVED_MACRO_F1, EvalReport.SERVED_ENTITY_F1,
      EvalReport.SERVED_RAW_ENTITY_F1, EvalReport.SERVED_DOCUMENTS_ENTITY_F1);
  /**
   * Per gated metric, the model figure compared when either side lacks the served one (none for the raw-text figures:
   * those are compared only when both versions were evaluated on raw text, and the tokenized figure is gated anyway).
   */
  public static final List<String> FALLBACK_METRICS = java.util.Arrays.asList(EvalReport.MACRO_F1,
      EvalReport.ENTITY_F1, null, null);
  /** Default tolerance: none (not worse at all). */
  public static final double DEFAULT_TOLERANCE = 0.0;

  /** The decision, with one human-readable line per compared metric. */
  public record Decision(boolean accepted, List<String> reasons) {
    public Decision {
      reasons = List.copyOf(reasons);
    }
  }

  private PromotionGate() {}

  /**
   * @param candidate the candidate's dev metrics
   * @param current the published version's metrics, or null when none is published
   * @param tolerance how much worse a metric may be, >= 0
   */
  public static Decision decide(Map<String, Double> candidate, Map<String, Double> current, double tolerance) {
    if (!(tolerance >= 0)) {
      throw new IllegalArgumentException("gate tolerance must be >= 0, got " + tolerance);
    }
    if (current == null) {
      return new Decision(true, List.of("no published version: accepted"));
    }
    boolean accepted = true;
    List<String> reasons = new ArrayList<>();
    for (int i = 0; i < GATED_METRICS.size(); i++) {
      String metric = GATED_METRICS.get(i);
      Double c = candidate.get(metric);
      Double p = current.get(metric);
      if ((c == null || p == null) && FALLBACK_METRICS.get(i) != null) {
        metric = FALLBACK_METRICS.get(i);
        c = candidate.get(metric);
        p = current.get(metric);
      }
      if (c == null || p == null) {
        continue;
      }
      boolean ok = c >= p - tolerance;
      accepted &= ok;
      reasons.add(String.format(Locale.ROOT, "%s: candidate %.4f vs published %.4f (tolerance %.4f): %s", metric, c,
          p, tolerance, ok ? "ok" : "WORSE"));
    }
    if (reasons.isEmpty()) {
      reasons.add("no metric in common with the published version: accepted");
    }
    return new Decision(accepted, reasons);
  }
}
