package org.streambert.bert.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.BertGraph;
import org.streambert.bert.model.BertModel;
import org.streambert.bert.model.EncoderOutput;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.model.TinyBert;
import org.streambert.bert.model.TinyBert.Inputs;
import org.streambert.bert.model.WeightSource;
import org.streambert.bert.model.internals.TensorData;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/** Google's release layout, written here with SaveV2 for a tiny config (nothing is downloaded). */
class GoogleCheckpointTest {
  private static final BertConfig CFG = TinyBert.CONFIG;

  /** A release directory: bert_config.json, bert_model.ckpt.*, vocab.txt, plus an optimizer slot to be skipped. */
  private static Map<String, float[]> writeRelease(Path dir, long seed) throws Exception {
    Map<String, float[]> w = TinyBert.randomWeights(CFG, HeadsSpec.NONE, seed);
    Map<String, Shape> shapes = new LinkedHashMap<>(BertGraph.variableShapes(CFG, HeadsSpec.NONE));
    Map<String, float[]> stored = new LinkedHashMap<>(w);
    stored.put("bert/pooler/dense/kernel/adam_m", new float[32 * 32]);
    shapes.put("bert/pooler/dense/kernel/adam_m", Shape.of(32, 32));
    GoogleCheckpoint.write(dir.resolve(GoogleCheckpoint.CHECKPOINT_PREFIX), stored, shapes);
    CFG.write(dir.resolve(GoogleCheckpoint.CONFIG_FILE));
    Files.writeString(dir.resolve(GoogleCheckpoint.VOCAB_FILE), "[PAD]\n[UNK]\n");
    return w;
  }

  @Test
  void shouldReadBackEveryWrittenValueExactly(@TempDir Path dir) throws Exception {
    Map<String, float[]> w = writeRelease(dir, 51);
    try (GoogleCheckpoint ckpt = GoogleCheckpoint.open(dir)) {
      for (Map.Entry<String, Shape> e : BertGraph.variableShapes(CFG, HeadsSpec.NONE).entrySet()) {
        try (TFloat32 t = ckpt.read(e.getKey(), e.getValue()).orElseThrow()) {
          assertEquals(e.getValue(), t.shape(), e.getKey());
          assertArrayEquals(w.get(e.getKey()), TensorData.readFloats(t), e.getKey());
        }
      }
    }
  }

  @Test
  void shouldReadTheReleaseConfigAndVocabulary(@TempDir Path dir) throws Exception {
    writeRelease(dir, 52);
    try (GoogleCheckpoint ckpt = GoogleCheckpoint.open(dir)) {
      assertEquals(CFG, ckpt.config());
      assertEquals(dir.resolve("vocab.txt"), ckpt.vocab().orElseThrow());
    }
  }

  @Test
  void shouldReportAWeightTheCheckpointLacksAsAbsent(@TempDir Path dir) throws Exception {
    writeRelease(dir, 53);
    try (GoogleCheckpoint ckpt = GoogleCheckpoint.open(dir)) {
      assertTrue(ckpt.read("cls_head/output_weights", Shape.of(3, 32)).isEmpty());
    }
  }

  @Test
  void shouldBuildTheSameModelAsFromTheOriginalArrays(@TempDir Path dir) throws Exception {
    Map<String, float[]> w = writeRelease(dir, 54);
    Inputs in = TinyBert.inputs(2, 7, new int[] {7, 4}, 55);
    try (GoogleCheckpoint ckpt = GoogleCheckpoint.open(dir);
        BertModel fromCkpt = BertModel.create(ckpt.config(), HeadsSpec.NONE, ckpt);
        BertModel fromArrays = BertModel.create(CFG, HeadsSpec.NONE, WeightSource.ofArrays(w))) {
      EncoderOutput a = fromCkpt.encode(2, 7, in.ids(), in.mask(), in.segments());
      EncoderOutput b = fromArrays.encode(2, 7, in.ids(), in.mask(), in.segments());
      assertArrayEquals(b.sequence(), a.sequence());
      assertArrayEquals(b.pooled(), a.pooled());
    }
  }

  @Test
  void shouldKeepOnlyTheFirstLayersWhenTruncated(@TempDir Path dir) throws Exception {
    Map<String, float[]> w = writeRelease(dir, 56);
    Inputs in = TinyBert.inputs(2, 6, new int[] {6, 2}, 57);
    float[] fullFirstLayer = firstLayerOutput(w, in);
    try (GoogleCheckpoint ckpt = GoogleCheckpoint.open(dir);
        BertModel truncated = BertModel.create(ckpt.config().truncated(1), HeadsSpec.NONE, ckpt)) {
      Map<String, float[]> kept = truncated.weights();
      assertFalse(kept.keySet().stream().anyMatch(n -> n.startsWith("bert/encoder/layer_1/")));
      assertArrayEquals(w.get("bert/encoder/layer_0/output/dense/kernel"),
          kept.get("bert/encoder/layer_0/output/dense/kernel"));
      EncoderOutput out = truncated.encode(2, 6, in.ids(), in.mask(), in.segments());
      assertArrayEquals(fullFirstLayer, out.sequence());
    }
  }

  @Test
  void shouldSayWhereItLookedWhenThereIsNoCheckpoint(@TempDir Path dir) {
    var e = assertThrows(IllegalArgumentException.class, () -> GoogleCheckpoint.open(dir));
    assertTrue(e.getMessage().contains("bert_model.ckpt.index"), e.getMessage());
  }

  /** Output of encoder layer 0 of the full (2-layer) model. */
  private static float[] firstLayerOutput(Map<String, float[]> w, Inputs in) {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      BertGraph bg = BertGraph.build(Ops.create(g), CFG, HeadsSpec.NONE, false);
      bg.initialize(s, WeightSource.ofArrays(w));
      Shape shape = Shape.of(in.batch(), in.seqLen());
      try (TInt32 ids = TensorData.ints(shape, in.ids());
          TInt32 mask = TensorData.ints(shape, in.mask());
          TInt32 seg = TensorData.ints(shape, in.segments());
          Result r = s.runner().feed(bg.inputIds(), ids).feed(bg.inputMask(), mask).feed(bg.segmentIds(), seg)
              .fetch(bg.layerOutputs().get(0)).run()) {
        return TensorData.readFloats(r.get(0));
      }
    }
  }
}
