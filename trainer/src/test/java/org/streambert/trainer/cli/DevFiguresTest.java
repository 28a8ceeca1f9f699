package org.streambert.trainer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.bert.bundle.ModelBundle;
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
}
