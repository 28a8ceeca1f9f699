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
 *
 * <p>Figures are compared only when both sides were measured on the same engine and precision (issue 32 §4: the
 * checkpoint's {@code devEngine}, {@code "tensorflow fp32"} for a version published before engines were named):
 * otherwise {@link #decide(Map, String, Map, String, double)} refuses with {@link Refusal#ENGINE_MISMATCH}, and the
 * caller re-scores the published version on the candidate's engine where it can ({@link Publisher} with a
 * {@link Publisher.ChampionScorer}, {@code trainer serve} always).
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

  /** Why a candidate was refused. */
  public enum Refusal {
    /** A gated metric is worse than the published version's by more than the tolerance. */
    WORSE,
    /** The two versions' figures were measured on different engines or precisions and are not compared. */
    ENGINE_MISMATCH,
    /** The published version could not be re-scored on the candidate's engine (e.g. it has no ONNX file). */
    ENGINE_UNAVAILABLE
  }

  /** Prefix of the reason of an {@link Refusal#ENGINE_MISMATCH} refusal. */
  public static final String ENGINE_MISMATCH_REASON = "gate.engine-mismatch";
  /** Prefix of the reason of an {@link Refusal#ENGINE_UNAVAILABLE} refusal. */
  public static final String ENGINE_UNAVAILABLE_REASON = "gate.engine-unavailable";

  /**
   * The decision, with one human-readable line per compared metric, and why it was refused (null when accepted).
   */
  public record Decision(boolean accepted, List<String> reasons, Refusal refusal) {
    public Decision {
      reasons = List.copyOf(reasons);
      if (accepted != (refusal == null)) {
        throw new IllegalArgumentException("a refused decision has a refusal, an accepted one none");
      }
    }

    /** A decision refused as {@link Refusal#WORSE} when not accepted. */
    public Decision(boolean accepted, List<String> reasons) {
      this(accepted, reasons, accepted ? null : Refusal.WORSE);
    }
  }

  /** The engine a version's figures were measured on: {@code engine}, or TensorFlow fp32 when it names none. */
  public static String engineOf(String engine) {
    return engine == null || engine.isBlank() ? RunReport.LEGACY_ENGINE : engine;
  }

  /**
   * {@link #decide(Map, Map, double)} when both sides' figures were measured on the same engine and precision
   * ({@link #engineOf}); refused as {@link Refusal#ENGINE_MISMATCH} otherwise, never compared across engines.
   *
   * @param candidateEngine the engine of the candidate's figures ({@code "onnxruntime int8"}), null: TensorFlow fp32
   * @param currentEngine the engine of the published version's figures, null: TensorFlow fp32
   */
  public static Decision decide(Map<String, Double> candidate, String candidateEngine, Map<String, Double> current,
      String currentEngine, double tolerance) {
    if (current != null && !engineOf(candidateEngine).equals(engineOf(currentEngine))) {
      if (!(tolerance >= 0)) {
        throw new IllegalArgumentException("gate tolerance must be >= 0, got " + tolerance);
      }
      return new Decision(false, List.of(ENGINE_MISMATCH_REASON + ": the candidate's figures were measured on "
          + engineOf(candidateEngine) + ", the published version's on " + engineOf(currentEngine) + "; figures of "
          + "different engines are not compared: re-score the published version on " + engineOf(candidateEngine)
          + " (fine-tune/distill --publish do when its bundle is in the store; trainer evaluate --engine), or measure "
          + "the candidate on " + engineOf(currentEngine) + " (--engine/--precision)"), Refusal.ENGINE_MISMATCH);
    }
    return decide(candidate, current, tolerance);
  }

  private PromotionGate() {}

  /**
   * @param candidate the candidate's dev metrics
   * @param current the published version's metrics, or null when none is published
   * @param tolerance how much worse a metric may be, >= 0
   * @see #decide(Map, String, Map, String, double) the same with the engines compared first
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
