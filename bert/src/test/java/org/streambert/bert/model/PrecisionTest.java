package org.streambert.bert.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.bert.model.TinyBert.Inputs;

class PrecisionTest {
  private static final BertConfig CFG = TinyBert.CONFIG;
  private static final HeadsSpec HEADS = HeadsSpec.classification(3).withTokenHead(5);
  /** bf16 keeps 8 significant bits: probabilities of a tiny random model move by well under this. */
  private static final float BF16_PROB_TOLERANCE = 0.03f;

  @Test
  void shouldParseEveryPrecisionInAnyCaseAndRejectOthersNamingTheValues() {
    assertEquals(Precision.BF16, Precision.parse(" BF16 "));
    assertEquals(Precision.FP32, Precision.parse("fp32"));
    assertEquals(Precision.AUTO, Precision.parse("Auto"));
    var e = assertThrows(IllegalArgumentException.class, () -> Precision.parse("fp16"));
    assertTrue(e.getMessage().contains("auto, fp32, bf16 or int8"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Precision.parse(null));
  }

  @Test
  void shouldResolveAutoByTheCpuFlags() {
    assertEquals(Precision.cpuHasBf16() ? Precision.BF16 : Precision.FP32, Precision.AUTO.resolve());
    assertEquals(Precision.FP32, Precision.FP32.resolve());
    assertEquals(Precision.BF16, Precision.BF16.resolve());
    assertTrue(Precision.onednnRewriteConfig().getGraphOptions().getRewriteOptions()
        .getAutoMixedPrecisionOnednnBfloat16().getNumber() > 0);
  }

  @Test
  void shouldServeTheSameSavedModelInBf16CloseToFp32ButNotBitIdentical(@TempDir Path dir) {
    assumeTrue(Precision.cpuHasBf16(), "this CPU has neither amx_bf16 nor avx512_bf16");
    Path export = dir.resolve("model");
    try (BertModel original = BertModel.create(CFG, HEADS,
        WeightSource.ofArrays(TinyBert.randomWeights(CFG, HEADS, 7)))) {
      BertSavedModel.export(original, export);
    }
    float[] diffs = diffsAgainstFp32(export, HEADS, Precision.BF16);
    assertTrue(diffs[0] < BF16_PROB_TOLERANCE && diffs[1] < BF16_PROB_TOLERANCE,
        "class " + diffs[0] + ", token " + diffs[1]);
    assertFalse(diffs[0] == 0 && diffs[1] == 0 && diffs[2] == 0,
        "bf16 gave bit-identical outputs: the bf16 graph was not served");
  }

  /**
   * The SavedModel at {@code export} served at fp32 and at {@code precision} on the same three rows: the largest
   * difference of the class probabilities, the token probabilities and the pooled output.
   */
  static float[] diffsAgainstFp32(Path export, HeadsSpec heads, Precision precision) {
    try (BertModel fp32 = BertSavedModel.load(export, CFG, heads, Precision.FP32);
        BertModel other = BertSavedModel.load(export, CFG, heads, precision)) {
      Inputs in = TinyBert.inputs(3, 17, new int[] {17, 5, 11}, 8);
      ForwardResult a = fp32.run(3, 17, in.ids(), in.mask(), in.segments());
      ForwardResult b = other.run(3, 17, in.ids(), in.mask(), in.segments());
      return new float[] {maxAbsDiff(a.classProbs(), b.classProbs()), maxAbsDiff(a.tokenProbs(), b.tokenProbs()),
          maxAbsDiff(a.pooled(), b.pooled())};
    }
  }

  @Test
  void shouldServeBf16KernelsOnlyAndRefuseToHandOutWeightsItNoLongerHolds(@TempDir Path dir) {
    Path export = dir.resolve("model");
    Inputs in = TinyBert.inputs(2, 9, new int[] {9, 4}, 3);
    ForwardResult expected;
    try (BertModel original = BertModel.create(CFG, HEADS,
        WeightSource.ofArrays(TinyBert.randomWeights(CFG, HEADS, 11)))) {
      BertSavedModel.export(original, export);
      expected = original.run(2, 9, in.ids(), in.mask(), in.segments());
    }
    try (BertModel bf16 = BertSavedModel.load(export, CFG, HEADS, Precision.BF16)) {
      // Every encoder kernel exists twice in the graph, and after loading only the bf16 twin holds values.
      long twins = 0;
      for (var ops = bf16.graph().operations(); ops.hasNext(); ) {
        twins += ops.next().name().endsWith("/kernel_bf16") ? 1 : 0;
      }
      assertEquals(BertGraph.variableShapes(CFG, HEADS).keySet().stream().filter(n -> n.endsWith("/kernel")).count(),
          twins);
      IllegalStateException e = assertThrows(IllegalStateException.class, bf16::weights);
      assertTrue(e.getMessage().contains("bf16"), e.getMessage());
      ForwardResult actual = bf16.run(2, 9, in.ids(), in.mask(), in.segments());
      assertTrue(maxAbsDiff(expected.classProbs(), actual.classProbs()) < BF16_PROB_TOLERANCE);
      assertTrue(maxAbsDiff(expected.tokenProbs(), actual.tokenProbs()) < BF16_PROB_TOLERANCE);
    }
  }

  /** The largest |a[i] - b[i]| of two arrays of equal length. */
  static float maxAbsDiff(float[] a, float[] b) {
    assertEquals(a.length, b.length);
    float max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }
}
