package org.streambert.streams.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.bert.bundle.BertBundles;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.bundle.ModelDescriptor;
import org.streambert.bert.bundle.TokenizerSettings;
import org.streambert.bert.inference.BertPredictor;
import org.streambert.bert.inference.Prediction;
import org.streambert.bert.model.BertModel;
import org.streambert.bert.model.Precision;
import org.streambert.bert.model.TinyBert;
import org.streambert.bert.model.WeightSource;
import org.streambert.bert.onnx.OnnxBundles;
import org.streambert.bert.onnx.OnnxPrecision;
import org.streambert.schemas.avro.GoldenExample;
import org.streambert.schemas.avro.LabelScore;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.rollout.RolloutStatus;
import org.streambert.streams.serving.ModelHolder;
import org.streambert.streams.serving.ModelLoaders;
import org.streambert.streams.serving.ModelLoaders.Engine;
import org.streambert.streams.serving.ServingEngine;

/**
 * Golden tolerances measured per engine (issue 32 §4): a tiny BERT (L=2, H=32) bundle with its ONNX file, golden
 * scores from TensorFlow fp32, and for each engine the tolerance the trainer stores (largest score move x 1.5, at least
 * 1e-4). An instance checks with the event's tolerance of the engine it serves, never a looser configured one; a
 * malformed tolerance refuses the event, one above {@code nlp.golden.score.tolerance.max} the engine.
 */
class GoldenToleranceRolloutTest {

  static final String TEXT = TensorFlowModelRolloutTest.TEXT;
  static final List<ServingEngine> ENGINES = List.of(ServingEngine.TENSORFLOW_FP32, ServingEngine.ONNXRUNTIME_FP32,
      ServingEngine.ONNXRUNTIME_INT8, ServingEngine.ONNXRUNTIME_INT8_PER_TENSOR);

  @TempDir
  Path dir;

  private final List<RolloutStatus> statuses = new CopyOnWriteArrayList<>();
  private ModelRollout rollout;

  @AfterEach
  void tearDown() {
    if (rollout != null) {
      rollout.close();
    }
  }

  /**
   * A rollout serving only {@code engine} (or auto, null), whose configured tolerances are {@code configured} for
   * every precision.
   */
  private ModelRollout start(ServingEngine engine, double configured) {
    if (rollout != null) {
      rollout.close();
    }
    ModelLoaders.Settings settings = engine == null
        ? new ModelLoaders.Settings(Engine.AUTO, Precision.FP32, Optional.empty(), 1, false)
        : engine.engine().equals(ServingEngine.TENSORFLOW)
            ? new ModelLoaders.Settings(Engine.TENSORFLOW, Precision.parse(engine.precision()), Optional.empty(), 1,
                false)
            : new ModelLoaders.Settings(Engine.ONNXRUNTIME, Precision.FP32,
                Optional.of(OnnxPrecision.parse(engine.precision())), 1, false);
    rollout = new ModelRollout("test", new ModelHolder("tiny"), ModelLoaders.create(null, settings),
        dir.resolve("cache-" + statuses.size()), statuses::add, configured, 32).withBf16Tolerance(configured)
        .withInt8Tolerance(configured);
    return rollout;
  }

  private RolloutStatus publish(ModelCheckpoint cp) throws InterruptedException {
    int before = statuses.size();
    rollout.onCheckpoint(cp);
    assertTrue(rollout.awaitIdle(Duration.ofSeconds(60)), "rollout did not finish");
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (statuses.size() == before && System.nanoTime() < deadline) {
      Thread.sleep(10); // a refusal before the fetch is reported by the status thread
    }
    assertEquals(before + 1, statuses.size(), "one status per checkpoint");
    return statuses.get(statuses.size() - 1);
  }

  private ModelBundle bundle() throws Exception {
    return EngineRolloutTest.bundle(dir.resolve("bundles"), "1", 1, true);
  }

  private static Prediction predict(ModelBundle bundle, ServingEngine engine) throws Exception {
    try (BertPredictor p = engine.engine().equals(ServingEngine.TENSORFLOW)
        ? BertBundles.openPredictor(bundle, BertBundles.defaultPredictorConfig(bundle),
            Precision.parse(engine.precision()))
        : OnnxBundles.openPredictor(bundle, BertBundles.defaultPredictorConfig(bundle),
            OnnxPrecision.parse(engine.precision()), 1)) {
      return p.predict(TEXT);
    }
  }

  /** The tolerances the trainer stores: per engine the largest label-score move against fp32's x 1.5, >= 1e-4. */
  private static Map<String, Double> measured(ModelBundle bundle, Prediction golden) throws Exception {
    Map<String, Double> tolerances = new LinkedHashMap<>();
    for (ServingEngine engine : ENGINES) {
      Prediction p = predict(bundle, engine);
      assertEquals(golden.label().label(), p.label().label(), engine + " keeps the golden label");
      double move = 0;
      for (org.streambert.bert.inference.LabelScore s : golden.labelScores()) {
        float actual = p.labelScores().stream().filter(x -> x.label().equals(s.label())).findFirst().orElseThrow()
            .score();
        move = Math.max(move, Math.abs(actual - s.score()));
      }
      tolerances.put(engine.toString(), Math.max(move * 1.5, 1e-4));
    }
    return tolerances;
  }

  /**
   * The checkpoint of the bundle (golden example from TensorFlow fp32, as the trainer computes it) with
   * {@code tolerances} and its expected scores moved by {@code scoreShift}.
   */
  private static ModelCheckpoint checkpoint(ModelBundle bundle, Prediction p, Map<String, Double> tolerances,
      float scoreShift) throws Exception {
    ModelCheckpoint cp = EngineRolloutTest.checkpoint(bundle);
    GoldenExample g = cp.getGoldenExamples().get(0);
    assertEquals(p.label().label(), g.getExpectedLabel());
    List<LabelScore> shifted = g.getExpectedScores().stream()
        .map(s -> new LabelScore(s.getLabel(), s.getScore() + scoreShift)).toList();
    return ModelCheckpoint.newBuilder(cp)
        .setGoldenExamples(List.of(GoldenExample.newBuilder(g).setExpectedScores(shifted).build()))
        .setGoldenTolerances(tolerances).build();
  }

  @Test
  void shouldAcceptABundleWithMeasuredTolerancesOnEachEngineAndNothingLooser() throws Exception {
    ModelBundle bundle = bundle();
    Prediction golden = predict(bundle, ServingEngine.TENSORFLOW_FP32);
    Map<String, Double> tolerances = measured(bundle, golden);
    assertEquals(1e-4, tolerances.get("tensorflow fp32"), "fp32 reproduces itself: the floor");
    for (ServingEngine engine : ENGINES) {
      // configured tolerances of 0: only the event's measured tolerance can let a moved score pass (random tiny
      // weights move per-tensor int8 scores far more than a trained model's, hence no maximum here)
      start(engine, 0.0).withMaxGoldenTolerance(1.0);
      RolloutStatus ok = publish(checkpoint(bundle, golden, tolerances, 0f));
      assertEquals(RolloutStatus.LOADED, ok.status(), engine + ": " + ok.reason());
      assertEquals(engine.engine(), ok.engine());
      assertEquals(engine.precision(), ok.precision());
    }
  }

  @Test
  void shouldRefuseATamperedGoldenScoreBeyondTheStoredToleranceThoughTheConfiguredOneIsLooser() throws Exception {
    ModelBundle bundle = bundle();
    Prediction golden = predict(bundle, ServingEngine.TENSORFLOW_FP32);
    Map<String, Double> tolerances = measured(bundle, golden);
    float shift = (float) (2 * tolerances.get("onnxruntime int8")) + 1e-3f;
    start(ServingEngine.ONNXRUNTIME_INT8, 0.5); // a configured 0.5 would pass the shifted score
    RolloutStatus refused = publish(checkpoint(bundle, golden, tolerances, shift));
    assertEquals(RolloutStatus.REFUSED, refused.status());
    assertTrue(refused.reason().contains("golden example 0: expected score")
        && refused.reason().contains("tolerance " + tolerances.get("onnxruntime int8")), refused.reason());
    // without stored tolerances (an old event) the configured one applies: the same shift passes at 0.5
    start(ServingEngine.ONNXRUNTIME_INT8, 0.5);
    RolloutStatus old = publish(ModelCheckpoint.newBuilder(checkpoint(bundle, golden, tolerances, shift))
        .setGoldenTolerances(null).build());
    assertEquals(RolloutStatus.LOADED, old.status(), old.reason());
    // nor with nlp.golden.score.tolerance.from.event=false: the operator's configured tolerance decides
    start(ServingEngine.ONNXRUNTIME_INT8, 0.5).withEventTolerances(false);
    RolloutStatus configured = publish(checkpoint(bundle, golden, tolerances, shift));
    assertEquals(RolloutStatus.LOADED, configured.status(), configured.reason());
  }

  @Test
  void shouldRefuseOnTheEngineAToleranceAboveTheMaximumAndServeTheNext() throws Exception {
    ModelBundle bundle = bundle();
    Prediction golden = predict(bundle, ServingEngine.TENSORFLOW_FP32);
    Map<String, Double> tolerances = new HashMap<>(measured(bundle, golden));
    tolerances.put("onnxruntime int8", 0.5);
    start(null, 0.0).withMaxGoldenTolerance(0.2);
    RolloutStatus status = publish(checkpoint(bundle, golden, tolerances, 0f));
    assertEquals(RolloutStatus.LOADED, status.status(), status.reason());
    assertTrue(status.engineRefusals().get(0).startsWith("onnxruntime int8: golden.tolerance: the event's golden "
        + "tolerance 0.5 for onnxruntime int8 exceeds nlp.golden.score.tolerance.max 0.2"),
        status.engineRefusals().toString());
    assertEquals("tensorflow", status.engine(), "the next engine in auto's order, with its measured tolerance");
    assertEquals("fp32", status.precision());
  }

  @Test
  void shouldRefuseAnEventWhoseToleranceIsNotANumberInTheUnitRangeOrTooMany() throws Exception {
    ModelBundle bundle = bundle();
    Prediction golden = predict(bundle, ServingEngine.TENSORFLOW_FP32);
    start(ServingEngine.TENSORFLOW_FP32, 1e-3);
    for (double bad : new double[] {Double.NaN, -1e-3, 1.5, Double.POSITIVE_INFINITY}) {
      RolloutStatus refused = publish(checkpoint(bundle, golden, Map.of("tensorflow fp32", bad), 0f));
      assertEquals(RolloutStatus.REFUSED, refused.status(), "tolerance " + bad);
      assertTrue(refused.reason().startsWith("golden.tolerance: the golden tolerance for tensorflow fp32 is " + bad),
          refused.reason());
    }
    Map<String, Double> many = new LinkedHashMap<>();
    for (int i = 0; i <= GoldenTolerance.MAX_ENTRIES; i++) {
      many.put("engine" + i + " fp32", 0.01);
    }
    assertTrue(GoldenTolerance.refusal(checkpoint(bundle, golden, many, 0f)).startsWith("golden.tolerance: the event "
        + "carries 17 golden tolerances"));
    assertTrue(GoldenTolerance.refusal(checkpoint(bundle, golden, Map.of("x".repeat(65), 0.01), 0f))
        .startsWith("golden.tolerance: an engine name of 65 characters"));
    assertNull(GoldenTolerance.refusal(checkpoint(bundle, golden, Map.of("tensorflow fp32", 1e-4), 0f)));
  }
}
