package org.streambert.bert.model;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.tensorflow.ndarray.Shape;

/** {@link ModelMemory}: the parameter count is the graph's, and what would not fit is refused with its figures. */
class ModelMemoryTest {

  private static final long GIB = 1L << 30;

  @Test
  void shouldCountExactlyTheParametersTheGraphBuildsForEveryFamily() {
    BertConfig base = new BertConfig(120, 32, 2, 4, 64, Activation.GELU_ERF, 0.1, 0.1, 66, 1, 0.02);
    for (ModelFamily family : ModelFamily.values()) {
      BertConfig cfg = family == ModelFamily.ELECTRA
          ? base.asFamily(family).withOptions(family, 1e-12, -1, 16, Activation.GELU_ERF) : base.asFamily(family);
      for (HeadsSpec heads : List.of(HeadsSpec.NONE, new HeadsSpec(3, false, 5))) {
        long built = BertGraph.variableShapes(cfg, heads).values().stream().mapToLong(Shape::size).sum();
        assertEquals(built, ModelMemory.parameters(cfg, heads), family + " " + heads);
      }
    }
  }

  @Test
  void shouldRefuseAnXlmRobertaBaseThatCannotLiveTwiceBesideTheHeap() {
    BertConfig xlmr = new BertConfig(250002, 768, 12, 12, 3072, Activation.GELU_ERF, 0.1, 0.1, 514, 1, 0.02)
        .asFamily(ModelFamily.XLM_ROBERTA);
    ModelMemory tf = ModelMemory.estimate(xlmr, HeadsSpec.classification(3), ModelMemory.Engine.TENSORFLOW);
    assertEquals(278_043_648L + 3 * 769, tf.parameters(), "HF's XLMRobertaModel count plus the 3-class layer");
    assertEquals(250002L * 768, tf.largestTensor());
    // a 4 GiB container whose heap holds 2 GiB: one model resident and one loading do not fit in the other 2
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> tf.requireFits("bundle xlmr", GIB, 2 * GIB, 4 * GIB, ModelMemory.LIVE_MODELS_DURING_SWAP));
    assertTrue(e.getMessage().contains("does not fit in memory") && e.getMessage().contains("278,045,955 parameters"),
        e.getMessage());
    assertDoesNotThrow(() -> tf.requireFits("bundle xlmr", GIB, GIB, 8 * GIB, ModelMemory.LIVE_MODELS_DURING_SWAP));
    assertDoesNotThrow(() -> tf.requireFits("bundle xlmr", GIB, GIB, Long.MAX_VALUE, 2), "no known limit");

    ModelMemory ort = ModelMemory.estimate(xlmr, HeadsSpec.classification(3), ModelMemory.Engine.ONNXRUNTIME_FP32);
    IllegalStateException heap = assertThrows(IllegalStateException.class,
        () -> ort.requireFits("bundle xlmr", GIB / 2, GIB, 64 * GIB, 2));
    assertTrue(heap.getMessage().contains("does not fit the Java heap"), heap.getMessage());
    assertTrue(ort.loadPeakBytes() > tf.loadPeakBytes(), "ONNX Runtime needs more while it builds its session");
  }

  @Test
  void shouldLetBertBaseLoadOnTheDeployedFourGibContainer() {
    ModelMemory bert = ModelMemory.estimate(BertConfig.base(30522), new HeadsSpec(3, false, 9),
        ModelMemory.Engine.TENSORFLOW);
    assertDoesNotThrow(() -> bert.requireFits("bert-base", GIB, GIB, 4 * GIB, 2));
  }
}
