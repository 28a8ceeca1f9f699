package org.streambert.bert.onnx;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.streambert.bert.onnx.internals.OnnxModel;
import org.streambert.bert.onnx.internals.OnnxModel.Attribute;
import org.streambert.bert.onnx.internals.OnnxModel.Graph;
import org.streambert.bert.onnx.internals.OnnxModel.Model;
import org.streambert.bert.onnx.internals.OnnxModel.Node;
import org.streambert.bert.onnx.internals.OnnxModel.Tensor;
import org.streambert.bert.onnx.internals.OnnxProtoReader;
import org.streambert.bert.onnx.internals.OnnxProtoWriter;

/**
 * Dynamic int8 quantization of an exported model's dense layers, as ONNX Runtime's own {@code quantize_dynamic}
 * lays it out: every {@code MatMul} whose second input is a 2-D float initializer (the encoder's six dense layers per
 * block and the pooler; not the task heads, whose cost is negligible) becomes
 *
 * <pre>
 *   x_q, x_scale, x_zero = DynamicQuantizeLinear(x)             uint8, per tensor, computed per run
 *   y_i = MatMulInteger(x_q, W_q, x_zero, W_zero)                 W_q int8 [I, O], symmetric per output column
 *   y   = Cast(y_i, float) * (x_scale * W_scale)                  W_scale [O]
 * </pre>
 *
 * which ONNX Runtime fuses into {@code DynamicQuantizeMatMul} (u8 x s8 products: VNNI / AMX-INT8 where the CPU has
 * them). Each activation is quantized once however many products read it (Q, K and V share one). LayerNorm, softmax,
 * GELU, the attention products and the heads stay float32.
 */
public final class OnnxQuantizer {
  /** Largest magnitude of a symmetric int8 weight. */
  public static final int INT8_MAX = 127;

  private OnnxQuantizer() {
  }

  /**
   * The int8 model of an fp32 model written by {@link OnnxExporter}.
   *
   * @throws IllegalArgumentException when {@code fp32Model} is not a readable ONNX model or is already quantized
   */
  public static byte[] quantizeInt8(byte[] fp32Model) {
    return OnnxProtoWriter.toBytes(quantize(OnnxProtoReader.read(fp32Model, true)));
  }

  static Model quantize(Model model) {
    if ("int8".equals(model.metadata().get(OnnxLayout.PRECISION_KEY))) {
      throw new IllegalArgumentException("the model is already quantized");
    }
    Graph g = model.graph();
    Map<String, Tensor> initializers = new LinkedHashMap<>();
    g.initializers().forEach(t -> initializers.put(t.name(), t));
    Map<String, String[]> quantizedInputs = new HashMap<>(); // x -> {x_q, x_scale, x_zero}
    Map<String, String[]> quantizedWeights = new HashMap<>(); // W -> {W_q, W_scale, W_zero}
    List<Node> nodes = new ArrayList<>();
    for (Node node : g.nodes()) {
      Tensor w = node.opType().equals("MatMul") ? initializers.get(node.inputs().get(1)) : null;
      if (w == null || w.dataType() != OnnxModel.FLOAT || w.dims().length != 2 || isHead(w.name())) {
        nodes.add(node);
        continue;
      }
      String x = node.inputs().get(0);
      String[] xq = quantizedInputs.computeIfAbsent(x, name -> {
        String[] out = {name + "/quantized", name + "/scale", name + "/zero_point"};
        nodes.add(new Node("DynamicQuantizeLinear", "", name + "/DynamicQuantizeLinear", List.of(name),
            List.of(out), List.of()));
        return out;
      });
      String[] wq = quantizedWeights.computeIfAbsent(w.name(), name -> {
        Tensor[] parts = quantizeColumns(w);
        initializers.remove(name);
        for (Tensor t : parts) {
          initializers.put(t.name(), t);
        }
        return new String[] {parts[0].name(), parts[1].name(), parts[2].name()};
      });
      String y = node.outputs().get(0);
      String base = node.name().isEmpty() ? y : node.name();
      nodes.add(new Node("MatMulInteger", "", base + "/MatMulInteger", List.of(xq[0], wq[0], xq[2], wq[2]),
          List.of(base + "/int32"), List.of()));
      nodes.add(new Node("Cast", "", base + "/Cast", List.of(base + "/int32"), List.of(base + "/float"),
          List.of(Attribute.ofInt("to", OnnxModel.FLOAT))));
      nodes.add(new Node("Mul", "", base + "/scale", List.of(xq[1], wq[1]), List.of(base + "/product_scale"),
          List.of()));
      nodes.add(new Node("Mul", "", base + "/rescale", List.of(base + "/float", base + "/product_scale"),
          List.of(y), List.of()));
    }
    if (quantizedWeights.isEmpty()) {
      throw new IllegalArgumentException("the model has no float MatMul weight to quantize");
    }
    Map<String, String> metadata = new LinkedHashMap<>(model.metadata());
    metadata.put(OnnxLayout.PRECISION_KEY, "int8");
    Graph quantized = new Graph(g.name(), nodes, new ArrayList<>(initializers.values()), g.inputs(), g.outputs());
    return new Model(model.irVersion(), model.opsets(), model.producerName(), model.producerVersion(), quantized,
        metadata);
  }

  private static boolean isHead(String name) {
    return name.startsWith("cls_head/") || name.startsWith("token_head/");
  }

  /** {W_q int8 [I, O], W_scale float [O], W_zero int8 [O] (zeros)}: symmetric, one scale per output column. */
  static Tensor[] quantizeColumns(Tensor w) {
    int rows = Math.toIntExact(w.dims()[0]);
    int cols = Math.toIntExact(w.dims()[1]);
    float[] values = w.toFloats();
    float[] scale = new float[cols];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        scale[c] = Math.max(scale[c], Math.abs(values[r * cols + c]));
      }
    }
    for (int c = 0; c < cols; c++) {
      scale[c] = scale[c] == 0 ? 1f : scale[c] / INT8_MAX;
    }
    byte[] q = new byte[values.length];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        long v = Math.round(values[r * cols + c] / scale[c]);
        q[r * cols + c] = (byte) Math.max(-INT8_MAX, Math.min(INT8_MAX, v));
      }
    }
    return new Tensor[] {
        new Tensor(w.name() + "/quantized", OnnxModel.INT8, w.dims(), q),
        Tensor.floats(w.name() + "/scale", scale, cols),
        new Tensor(w.name() + "/zero_point", OnnxModel.INT8, new long[] {cols}, new byte[cols])};
  }
}
