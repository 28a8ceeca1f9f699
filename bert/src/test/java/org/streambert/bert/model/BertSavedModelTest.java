package org.streambert.bert.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.bert.model.TinyBert.Inputs;
import org.tensorflow.GraphOperation;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.proto.DataType;

class BertSavedModelTest {
  private static final BertConfig CFG = TinyBert.CONFIG;
  private static final HeadsSpec HEADS = HeadsSpec.multiLabel(3).withTokenHead(4);

  @Test
  void shouldLoadTheExportWithTheSameOutputsAtAnyShape(@TempDir Path dir) {
    Path export = dir.resolve("model");
    try (BertModel original = BertModel.create(CFG, HEADS,
        WeightSource.ofArrays(TinyBert.randomWeights(CFG, HEADS, 41)))) {
      BertSavedModel.export(original, export);
      try (BertModel loaded = BertSavedModel.load(export, CFG, HEADS)) {
        for (int[] bt : new int[][] {{1, 3}, {3, 19}}) {
          Inputs in = TinyBert.inputs(bt[0], bt[1], new int[] {bt[1], 2, bt[1] - 1}, 42);
          ForwardResult a = original.run(bt[0], bt[1], in.ids(), in.mask(), in.segments());
          ForwardResult b = loaded.run(bt[0], bt[1], in.ids(), in.mask(), in.segments());
          assertArrayEquals(a.pooled(), b.pooled());
          assertArrayEquals(a.classProbs(), b.classProbs());
          assertArrayEquals(a.tokenProbs(), b.tokenProbs());
          EncoderOutput ea = original.encode(bt[0], bt[1], in.ids(), in.mask(), in.segments());
          EncoderOutput eb = loaded.encode(bt[0], bt[1], in.ids(), in.mask(), in.segments());
          assertArrayEquals(ea.sequence(), eb.sequence());
        }
        assertEquals(original.weights().keySet(), loaded.weights().keySet());
      }
    }
  }

  @Test
  void shouldStoreEachWeightOnceAndNoWeightsInTheGraph(@TempDir Path dir) throws IOException {
    Path export = dir.resolve("model");
    long rawBytes;
    try (BertModel m = BertModel.create(CFG, HEADS,
        WeightSource.ofArrays(TinyBert.randomWeights(CFG, HEADS, 43)))) {
      rawBytes = 4 * BertGraph.variableShapes(CFG, HEADS).values().stream().mapToLong(s -> s.size()).sum();
      BertSavedModel.export(m, export);
    }
    long variableBytes;
    try (Stream<Path> files = Files.walk(export.resolve("variables"))) {
      variableBytes = files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
    assertTrue(variableBytes <= 1.05 * rawBytes, variableBytes + " variable bytes for " + rawBytes + " raw bytes");
    assertTrue(variableBytes >= rawBytes, "every weight should be in the checkpoint");
    try (SavedModelBundle b = SavedModelBundle.load(export.toString(), BertSavedModel.TAG)) {
      for (Iterator<GraphOperation> it = b.graph().operations(); it.hasNext(); ) {
        GraphOperation op = it.next();
        if (op.type().equals("Const") && op.output(0).dataType() == DataType.DT_FLOAT) {
          assertTrue(op.output(0).shape().size() <= CFG.hiddenSize(),
              "a weight-sized constant in the exported graph: " + op.name() + " " + op.output(0).shape());
        }
        assertTrue(!op.type().startsWith("Apply") && !op.type().startsWith("RandomUniform"),
            "a training op in the exported graph: " + op.name());
      }
    }
  }

  @Test
  void shouldNameTheVariableAMismatchedConfigNeeds(@TempDir Path dir) {
    Path export = dir.resolve("model");
    try (BertModel m = BertModel.create(CFG, HEADS,
        WeightSource.ofArrays(TinyBert.randomWeights(CFG, HEADS, 44)))) {
      BertSavedModel.export(m, export);
    }
    var e = assertThrows(IllegalArgumentException.class,
        () -> BertSavedModel.load(export, CFG.withNumHiddenLayers(3), HEADS));
    assertTrue(e.getMessage().contains("bert/encoder/layer_2/"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> BertSavedModel.load(export, CFG, HeadsSpec.multiLabel(5).withTokenHead(4)));
    assertTrue(e.getMessage().contains("cls_head/output_weights"), e.getMessage());
  }

  @Test
  void shouldRefuseToOverwriteAnExport(@TempDir Path dir) {
    Path export = dir.resolve("model");
    try (BertModel m = BertModel.create(CFG, HeadsSpec.NONE,
        WeightSource.ofArrays(TinyBert.randomWeights(CFG, HeadsSpec.NONE, 45)))) {
      BertSavedModel.export(m, export);
      assertThrows(IllegalArgumentException.class, () -> BertSavedModel.export(m, export));
    }
  }

  @Test
  void shouldRejectADirectoryWithoutASavedModel(@TempDir Path dir) {
    var e = assertThrows(IllegalArgumentException.class, () -> BertSavedModel.load(dir, CFG, HeadsSpec.NONE));
    assertTrue(e.getMessage().contains("saved_model.pb"), e.getMessage());
  }
}
