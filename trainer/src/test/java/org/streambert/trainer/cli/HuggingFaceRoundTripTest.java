package org.streambert.trainer.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.streambert.trainer.cli.TinyRuns.TEXTS;
import static org.streambert.trainer.cli.TinyRuns.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.bert.bundle.BertBundles;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.inference.BertPredictor;
import org.streambert.bert.inference.Prediction;
import org.streambert.bert.weights.PoisonedSafetensors;
import org.streambert.trainer.ExitCodes;
import org.streambert.trainer.cli.TinyRuns.Run;
import org.streambert.trainer.data.DemoData;
import org.streambert.trainer.publish.RunReport;

/**
 * A bundle fine-tuned here → {@code export --format hf} → {@code import --hf} gives the same outputs, for each head;
 * {@code fine-tune --pretrained} starts from the exported directory; pickle weights are refused with exit code 2.
 */
class HuggingFaceRoundTripTest {

  @TempDir static Path dir;
  static Path data;
  static Path run;

  @BeforeAll
  static void fineTune() throws Exception {
    data = dir.resolve("data");
    run = dir.resolve("run");
    TinyRuns.fineTuneTiny(dir, data, run);
  }

  @Test
  void shouldGiveIdenticalOutputsAfterExportAndImportForEachHead() throws Exception {
    for (String head : List.of("topic", "ner")) {
      Path hf = dir.resolve("hf-" + head);
      Run e = run("export", "--format", "hf", "--bundle", run.toString(), "--head", head, "--out", hf.toString());
      assertEquals(ExitCodes.OK, e.code(), e.err());
      String arch = new ObjectMapper().readTree(hf.resolve("config.json").toFile()).get("architectures").get(0)
          .asText();
      assertEquals(head.equals("topic") ? "BertForSequenceClassification" : "BertForTokenClassification", arch);
      Path back = dir.resolve("back-" + head);
      Run i = run("import", "--hf", hf.toString(), "--out", back.toString(), "--model-name", "news",
          "--version", "2");
      assertEquals(ExitCodes.OK, i.code(), i.err());
      ModelBundle original = ModelBundle.open(run.resolve(RunReport.BUNDLE_DIR));
      ModelBundle imported = ModelBundle.open(back.resolve(RunReport.BUNDLE_DIR));
      assertEquals(original.model().tokenizer(), imported.model().tokenizer());
      try (BertPredictor a = BertBundles.openPredictor(original, BertBundles.defaultPredictorConfig(original));
          BertPredictor b = BertBundles.openPredictor(imported, BertBundles.defaultPredictorConfig(imported))) {
        List<Prediction> pa = a.predict(TEXTS);
        List<Prediction> pb = b.predict(TEXTS);
        for (int t = 0; t < TEXTS.size(); t++) {
          if (head.equals("topic")) {
            assertEquals(pa.get(t).labelScores(), pb.get(t).labelScores(), TEXTS.get(t));
            assertArrayEquals(pa.get(t).embedding(), pb.get(t).embedding());
          } else {
            assertEquals(pa.get(t).entities(), pb.get(t).entities(), TEXTS.get(t));
          }
        }
      }
      assertTrue(Files.readString(back.resolve(RunReport.FILE)).contains("golden"), "golden examples computed");
    }
  }

  @Test
  void shouldRefuseToExportTwoHeadsWithoutChoosingOne() {
    Run e = run("export", "--format", "hf", "--bundle", run.toString(), "--out", dir.resolve("both").toString());
    assertEquals(ExitCodes.BAD_INPUT, e.code());
    assertTrue(e.err().contains("a Hugging Face model has one"), e.err());
    Run f = run("export", "--format", "tflite", "--bundle", run.toString(), "--out", dir.resolve("x").toString());
    assertEquals(ExitCodes.BAD_INPUT, f.code());
    assertTrue(f.err().contains("accepted: [hf, onnx]"), f.err());
  }

  @Test
  void shouldFineTuneFromAnExportedHuggingFaceDirectory() throws Exception {
    Path hf = dir.resolve("hf-start");
    assertEquals(ExitCodes.OK, run("export", "--format", "hf", "--bundle", run.toString(), "--head", "topic",
        "--out", hf.toString()).code());
    Path next = dir.resolve("from-hf");
    Run r = run("fine-tune", "--pretrained", hf.toString(),
        "--cls-train", data.resolve(DemoData.TOPICS_TRAIN).toString(),
        "--cls-dev", data.resolve(DemoData.TOPICS_DEV).toString(), "--lr", "1e-3", "--batch-size", "16",
        "--epochs", "1", "--max-length", "32", "--golden", "1", "--out", next.toString());
    assertEquals(ExitCodes.OK, r.code(), r.err());
    assertEquals(ModelBundle.open(run.resolve(RunReport.BUNDLE_DIR)).model().classificationHead().get().labels(),
        ModelBundle.open(next.resolve(RunReport.BUNDLE_DIR)).model().classificationHead().get().labels(),
        "the Hugging Face head and its label order are kept");
  }

  @Test
  void shouldRefuseNaNWeightsNamingTheTensorWithBadInputExitCode() throws Exception {
    Path hf = dir.resolve("hf-nan");
    assertEquals(ExitCodes.OK, run("export", "--format", "hf", "--bundle", run.toString(), "--head", "topic",
        "--out", hf.toString()).code());
    PoisonedSafetensors.poison(hf.resolve("model.safetensors"), "bert.encoder.layer.0.attention.self.query.weight",
        3, Float.NaN);
    Run r = run("import", "--hf", hf.toString(), "--out", dir.resolve("never-nan").toString());
    assertEquals(ExitCodes.BAD_INPUT, r.code(), r.err());
    assertTrue(r.err().contains("weights.finite: tensor bert/encoder/layer_0/attention/self/query/kernel holds NaN"),
        r.err());
    assertTrue(!Files.exists(dir.resolve("never-nan")));
  }

  @Test
  void shouldRefusePickleWeightsWithBadInputExitCode() throws Exception {
    Path hf = dir.resolve("hf-pickle");
    assertEquals(ExitCodes.OK, run("export", "--format", "hf", "--bundle", run.toString(), "--head", "topic",
        "--out", hf.toString()).code());
    Files.move(hf.resolve("model.safetensors"), hf.resolve("pytorch_model.bin"));
    Run r = run("import", "--hf", hf.toString(), "--out", dir.resolve("never").toString());
    assertEquals(ExitCodes.BAD_INPUT, r.code());
    assertTrue(r.err().contains("pickle"), r.err());
    assertTrue(!Files.exists(dir.resolve("never")));
  }
}
