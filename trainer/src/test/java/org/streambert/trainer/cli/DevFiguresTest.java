package org.streambert.trainer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.inference.Entity;
import org.streambert.bert.inference.LabelScore;
import org.streambert.bert.inference.Prediction;
import org.streambert.bert.onnx.OnnxBundles;
import org.streambert.trainer.ExitCodes;
import org.streambert.trainer.data.DemoData;
import org.streambert.trainer.publish.RunReport;

/**
 * fine-tune's published dev figures are measured on the engine and precision the bundle is served on (issue 32 §4):
 * {@code --engine auto} is what an instance serves by default, and the run report, dev-metrics.json and the
 * checkpoint event name it.
 */
class DevFiguresTest {

  @TempDir Path dir;

  @Test
  void shouldResolveAutoToWhatAnInstanceServesByDefault() {
    assertEquals(new ServedArithmetic("onnxruntime", "int8"), DevFigures.resolve("auto", null, true));
    assertEquals(ServedArithmetic.TENSORFLOW_FP32, DevFigures.resolve("auto", null, false));
    assertEquals(ServedArithmetic.TENSORFLOW_FP32, DevFigures.resolve("tensorflow", null, true));
    assertEquals(new ServedArithmetic("onnxruntime", "int8"), DevFigures.resolve("onnxruntime", null, false));
    assertEquals(new ServedArithmetic("onnxruntime", "int8-per-tensor"),
        DevFigures.resolve("onnxruntime", "int8-per-tensor", false));
  }

  @Test
  void shouldRefuseAPrecisionWithoutAnEngineAndUnknownNames() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DevFigures.resolve("auto", "bf16", true));
    assertTrue(e.getMessage().contains("--engine"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> DevFigures.resolve("openvino", null, true));
    assertThrows(IllegalArgumentException.class, () -> DevFigures.resolve("onnxruntime", "bf16", true));
    assertEquals(new ServedArithmetic("onnxruntime", "int8"), ServedArithmetic.fromName("onnxruntime int8"));
    assertThrows(IllegalArgumentException.class, () -> ServedArithmetic.fromName("onnxruntime"));
  }

  @Test
  void shouldPublishDevFiguresMeasuredOnTheChosenEngine() throws Exception {
    Path data = dir.resolve("data");
    DemoData.write(data, 160, 40, 1);
    Path config = dir.resolve("tiny.json");
    Files.writeString(config, TinyRuns.CONFIG);
    Path run = dir.resolve("run");
    TinyRuns.Run r = TinyRuns.run("fine-tune", "--bert-config", config.toString(),
        "--cls-train", data.resolve(DemoData.TOPICS_TRAIN).toString(),
        "--cls-dev", data.resolve(DemoData.TOPICS_DEV).toString(),
        "--ner-train", data.resolve(DemoData.NER_TRAIN).toString(),
        "--ner-dev", data.resolve(DemoData.NER_DEV).toString(), "--lr", "1e-3", "--batch-size", "16",
        "--epochs", "1", "--max-length", "32", "--golden", "2", "--out", run.toString(), "--model-name", "news",
        "--version", "1", "--engine", "onnxruntime");
    assertEquals(ExitCodes.OK, r.code(), r.err());

    Path bundleDir = run.resolve(RunReport.BUNDLE_DIR);
    assertTrue(OnnxBundles.hasOnnx(ModelBundle.open(bundleDir)), "--engine onnxruntime implies --with-onnx");
    RunReport report = RunReport.read(run);
    assertEquals("onnxruntime int8", report.devEngine());
    assertEquals("onnxruntime int8", report.toCheckpoint("file:///x/", "a".repeat(64)).getDevEngine());
    // golden tolerances measured on every engine the bundle serves on, in run.json and the event
    Map<String, Double> tolerances = report.goldenTolerances();
    assertEquals(GoldenTolerances.FLOOR, tolerances.get("tensorflow fp32"), "fp32 reproduces its own golden scores");
    for (String engine : List.of("onnxruntime fp32", "onnxruntime int8", "onnxruntime int8-per-tensor")) {
      Double t = tolerances.get(engine);
      assertTrue(t != null && t >= GoldenTolerances.FLOOR && t <= 1, engine + ": " + tolerances);
    }
    assertEquals(tolerances, report.toCheckpoint("file:///x/", "a".repeat(64)).getGoldenTolerances());
    JsonNode devMetrics = new ObjectMapper().readTree(run.resolve(DevFigures.FILE).toFile());
    assertEquals("onnxruntime int8", devMetrics.get("engine").asText());

    // the published figures are the bundle's on ONNX Runtime int8 through evaluate's served path
    Map<String, Double> onOrt = EvaluateCommand.evaluate(bundleDir,
        org.streambert.trainer.data.ClassificationReader.read(data.resolve(DemoData.TOPICS_DEV)).examples(),
        org.streambert.trainer.data.ConllReader.read(data.resolve(DemoData.NER_DEV), null).sentences(), 32,
        new ServedArithmetic("onnxruntime", "int8"), false, org.streambert.trainer.train.ServedText.TOKENIZED,
        java.util.Set.of(org.streambert.trainer.train.ServedText.TOKENIZED)).metrics();
    assertFalse(onOrt.isEmpty());
    for (Map.Entry<String, Double> m : onOrt.entrySet()) {
      assertEquals(m.getValue(), report.metrics().get(m.getKey()), 1e-9, m.getKey());
    }
  }

  @Test
  void shouldJustifyAToleranceByTheLargestMeasuredMoveAndGiveNoneWhereALabelOrEntityChanges() {
    ServedArithmetic int8 = new ServedArithmetic("onnxruntime", "int8");
    List<RunReport.Golden> golden = List.of(
        new RunReport.Golden("a", "pos", List.of(new RunReport.Score("pos", 0.8f), new RunReport.Score("neg", 0.2f)),
            List.of()),
        new RunReport.Golden("b", "neg", List.of(new RunReport.Score("pos", 0.3f), new RunReport.Score("neg", 0.7f)),
            List.of(new RunReport.Span("ORG", "b", 0, 1, 0.9f))));
    List<Prediction> moved = List.of(prediction("pos", 0.78f, 0.22f, List.of()),
        prediction("neg", 0.34f, 0.66f, List.of(new Entity("ORG", 0, 1, "b", 0.5f))));
    GoldenTolerances.Measured m = GoldenTolerances.compare(int8, golden, moved);
    assertEquals(0.04, m.largestMove(), 1e-6);
    assertEquals(0.06, m.tolerance(), 1e-6, "largest move x 1.5");
    assertEquals(GoldenTolerances.FLOOR, GoldenTolerances.compare(int8, golden,
        List.of(prediction("pos", 0.8f, 0.2f, List.of()), prediction("neg", 0.3f, 0.7f,
            List.of(new Entity("ORG", 0, 1, "b", 0.9f))))).tolerance(), "no move: the floor");

    GoldenTolerances.Measured flipped = GoldenTolerances.compare(int8, golden,
        List.of(prediction("neg", 0.45f, 0.55f, List.of()), moved.get(1)));
    assertEquals(null, flipped.tolerance());
    assertTrue(flipped.refusal().contains("labelled neg, not pos"), flipped.refusal());
    GoldenTolerances.Measured lostEntity = GoldenTolerances.compare(int8, golden,
        List.of(moved.get(0), prediction("neg", 0.34f, 0.66f, List.of())));
    assertEquals(null, lostEntity.tolerance());
    GoldenTolerances.Measured nan = GoldenTolerances.compare(int8, golden,
        List.of(prediction("pos", Float.NaN, 0.2f, List.of()), moved.get(1)));
    assertEquals(null, nan.tolerance());
  }

  private static Prediction prediction(String label, float pos, float neg, List<Entity> entities) {
    LabelScore p = new LabelScore("pos", pos);
    LabelScore n = new LabelScore("neg", neg);
    return new Prediction(label.equals("pos") ? p : n, List.of(p, n), List.of(label), entities, new float[0], false);
  }
}
