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

  /**
   * The int8 model of an fp32 model with every activation quantized per token instead of per tensor: each row of
   * {@code x} [B, T, H] gets its own symmetric scale (its largest magnitude / 127), stored as uint8 around a fixed
   * zero point 128, so a text's result no longer depends on the other texts of its batch (with
   * {@link #quantizeInt8} the whole batch shares one range). Standard ops only:
   *
   * <pre>
   *   s   = ReduceMax(Abs(x), axes=[-1], keepdims) / 127                 [B, T, 1]
   *   x_q = Cast(Clip(Round(x / s) + 128, 0, 255), uint8)               [B, T, H]
   *   y   = Cast(MatMulInteger(x_q, W_q, 128, W_zero), float) * s * W_scale
   * </pre>
   */
  public static byte[] quantizeInt8PerToken(byte[] fp32Model) {
    return OnnxProtoWriter.toBytes(quantize(OnnxProtoReader.read(fp32Model, true), true));
  }

  static Model quantize(Model model) {
    return quantize(model, false);
  }

  static Model quantize(Model model, boolean perToken) {
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
        if (perToken) {
          perTokenQuantization(name, out, nodes, initializers);
        } else {
          nodes.add(new Node("DynamicQuantizeLinear", "", name + "/DynamicQuantizeLinear", List.of(name),
              List.of(out), List.of()));
        }
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

  /** Nodes computing {@code out} = {x_q, s [B, T, 1], zero point 128} from {@code x} [B, T, H] (per token). */
  private static void perTokenQuantization(String x, String[] out, List<Node> nodes,
      Map<String, Tensor> initializers) {
    constant(initializers, Tensor.floats("quantize/int8_max", new float[] {INT8_MAX}));
    constant(initializers, Tensor.floats("quantize/tiny", new float[] {1e-12f}));
    constant(initializers, Tensor.floats("quantize/offset", new float[] {128f}));
    constant(initializers, Tensor.floats("quantize/low", new float[] {0f}));
    constant(initializers, Tensor.floats("quantize/high", new float[] {255f}));
    out[2] = "quantize/zero_point";
    constant(initializers, new Tensor(out[2], OnnxModel.UINT8, new long[0], new byte[] {(byte) 128}));
    String abs = x + "/abs";
    nodes.add(new Node("Abs", "", abs, List.of(x), List.of(abs), List.of()));
    String max = x + "/row_max";
    nodes.add(new Node("ReduceMax", "", max, List.of(abs), List.of(max),
        List.of(Attribute.ofInts("axes", -1), Attribute.ofInt("keepdims", 1)))); // [B, T, 1]
    String safe = x + "/row_max_safe";
    nodes.add(new Node("Add", "", safe, List.of(max, "quantize/tiny"), List.of(safe), List.of()));
    nodes.add(new Node("Div", "", out[1], List.of(safe, "quantize/int8_max"), List.of(out[1]), List.of()));
    String scaled = x + "/scaled";
    nodes.add(new Node("Div", "", scaled, List.of(x, out[1]), List.of(scaled), List.of())); // |.| <= 127
    String rounded = x + "/rounded";
    nodes.add(new Node("Round", "", rounded, List.of(scaled), List.of(rounded), List.of()));
    String shifted = x + "/shifted";
    nodes.add(new Node("Add", "", shifted, List.of(rounded, "quantize/offset"), List.of(shifted), List.of()));
    String clipped = x + "/clipped";
    nodes.add(new Node("Clip", "", clipped, List.of(shifted, "quantize/low", "quantize/high"), List.of(clipped),
        List.of()));
    nodes.add(new Node("Cast", "", out[0], List.of(clipped), List.of(out[0]),
        List.of(Attribute.ofInt("to", OnnxModel.UINT8))));
  }

  private static void constant(Map<String, Tensor> initializers, Tensor t) {
    initializers.putIfAbsent(t.name(), t);
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
