package org.streambert.streams.rollout;

import java.util.Map;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.streams.serving.ServingEngine;

/**
 * The golden score tolerances a checkpoint event carries per engine and precision ({@code goldenTolerances}, issue 32
 * §4: the largest score move the trainer measured on that engine, times 1.5, at least 1e-4), bounded like every other
 * input: at most {@value #MAX_ENTRIES} entries, engine names of at most {@value #MAX_NAME_CHARS} characters, each
 * tolerance a finite number in [0, 1]. An event that breaks a bound is refused before its bundle is fetched; a
 * tolerance above {@code nlp.golden.score.tolerance.max} refuses the engine it is for (the next engine is tried).
 */
final class GoldenTolerance {

  /** Most entries of an event's golden tolerances: a handful of engines and precisions exist. */
  static final int MAX_ENTRIES = 16;
  /** Longest engine name ({@code "onnxruntime int8-per-tensor"} has 27 characters). */
  static final int MAX_NAME_CHARS = 64;
  /** Prefix of the reasons of a refusal for golden tolerances. */
  static final String REASON = "golden.tolerance";

  private GoldenTolerance() {}

  /** Why the event's golden tolerances are malformed, or null (none, or all within the bounds). */
  static String refusal(ModelCheckpoint checkpoint) {
    Map<String, Double> tolerances = checkpoint.getGoldenTolerances();
    if (tolerances == null) {
      return null;
    }
    if (tolerances.size() > MAX_ENTRIES) {
      return REASON + ": the event carries " + tolerances.size() + " golden tolerances, at most " + MAX_ENTRIES;
    }
    for (Map.Entry<String, Double> e : tolerances.entrySet()) {
      String name = String.valueOf(e.getKey());
      if (name.length() > MAX_NAME_CHARS) {
        return REASON + ": an engine name of " + name.length() + " characters, at most " + MAX_NAME_CHARS;
      }
      Double t = e.getValue();
      // written so that NaN fails: NaN compares false both ways
      if (t == null || !(t >= 0 && t <= 1)) {
        return REASON + ": the golden tolerance for " + name + " is " + t + ", not a number in [0, 1]";
      }
    }
    return null;
  }

  /**
   * The tolerance the event measured for {@code engine}, or null when it carries none for it (then the instance's
   * configured tolerance of the precision applies).
   */
  static Double stored(ModelCheckpoint checkpoint, ServingEngine engine) {
    Map<String, Double> tolerances = checkpoint.getGoldenTolerances();
    return tolerances == null ? null : tolerances.get(engine.toString());
  }
}
