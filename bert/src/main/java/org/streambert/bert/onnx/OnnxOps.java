package org.streambert.bert.onnx;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.onnx.internals.OnnxModel;
import org.streambert.bert.onnx.internals.OnnxModel.Model;
import org.streambert.bert.onnx.internals.OnnxModel.Node;
import org.streambert.bert.onnx.internals.OnnxModel.Tensor;
import org.streambert.bert.onnx.internals.OnnxModel.ValueInfo;
import org.streambert.bert.onnx.internals.OnnxProtoReader;

/**
 * What an ONNX model in a bundle may do before ONNX Runtime sees it, the counterpart of {@code SavedModelOps}:
 * {@link #check} parses the model and refuses it unless every node is a standard ai.onnx op in {@link #ALLOWED_OPS}
 * (no other domain, so no custom-op library can be asked for), the model imports only the ai.onnx opset, defines no
 * functions, has no subgraphs, and keeps every weight inside the file (no external data: ONNX Runtime would read
 * files named by the model). It also checks that the inputs and outputs are those of {@link OnnxLayout} for the
 * bundle's heads and width. Refusals are {@link IllegalArgumentException}s starting {@code onnx:}.
 */
public final class OnnxOps {
  /** The ops of the models {@link OnnxExporter} and {@link OnnxQuantizer} write (every activation and head). */
  public static final Set<String> ALLOWED_OPS = Set.of(
      "Gather", "Shape", "Range", "CumSum", "Cast", "Unsqueeze", "Reshape", "Transpose",
      "Add", "Sub", "Mul", "Div", "Pow", "MatMul", "LayerNormalization", "Softmax", "Sigmoid", "Tanh", "Erf", "Relu",
      "DynamicQuantizeLinear", "MatMulInteger", "ReduceMax", "ReduceMin", "Round", "Clip", "Min", "Max", "Neg",
      "QuantizeLinear");
  /** Opset versions of ai.onnx accepted (the exporter writes 17). */
  public static final long MIN_OPSET = 14;
  public static final long MAX_OPSET = 21;
  /** Largest model file read (a Java array's limit; BERT-large at fp32 is about 1.3 GB). */
  public static final long MAX_MODEL_BYTES = Integer.MAX_VALUE - 8;

  private static final Set<Integer> TENSOR_TYPES = Set.of(OnnxModel.FLOAT, OnnxModel.INT64, OnnxModel.INT8,
      OnnxModel.UINT8);

  private OnnxOps() {
  }

  /**
   * Refuses a model that does more than a BERT graph of this project, or does not match {@code heads} and
   * {@code hiddenSize}.
   *
   * @throws IllegalArgumentException starting {@code onnx:}, naming the first problem
   */
  public static void check(byte[] model, HeadsSpec heads, int hiddenSize) {
    Model m = OnnxProtoReader.read(model, false);
    for (Map.Entry<String, Long> opset : m.opsets().entrySet()) {
      if (!isDefaultDomain(opset.getKey())) {
        throw new IllegalArgumentException("onnx: the model imports opset domain '" + printable(opset.getKey())
            + "' (only ai.onnx is allowed)");
      }
      if (opset.getValue() < MIN_OPSET || opset.getValue() > MAX_OPSET) {
        throw new IllegalArgumentException("onnx: ai.onnx opset " + opset.getValue() + " is outside [" + MIN_OPSET
            + ", " + MAX_OPSET + "]");
      }
    }
    for (Node node : m.graph().nodes()) {
      if (!isDefaultDomain(node.domain()) || !ALLOWED_OPS.contains(node.opType())) {
        throw new IllegalArgumentException("onnx: the graph uses op '" + printable(node.domain())
            + (node.domain().isEmpty() ? "" : ".") + printable(node.opType()) + "', which this project's BERT graphs "
            + "do not (allowed: OnnxOps.ALLOWED_OPS); refused before loading");
      }
    }
    for (Tensor t : m.graph().initializers()) {
      if (!TENSOR_TYPES.contains(t.dataType())) {
        throw new IllegalArgumentException("onnx: initializer " + printable(t.name()) + " has data type "
            + t.dataType());
      }
    }
    checkInputs(m.graph().inputs());
    checkOutputs(m.graph().outputs(), heads, hiddenSize);
  }

  private static void checkInputs(List<ValueInfo> inputs) {
    Set<String> expected = Set.of(OnnxLayout.INPUT_IDS, OnnxLayout.ATTENTION_MASK, OnnxLayout.TOKEN_TYPE_IDS);
    Set<String> seen = new HashSet<>();
    for (ValueInfo v : inputs) {
      if (!expected.contains(v.name()) || v.elemType() != OnnxModel.INT64 || v.dims().size() != 2
          || !seen.add(v.name())) {
        throw new IllegalArgumentException("onnx: unexpected graph input " + printable(v.name()) + " (the inputs are "
            + "input_ids, attention_mask and token_type_ids, int64 [batch, sequence])");
      }
    }
    if (!seen.equals(expected)) {
      throw new IllegalArgumentException("onnx: the graph inputs are " + seen + ", expected " + expected);
    }
  }

  private static void checkOutputs(List<ValueInfo> outputs, HeadsSpec heads, int hiddenSize) {
    Map<String, Long> lastDims = new java.util.HashMap<>();
    for (ValueInfo v : outputs) {
      if (v.elemType() != OnnxModel.FLOAT || v.dims().isEmpty()) {
        throw new IllegalArgumentException("onnx: output " + printable(v.name()) + " is not a float tensor");
      }
      Object last = v.dims().get(v.dims().size() - 1);
      lastDims.put(v.name(), last instanceof Long l ? l : -1L);
    }
    require(lastDims, OnnxLayout.POOLED_OUTPUT, hiddenSize);
    if (heads.hasClassHead()) {
      require(lastDims, OnnxLayout.CLASS_PROBS, heads.numClasses());
    } else if (lastDims.containsKey(OnnxLayout.CLASS_PROBS)) {
      throw new IllegalArgumentException("onnx: the model has class_probs but the bundle has no classification head");
    }
    if (heads.hasTokenHead()) {
      require(lastDims, OnnxLayout.TOKEN_PROBS, heads.numTokenLabels());
    } else if (lastDims.containsKey(OnnxLayout.TOKEN_PROBS)) {
      throw new IllegalArgumentException("onnx: the model has token_probs but the bundle has no token head");
    }
  }

  private static void require(Map<String, Long> lastDims, String name, long width) {
    Long actual = lastDims.get(name);
    if (actual == null || actual != width) {
      throw new IllegalArgumentException("onnx: output " + name + " is " + (actual == null ? "missing"
          : "of width " + actual) + ", the bundle needs width " + width);
    }
  }

  private static boolean isDefaultDomain(String domain) {
    return domain.isEmpty() || domain.equals("ai.onnx");
  }

  private static String printable(String s) {
    String t = s.length() > 64 ? s.substring(0, 64) + "..." : s;
    return t.replaceAll("[^A-Za-z0-9_./-]", "?");
  }
}
