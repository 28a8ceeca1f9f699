package org.streambert.bert.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import java.time.Instant;
import java.util.List;
import org.streambert.bert.bundle.BertBundles;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.bundle.ModelDescriptor;
import org.streambert.bert.bundle.TokenizerSettings;
import org.streambert.bert.heads.ClassificationHead;
import org.streambert.bert.model.BertModel;
import org.streambert.bert.model.BertSavedModel;
import org.streambert.bert.model.DivergedModel;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.model.NonFiniteWeightException;
import org.streambert.bert.model.TinyBert;
import org.streambert.bert.model.WeightSource;
import org.streambert.bert.onnx.OnnxBundles;
import org.streambert.bert.onnx.OnnxExporter;

/**
 * Issue 29: NaN or infinite weights are refused where weights cross a boundary — import (every importer feeds
 * {@code BertVariable.initializeAll}), export (SavedModel, Hugging Face, Google checkpoint, ONNX) and load (ONNX
 * initializers; the SavedModel load is covered by the rollout tests) — with a {@link NonFiniteWeightException} that
 * names the tensor.
 */
class FiniteWeightsTest {

  private static final HeadsSpec HEADS = new HeadsSpec(2, false, 0);
  private static final String QUERY = "bert/encoder/layer_0/attention/self/query/kernel";

  @TempDir
  Path tmp;

  @Test
  void shouldRefuseAHuggingFaceCheckpointWithANaNWeightNamingTheTensor() throws Exception {
    Map<String, float[]> weights = TinyBert.randomWeights(TinyBert.CONFIG, HeadsSpec.NONE, 3);
    Path dir = tmp.resolve("hf");
    HuggingFaceExport.write(dir, TinyBert.CONFIG, weights, HuggingFaceCheckpointTest.vocab(
        TinyBert.CONFIG.vocabSize()), true, 32, null, null);
    PoisonedSafetensors.poison(dir.resolve(HuggingFaceCheckpoint.WEIGHTS_FILE), "encoder.layer.0.attention.self.query.weight",
        5, Float.NaN);
    try (HuggingFaceCheckpoint ckpt = HuggingFaceCheckpoint.open(dir)) {
      NonFiniteWeightException e = assertThrows(NonFiniteWeightException.class, () -> {
        try (BertModel m = BertModel.create(ckpt.config(), ckpt.heads(), ckpt.orElse(WeightSource.random(0.02, 1)))) {
          // imported: not refused
        }
      });
      assertEquals(QUERY, e.tensor());
      assertTrue(Float.isNaN(e.value()));
      assertTrue(e.getMessage().startsWith("weights.finite: tensor " + QUERY + " holds NaN"), e.getMessage());
    }
  }

  @Test
  void shouldRefuseInfiniteWeightsFromAnySource() {
    Map<String, float[]> weights = new HashMap<>(TinyBert.randomWeights(TinyBert.CONFIG, HEADS, 4));
    float[] bias = weights.get("cls_head/output_bias").clone();
    bias[1] = Float.NEGATIVE_INFINITY;
    weights.put("cls_head/output_bias", bias);
    NonFiniteWeightException e = assertThrows(NonFiniteWeightException.class,
        () -> BertModel.create(TinyBert.CONFIG, HEADS, WeightSource.ofArrays(weights)).close());
    assertEquals("cls_head/output_bias", e.tensor());
    assertEquals(1, e.index());
  }

  @Test
  void shouldRefuseToExportNaNWeightsInEveryFormat() {
    Map<String, float[]> weights = new HashMap<>(TinyBert.randomWeights(TinyBert.CONFIG, HEADS, 5));
    float[] query = weights.get(QUERY).clone();
    query[7] = Float.NaN;
    weights.put(QUERY, query);
    Path hf = tmp.resolve("hf-out");
    assertEquals(QUERY, assertThrows(NonFiniteWeightException.class, () -> HuggingFaceExport.write(hf,
        TinyBert.CONFIG, weights, HuggingFaceCheckpointTest.vocab(TinyBert.CONFIG.vocabSize()), true, 32, null,
        null)).tensor());
    assertFalse(Files.exists(hf), "nothing written");
    assertEquals(QUERY, assertThrows(NonFiniteWeightException.class,
        () -> OnnxExporter.write(TinyBert.CONFIG, HEADS, weights, new ByteArrayOutputStream())).tensor());
    assertEquals(QUERY, assertThrows(NonFiniteWeightException.class, () -> GoogleCheckpoint.write(
        tmp.resolve("ckpt").resolve("bert_model.ckpt"), weights,
        org.streambert.bert.model.BertGraph.variableShapes(TinyBert.CONFIG, HEADS))).tensor());
  }

  @Test
  void shouldRefuseToExportAndToLoadASavedModelWhoseTrainingDiverged() throws Exception {
    Path written = tmp.resolve("written");
    try (BertModel model = BertModel.create(TinyBert.CONFIG, HEADS,
        WeightSource.ofArrays(TinyBert.randomWeights(TinyBert.CONFIG, HEADS, 7)))) {
      DivergedModel.poison(model, QUERY, Float.NaN);
      assertEquals(QUERY, assertThrows(NonFiniteWeightException.class,
          () -> BertSavedModel.export(model, tmp.resolve("refused"))).tensor());
      assertFalse(Files.exists(tmp.resolve("refused").resolve("saved_model.pb")), "nothing exported");
      DivergedModel.writeBundle(written, model, HuggingFaceCheckpointTest.vocab(TinyBert.CONFIG.vocabSize()),
          new ModelDescriptor("tiny", "1", Instant.now(), BertBundles.bertConfigJson(TinyBert.CONFIG), new TokenizerSettings(true, 32),
              List.of(new ClassificationHead("c", List.of("a", "b"), false))));
    }
    NonFiniteWeightException e = assertThrows(NonFiniteWeightException.class,
        () -> BertSavedModel.load(written.resolve(ModelBundle.SAVED_MODEL_DIR), TinyBert.CONFIG, HEADS).close());
    assertEquals(QUERY, e.tensor());
    assertEquals(0, e.index());
  }

  @Test
  void shouldRefuseAnOnnxModelWithANaNInitializerAtLoad() throws Exception {
    Map<String, float[]> weights = new HashMap<>(TinyBert.randomWeights(TinyBert.CONFIG, HEADS, 6));
    float[] bias = new float[weights.get("cls_head/output_bias").length];
    for (int i = 0; i < bias.length; i++) {
      bias[i] = 1.25f + i * 0.5f; // a pattern to find in the file
    }
    weights.put("cls_head/output_bias", bias);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    OnnxExporter.write(TinyBert.CONFIG, HEADS, weights, out);
    byte[] model = out.toByteArray();
    OnnxBundles.requireFiniteInitializers(model); // finite: passes
    byte[] pattern = littleEndian(bias);
    int at = indexOf(model, pattern);
    assertTrue(at >= 0, "the bias's raw bytes are in the file");
    ByteBuffer.wrap(model, at + 4, 4).order(ByteOrder.LITTLE_ENDIAN).putFloat(Float.POSITIVE_INFINITY);
    NonFiniteWeightException e = assertThrows(NonFiniteWeightException.class,
        () -> OnnxBundles.requireFiniteInitializers(model));
    assertEquals(1, e.index());
    assertTrue(e.getMessage().contains("Infinity"), e.getMessage());
  }

  private static byte[] littleEndian(float[] values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      b.putFloat(v);
    }
    return b.array();
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
