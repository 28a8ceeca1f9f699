package org.streambert.bert.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;

/**
 * What a SavedModel may do before TensorFlow sees it. TensorFlow runs a SavedModel's restore and initialiser ops
 * inside {@code SavedModelBundle.load}, so a graph is code: {@link #check} parses {@code saved_model.pb} and refuses
 * it unless every op of every meta graph and of every function in its library is in {@link #ALLOWED_OPS}, and the
 * saver's file ops ({@link #FILE_OPS}) read or write only the saver's own file name and are not reachable from
 * anything the loader or a prediction runs except the restore op.
 *
 * <p>{@link #ALLOWED_OPS} is the union of the ops of this project's own exported graphs (every activation, every
 * head combination; {@code SavedModelOpsTest} exports them and fails when a graph starts to need a new op), so a
 * bundle may only do what a BERT graph written by {@link BertSavedModel#export} does.
 */
public final class SavedModelOps {

  /** The one allow-list: the ops of the graphs {@link BertSavedModel#export} writes. */
  public static final Set<String> ALLOWED_OPS = Set.of(
      // tensors and shapes
      "Const", "Placeholder", "Identity", "NoOp", "Cast", "Shape", "Reshape", "ExpandDims", "Pack", "Range",
      "StridedSlice", "Transpose", "GatherV2", "ZerosLike", "Cumsum",
      // arithmetic (Cumsum: RoBERTa's offset position ids), activations (gelu, gelu_erf, relu, tanh), attention, heads
      "Add", "AddV2", "Sub", "Mul", "RealDiv", "Pow", "Square", "Sqrt", "Rsqrt", "Mean", "Erf", "Tanh", "Relu",
      "Sigmoid", "Softmax", "MatMul", "BatchMatMulV2", "BatchMatMulV3", "BiasAdd",
      // variables and the saver that restores them
      "VariableV2", "Assign", "RestoreV2", "SaveV2");

  /** Ops that touch files: allowed only as the saver uses them (see the class comment). */
  public static final Set<String> FILE_OPS = Set.of("RestoreV2", "SaveV2");

  /** Largest {@code saved_model.pb} parsed (the graph only; weights live in {@code variables/}). */
  public static final long MAX_GRAPH_BYTES = 64L << 20;

  private SavedModelOps() {}

  /**
   * Refuses a SavedModel directory that does more than a BERT graph.
   *
   * @throws IllegalArgumentException starting {@code graph.ops:}, naming the first forbidden op, when refused
   */
  public static void check(Path savedModelDir) {
    Path pb = savedModelDir.resolve("saved_model.pb");
    SavedModel model;
    try {
      if (Files.size(pb) > MAX_GRAPH_BYTES) {
        throw new IllegalArgumentException("graph.ops: saved_model.pb is larger than " + MAX_GRAPH_BYTES + " bytes");
      }
      try (InputStream in = Files.newInputStream(pb)) {
        model = SavedModel.parseFrom(in);
      }
    } catch (IOException e) { // InvalidProtocolBufferException included
      throw new IllegalArgumentException("graph.ops: saved_model.pb cannot be parsed as a SavedModel");
    }
    if (model.getMetaGraphsCount() == 0) {
      throw new IllegalArgumentException("graph.ops: saved_model.pb has no meta graph");
    }
    for (MetaGraphDef meta : model.getMetaGraphsList()) {
      for (NodeDef node : meta.getGraphDef().getNodeList()) {
        requireAllowed(node);
      }
      for (FunctionDef function : meta.getGraphDef().getLibrary().getFunctionList()) {
        for (NodeDef node : function.getNodeDefList()) {
          requireAllowed(node);
          if (FILE_OPS.contains(node.getOp())) {
            throw new IllegalArgumentException("graph.ops: op '" + node.getOp() + "' inside a function");
          }
        }
      }
      checkFileOps(meta);
    }
  }

  private static void requireAllowed(NodeDef node) {
    if (!ALLOWED_OPS.contains(node.getOp())) {
      throw new IllegalArgumentException("graph.ops: the graph uses op '" + printable(node.getOp())
          + "', which this project's BERT graphs do not (allowed: SavedModelOps.ALLOWED_OPS); refused before loading");
    }
  }

  /**
   * File ops take the saver's file name as their first input, and none is an ancestor of what the loader or a
   * prediction runs (initialisers, signatures), except the restore op, which may only read.
   */
  private static void checkFileOps(MetaGraphDef meta) {
    Map<String, NodeDef> nodes = new HashMap<>();
    meta.getGraphDef().getNodeList().forEach(n -> nodes.put(n.getName(), n));
    String filename = nodeName(meta.getSaverDef().getFilenameTensorName());
    List<String> run = new ArrayList<>();
    for (SignatureDef sig : meta.getSignatureDefMap().values()) {
      sig.getInputsMap().values().forEach(t -> run.add(nodeName(t)));
      sig.getOutputsMap().values().forEach(t -> run.add(nodeName(t)));
    }
    for (String collection : List.of("saved_model_main_op", "legacy_init_op", "table_initializer", "init_op")) {
      if (meta.getCollectionDefMap().containsKey(collection)) {
        run.addAll(meta.getCollectionDefMap().get(collection).getNodeList().getValueList().stream()
            .map(SavedModelOps::nodeName).toList());
      }
    }
    for (NodeDef node : nodes.values()) {
      if (FILE_OPS.contains(node.getOp())
          && (node.getInputCount() == 0 || filename.isEmpty() || !nodeName(node.getInput(0)).equals(filename))) {
        throw new IllegalArgumentException("graph.ops: op '" + node.getOp() + "' on a file other than the saver's");
      }
    }
    Set<String> reachable = ancestors(nodes, run);
    Set<String> restore = ancestors(nodes, List.of(nodeName(meta.getSaverDef().getRestoreOpName())));
    for (String name : restore) {
      NodeDef n = nodes.get(name);
      if (n != null && n.getOp().equals("SaveV2")) {
        throw new IllegalArgumentException("graph.ops: op 'SaveV2' runs when the model is restored");
      }
    }
    for (String name : reachable) {
      NodeDef n = nodes.get(name);
      if (n != null && FILE_OPS.contains(n.getOp())) {
        throw new IllegalArgumentException("graph.ops: op '" + n.getOp() + "' runs on initialisation or prediction");
      }
    }
  }

  private static Set<String> ancestors(Map<String, NodeDef> nodes, List<String> roots) {
    Set<String> seen = new HashSet<>();
    Deque<String> todo = new ArrayDeque<>(roots);
    while (!todo.isEmpty()) {
      String name = todo.pop();
      if (name.isEmpty() || !seen.add(name)) {
        continue;
      }
      NodeDef n = nodes.get(name);
      if (n != null) {
        n.getInputList().forEach(i -> todo.push(nodeName(i)));
      }
    }
    return seen;
  }

  private static String nodeName(TensorInfo t) {
    return nodeName(t.getName());
  }

  /** {@code ^name}, {@code name:0} → {@code name}. */
  private static String nodeName(String tensor) {
    String s = tensor.startsWith("^") ? tensor.substring(1) : tensor;
    int colon = s.lastIndexOf(':');
    return colon < 0 ? s : s.substring(0, colon);
  }

  private static String printable(String op) {
    String s = op.length() > 64 ? op.substring(0, 64) + "..." : op;
    return s.replaceAll("[^A-Za-z0-9_./-]", "?");
  }
}
