package org.streambert.bert.weights;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.streambert.bert.onnx.internals.ProtoMsg.floatTensor;
import static org.streambert.bert.onnx.internals.ProtoMsg.model;
import static org.streambert.bert.onnx.internals.ProtoMsg.node;
import static org.streambert.bert.onnx.internals.ProtoMsg.tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.bert.onnx.internals.OnnxModel;
import org.streambert.bert.onnx.internals.ProtoMsg;

/**
 * ONNX import has the Hugging Face path's bounds (issue 29 item 4): hostile files are refused quickly with a typed
 * error, before any graph is built and before any tensor is allocated. Files are built field by field.
 */
class OnnxCheckpointBoundsTest {

  @TempDir
  Path dir;

  private static final String P = "embeddings.";

  private String refused(byte[] model) throws IOException {
    Path f = Files.write(dir.resolve("m" + System.nanoTime() + ".onnx"), model);
    long start = System.nanoTime();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnnxCheckpoint.open(f));
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertTrue(millis < 5_000, "refused after " + millis + " ms: " + e.getMessage());
    assertTrue(e.getMessage().contains(f.toString()), "names the file: " + e.getMessage());
    return e.getMessage();
  }

  /** Embeddings of V=10, H=4 and P=8, plus {@code more}. */
  private static ProtoMsg[] embeddingsAnd(List<ProtoMsg> more) throws IOException {
    List<ProtoMsg> all = new ArrayList<>(List.of(
        floatTensor(P + "word_embeddings.weight", new float[40], 10, 4),
        floatTensor(P + "position_embeddings.weight", new float[32], 8, 4)));
    all.addAll(more);
    return all.toArray(ProtoMsg[]::new);
  }

  @Test
  void shouldRefuseMoreLayersThanTheCapBeforeBuildingAnything() throws IOException {
    List<ProtoMsg> biases = new ArrayList<>();
    for (int i = 0; i < 3_000; i++) {
      biases.add(floatTensor("encoder.layer." + i + ".attention.self.query.bias", new float[4], 4));
    }
    String msg = refused(model(embeddingsAnd(biases)));
    assertTrue(msg.contains("more than 128 encoder layers"), msg);
  }

  @Test
  void shouldRefuseAWeightWithDimsButNoDataWithoutAllocatingIt() throws IOException {
    String msg = refused(model(tensor(P + "word_embeddings.weight", OnnxModel.FLOAT, 30_522, 70_000)));
    assertTrue(msg.contains("holds no data"), msg);
  }

  @Test
  void shouldRefuseAWeightWhoseBytesDoNotMatchItsShape() throws IOException {
    String msg = refused(model(tensor(P + "word_embeddings.weight", OnnxModel.FLOAT, 10, 4)
        .bytes(9, new byte[12])));
    assertTrue(msg.contains("holds 12 bytes, but data type 1 shape [10, 4] needs 160"), msg);
  }

  @Test
  void shouldRefuseSizesOverTheCapsOfEveryImportPath() throws IOException {
    String msg = refused(model(floatTensor(P + "word_embeddings.weight", new float[9_000], 1, 9_000),
        floatTensor(P + "position_embeddings.weight", new float[9_000], 1, 9_000),
        floatTensor("encoder.layer.0.attention.self.query.bias", new float[9_000], 9_000),
        floatTensor("encoder.layer.0.intermediate.dense.bias", new float[4], 4)));
    assertTrue(msg.contains("hidden size (word_embeddings columns) 9000 is outside [1, 8192]"), msg);
  }

  @Test
  void shouldRefuseAValueProducedTwice() throws IOException {
    ProtoMsg[] nodes = {node("Add", new String[] {"a", "b"}, "x"), node("Mul", new String[] {"a", "b"}, "x")};
    String msg = refused(model(nodes, embeddingsAnd(List.of())));
    assertTrue(msg.contains("value x is produced twice"), msg);
  }

  @Test
  void shouldNotRecurseThroughAChainOfConcats() throws IOException {
    String bias = "encoder.layer.0.attention.self.query.bias";
    List<ProtoMsg> nodes = new ArrayList<>();
    nodes.add(node("Add", new String[] {"x", bias}, "q"));
    nodes.add(node("Reshape", new String[] {"q", "c0"}, "q4"));
    for (int i = 0; i < 50_000; i++) { // deep enough to overflow a recursive walk's stack
      nodes.add(node("Concat", new String[] {"c" + (i + 1)}, "c" + i));
    }
    nodes.add(node("Erf", new String[] {"q4"}, "y"));
    String msg = refused(model(nodes.toArray(ProtoMsg[]::new), embeddingsAnd(List.of(
        floatTensor(bias, new float[4], 4), floatTensor("encoder.layer.0.intermediate.dense.bias", new float[8], 8)))));
    assertTrue(msg.contains("cannot find the attention head count"), msg);
  }
}
