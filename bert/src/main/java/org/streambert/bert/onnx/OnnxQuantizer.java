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
 *
 * <p>That is {@link #quantizeInt8} ({@link OnnxPrecision#INT8_PER_TENSOR}): one activation range per tensor, so a
 * text's result depends on its batch mates. The app's {@link OnnxPrecision#INT8} is {@link #quantizeInt8PerRow}: the
 * same weights, each token's activations quantized on their own, laid out for ONNX Runtime's fusions.
 * {@link #quantizeInt8PerToken} is its first, slower layout, kept for the benches.
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
   * {@code x} [B, T, H] gets its own asymmetric range (its min and max, widened to include 0), so a text's result no
   * longer depends on the other texts of its batch (with {@link #quantizeInt8} the whole batch shares one range, and
   * a text's scores move with its batch mates). ONNX Runtime's {@code MatMulInteger} takes one activation zero point
   * per tensor, so the product runs with zero point 0 and each row's zero point times the weight's column sums is
   * subtracted afterwards. Standard ops only:
   *
   * <pre>
   *   lo, hi = Min(ReduceMin(x, -1), 0), Max(ReduceMax(x, -1), 0)             [B, T, 1]
   *   s  = (hi - lo) / 255;  zp = -Round(lo / s)                              [B, T, 1]
   *   x_q = Cast(Clip(Round(x / s) + zp, 0, 255), uint8)                      [B, T, H]
   *   y  = (Cast(MatMulInteger(x_q, W_q, 0, W_zero), float) - zp * colsum(W_q)) * s * W_scale   [B, T, O]
   * </pre>
   *
   * Measured on BERT-base (WikiGold NER, UCI sentiment; {@code docs/benchmarks.md}): closer to fp32 than per-tensor
   * int8 and about 0.7x its speed.
   */
  public static byte[] quantizeInt8PerToken(byte[] fp32Model) {
    return OnnxProtoWriter.toBytes(quantize(OnnxProtoReader.read(fp32Model, true), true));
  }

  static Model quantize(Model model) {
    return quantize(model, false);
  }

  /**
   * The int8 model the app serves ({@link OnnxPrecision#INT8}): every activation quantized per row (per token), so a
   * text's result does not depend on the other texts of its batch, laid out so that ONNX Runtime runs it about as fast
   * as per-tensor {@link #quantizeInt8} (docs/benchmarks.md, issue 32). For each activation x [B, T, H] read by a dense
   * layer, each row is quantized around the fixed zero point z = {@link #ROW_ZERO_POINT}:
   *
   * <pre>
   *   x2 = Reshape(x, [N, H]);  s = max(ReduceMin(x2, 1) / -z, ReduceMax(x2, 1) / (255 - z)) + tiny    N = B T; [N, 1]
   *   x_q = QuantizeLinear(x2, s, z, axis 0)                                                    uint8 [N, H]
   * </pre>
   *
   * and each dense layer y = x W + b reading it:
   *
   * <pre>
   *   y = Reshape(Cast(MatMulInteger(x_q, W_q, z, 0)) * (s * W_scale), [B, T, O]) + b
   * </pre>
   *
   * Because every row shares the zero point, the integer product takes it as the per-tensor zero point ONNX Runtime's
   * {@code MatMulInteger} requires (it refuses per-row zero points), and ONNX Runtime fuses product, cast and scales
   * into {@code MatMulIntegerToFloat} (u8 x s8 VNNI/AMX) with no correction pass. The range is symmetric around z:
   * a row whose values are all of one sign uses half the levels, which measured no worse than the row's own asymmetric
   * range on WikiGold NER and UCI sentiment (docs/benchmarks.md). The bias is added after the un-flattening: the fused
   * kernel would apply a per-row scale after its bias input, scaling the bias. W_q is symmetric per output column, as
   * in {@link #quantizeInt8}. Dense layers whose input is not [B, T, H] (the pooler, [B, H]) and the task heads stay
   * float32: their cost is one row per text.
   *
   * @throws IllegalArgumentException when {@code fp32Model} is not a readable ONNX model, is already quantized, or
   *                                  has no dense layer to quantize
   */
  public static byte[] quantizeInt8PerRow(byte[] fp32Model) {
    return OnnxProtoWriter.toBytes(perRow(OnnxProtoReader.read(fp32Model, true)));
  }

  /** The zero point every row shares in {@link #quantizeInt8PerRow}: the middle of uint8's range. */
  static final int ROW_ZERO_POINT = 128;

  /**
   * Per-row int8 in standard ops that ONNX Runtime runs fused (see {@link #quantizeInt8PerRow}).
   */
  static Model perRow(Model model) {
    if ("int8".equals(model.metadata().get(OnnxLayout.PRECISION_KEY))) {
      throw new IllegalArgumentException("the model is already quantized");
    }
    Graph g = model.graph();
    Map<String, Tensor> initializers = new LinkedHashMap<>();
    g.initializers().forEach(t -> initializers.put(t.name(), t));
    Map<String, Integer> ranks = ranks(g, initializers);
    constant(initializers, Tensor.floats("quantize/tiny", new float[] {1e-12f}));
    constant(initializers, Tensor.floats("quantize/zero", new float[] {0f}));
    constant(initializers, Tensor.floats("quantize/below_zero_point", new float[] {-ROW_ZERO_POINT}));
    constant(initializers, Tensor.floats("quantize/above_zero_point", new float[] {255 - ROW_ZERO_POINT}));
    constant(initializers, Tensor.floats("quantize/zero_point", new float[] {ROW_ZERO_POINT}));
    constant(initializers, new Tensor("quantize/zero_point_u8", OnnxModel.UINT8, new long[0],
        new byte[] {(byte) ROW_ZERO_POINT}));
    constant(initializers, Tensor.longs("quantize/flat", new long[] {-1}, 1));
    constant(initializers, Tensor.longs("quantize/keep_batch_and_tokens", new long[] {1, 1, 0}, 3));
    Map<String, String[]> quantizedInputs = new HashMap<>(); // x -> {x_q [N, H], s [N, 1], Shape(x)}
    Map<String, Tensor[]> weights = new HashMap<>(); // W -> {W_q, W_scale, W_zero}
    List<Node> nodes = new ArrayList<>();
    for (Node node : g.nodes()) {
      Tensor w = node.opType().equals("MatMul") ? initializers.get(node.inputs().get(1)) : null;
      if (w == null || w.dataType() != OnnxModel.FLOAT || w.dims().length != 2 || isHead(w.name())
          || !Integer.valueOf(3).equals(ranks.get(node.inputs().get(0)))) {
        nodes.add(node);
        continue;
      }
      String x = node.inputs().get(0);
      long in = w.dims()[0];
      long out = w.dims()[1];
      String[] xq = quantizedInputs.computeIfAbsent(x, name -> rowQuantization(name, in, nodes, initializers));
      Tensor[] parts = weights.computeIfAbsent(w.name(), name -> {
        Tensor[] q = quantizeColumns(w);
        initializers.remove(name);
        for (Tensor t : q) {
          initializers.put(t.name(), t);
        }
        return q;
      });
      String y = node.outputs().get(0);
      String base = node.name().isEmpty() ? y : node.name();
      nodes.add(new Node("MatMulInteger", "", base + "/MatMulInteger", List.of(xq[0], parts[0].name(),
          "quantize/zero_point_u8", parts[2].name()), List.of(base + "/int32"), List.of())); // [N, O]
      nodes.add(new Node("Cast", "", base + "/Cast", List.of(base + "/int32"), List.of(base + "/float"),
          List.of(Attribute.ofInt("to", OnnxModel.FLOAT))));
      nodes.add(new Node("Mul", "", base + "/scale", List.of(xq[1], parts[1].name()),
          List.of(base + "/product_scale"), List.of())); // [N, 1] x [O]
      nodes.add(new Node("Mul", "", base + "/rescale", List.of(base + "/float", base + "/product_scale"),
          List.of(base + "/rows"), List.of())); // [N, O]
      String shape = base + "/output_shape";
      constant(initializers, Tensor.longs("quantize/width_" + out, new long[] {0, 0, out}, 3));
      nodes.add(new Node("Mul", "", shape + "/keep", List.of(xq[2], "quantize/keep_batch_and_tokens"),
          List.of(shape + "/kept"), List.of()));
      nodes.add(new Node("Add", "", shape, List.of(shape + "/kept", "quantize/width_" + out), List.of(shape),
          List.of())); // [B, T, O]
      nodes.add(new Node("Reshape", "", base + "/unflatten", List.of(base + "/rows", shape), List.of(y),
          List.of())); // [B, T, O]
    }
    if (weights.isEmpty()) {
      throw new IllegalArgumentException("the model has no float MatMul weight to quantize");
    }
    Map<String, String> metadata = new LinkedHashMap<>(model.metadata());
    metadata.put(OnnxLayout.PRECISION_KEY, "int8");
    Graph quantizedGraph = new Graph(g.name(), nodes, new ArrayList<>(initializers.values()), g.inputs(),
        g.outputs());
    return new Model(model.irVersion(), model.opsets(), model.producerName(), model.producerVersion(),
        quantizedGraph, metadata);
  }

  /**
   * Nodes computing {x_q uint8 [N, H], s float [N, 1], Shape(x)} from {@code x} [B, T, H] (N = B T): each row's own
   * scale around the shared zero point z, s = max(min / -z, max / (255 - z)), quantized in one {@code QuantizeLinear}
   * per row.
   */
  private static String[] rowQuantization(String x, long width, List<Node> nodes, Map<String, Tensor> initializers) {
    String[] out = {x + "/row_quantized", x + "/row_scale", x + "/shape"};
    constant(initializers, Tensor.longs("quantize/rows_of_" + width, new long[] {-1, width}, 2));
    nodes.add(new Node("Shape", "", out[2], List.of(x), List.of(out[2]), List.of())); // [3]
    String flat = x + "/rows";
    nodes.add(new Node("Reshape", "", flat, List.of(x, "quantize/rows_of_" + width), List.of(flat),
        List.of())); // [N, H]
    String min = x + "/row_min";
    nodes.add(new Node("ReduceMin", "", min, List.of(flat), List.of(min),
        List.of(Attribute.ofInts("axes", 1), Attribute.ofInt("keepdims", 1)))); // [N, 1]
    String max = x + "/row_max";
    nodes.add(new Node("ReduceMax", "", max, List.of(flat), List.of(max),
        List.of(Attribute.ofInts("axes", 1), Attribute.ofInt("keepdims", 1)))); // [N, 1]
    String below = x + "/row_below";
    nodes.add(new Node("Div", "", below, List.of(min, "quantize/below_zero_point"), List.of(below), List.of()));
    String above = x + "/row_above";
    nodes.add(new Node("Div", "", above, List.of(max, "quantize/above_zero_point"), List.of(above), List.of()));
    String widest = x + "/row_widest";
    nodes.add(new Node("Max", "", widest, List.of(below, above), List.of(widest), List.of())); // [N, 1]
    nodes.add(new Node("Add", "", out[1], List.of(widest, "quantize/tiny"), List.of(out[1]), List.of())); // [N, 1]
    String scale1 = x + "/row_scale_1d";
    nodes.add(new Node("Reshape", "", scale1, List.of(out[1], "quantize/flat"), List.of(scale1), List.of())); // [N]
    String zp = x + "/row_zero_point"; // [N] of z: QuantizeLinear wants one zero point per scale
    nodes.add(new Node("Mul", "", zp + "/none", List.of(scale1, "quantize/zero"), List.of(zp + "/none"),
        List.of()));
    nodes.add(new Node("Add", "", zp + "/float", List.of(zp + "/none", "quantize/zero_point"),
        List.of(zp + "/float"), List.of()));
    nodes.add(new Node("Cast", "", zp, List.of(zp + "/float"), List.of(zp),
        List.of(Attribute.ofInt("to", OnnxModel.UINT8))));
    nodes.add(new Node("QuantizeLinear", "", out[0], List.of(flat, scale1, zp), List.of(out[0]),
        List.of(Attribute.ofInt("axis", 0)))); // [N, H] uint8
    return out;
  }

  /**
   * The rank of every value whose rank follows from the graph inputs, initializers and constant shapes, for the ops
   * {@link OnnxExporter} writes; values of any other op are absent (unknown).
   */
  static Map<String, Integer> ranks(Graph g, Map<String, Tensor> initializers) {
    Map<String, Integer> ranks = new HashMap<>();
    g.inputs().forEach(v -> ranks.put(v.name(), v.dims().size()));
    initializers.values().forEach(t -> ranks.put(t.name(), t.dims().length));
    for (Node n : g.nodes()) {
      Integer first = n.inputs().isEmpty() ? null : ranks.get(n.inputs().get(0));
      Integer r = switch (n.opType()) {
        case "Shape", "Range" -> 1;
        case "Gather" -> first == null || ranks.get(n.inputs().get(1)) == null ? null
            : first - 1 + ranks.get(n.inputs().get(1));
        case "Reshape" -> {
          Tensor shape = initializers.get(n.inputs().get(1));
          yield shape == null ? null : (int) shape.size();
        }
        case "Unsqueeze" -> {
          Tensor axes = n.inputs().size() > 1 ? initializers.get(n.inputs().get(1)) : null;
          yield first == null || axes == null ? null : first + (int) axes.size();
        }
        case "Transpose", "Cast", "Softmax", "Sigmoid", "Tanh", "Erf", "Relu", "LayerNormalization", "Neg", "Round",
            "Clip" -> first;
        case "Add", "Sub", "Mul", "Div", "Pow", "Min", "Max", "MatMul" -> {
          Integer max = 0;
          for (String in : n.inputs()) {
            Integer ri = ranks.get(in);
            max = ri == null || max == null ? null : Math.max(max, ri);
          }
          yield max;
        }
        default -> null;
      };
      if (r != null) {
        ranks.put(n.outputs().get(0), r);
      }
    }
    return ranks;
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
      if (perToken) {
        // ORT's MatMulInteger takes one activation zero point per tensor: multiply with zero point 0 and subtract
        // each row's zero point times the weight's column sums afterwards.
        String colsum = wq[0] + "/column_sums";
        if (!initializers.containsKey(colsum)) {
          initializers.put(colsum, columnSums(initializers.get(wq[0])));
        }
        String zero = "quantize/zero_u8";
        initializers.putIfAbsent(zero, new Tensor(zero, OnnxModel.UINT8, new long[0], new byte[] {0}));
        nodes.add(new Node("MatMulInteger", "", base + "/MatMulInteger", List.of(xq[0], wq[0], zero, wq[2]),
            List.of(base + "/int32"), List.of()));
        nodes.add(new Node("Cast", "", base + "/Cast", List.of(base + "/int32"), List.of(base + "/raw_float"),
            List.of(Attribute.ofInt("to", OnnxModel.FLOAT))));
        nodes.add(new Node("Mul", "", base + "/zero_correction", List.of(xq[2], colsum),
            List.of(base + "/correction"), List.of())); // [B, T, 1] x [O]
        nodes.add(new Node("Sub", "", base + "/corrected", List.of(base + "/raw_float", base + "/correction"),
            List.of(base + "/float"), List.of()));
      } else {
        nodes.add(new Node("MatMulInteger", "", base + "/MatMulInteger", List.of(xq[0], wq[0], xq[2], wq[2]),
            List.of(base + "/int32"), List.of()));
        nodes.add(new Node("Cast", "", base + "/Cast", List.of(base + "/int32"), List.of(base + "/float"),
            List.of(Attribute.ofInt("to", OnnxModel.FLOAT))));
      }
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

  /**
   * Nodes computing {@code out} = {x_q uint8 [B, T, H], s [B, T, 1], zp float [B, T, 1]} from {@code x} [B, T, H]:
   * each row's own asymmetric range (its min and max, widened to include 0), 256 levels, as DynamicQuantizeLinear
   * does for a whole tensor.
   */
  private static void perTokenQuantization(String x, String[] out, List<Node> nodes,
      Map<String, Tensor> initializers) {
    constant(initializers, Tensor.floats("quantize/uint8_levels", new float[] {255f}));
    constant(initializers, Tensor.floats("quantize/tiny", new float[] {1e-12f}));
    constant(initializers, Tensor.floats("quantize/zero", new float[] {0f}));
    constant(initializers, Tensor.floats("quantize/low", new float[] {0f}));
    constant(initializers, Tensor.floats("quantize/high", new float[] {255f}));
    rowRange(x, x, -1, out[1], out[2], nodes); // [B, T, 1]
    String scaled = x + "/scaled";
    nodes.add(new Node("Div", "", scaled, List.of(x, out[1]), List.of(scaled), List.of()));
    String rounded = x + "/rounded";
    nodes.add(new Node("Round", "", rounded, List.of(scaled), List.of(rounded), List.of()));
    String shifted = x + "/shifted";
    nodes.add(new Node("Add", "", shifted, List.of(rounded, out[2]), List.of(shifted), List.of()));
    String clipped = x + "/clipped";
    nodes.add(new Node("Clip", "", clipped, List.of(shifted, "quantize/low", "quantize/high"), List.of(clipped),
        List.of()));
    nodes.add(new Node("Cast", "", out[0], List.of(clipped), List.of(out[0]),
        List.of(Attribute.ofInt("to", OnnxModel.UINT8))));
  }

  /**
   * Nodes computing each row's scale {@code s} and float zero point {@code zp} (rows along {@code axis} of
   * {@code source}, kept as a dimension of 1): the row's min and max widened to include 0, 256 levels, as
   * DynamicQuantizeLinear does for a whole tensor. Needs the constants quantize/zero, quantize/tiny and
   * quantize/uint8_levels.
   */
  private static void rowRange(String x, String source, long axis, String s, String zp, List<Node> nodes) {
    String min = x + "/row_min";
    nodes.add(new Node("ReduceMin", "", min, List.of(source), List.of(min),
        List.of(Attribute.ofInts("axes", axis), Attribute.ofInt("keepdims", 1))));
    String max = x + "/row_max";
    nodes.add(new Node("ReduceMax", "", max, List.of(source), List.of(max),
        List.of(Attribute.ofInts("axes", axis), Attribute.ofInt("keepdims", 1))));
    String lo = x + "/row_low";
    nodes.add(new Node("Min", "", lo, List.of(min, "quantize/zero"), List.of(lo), List.of()));
    String hi = x + "/row_high";
    nodes.add(new Node("Max", "", hi, List.of(max, "quantize/zero"), List.of(hi), List.of()));
    String range = x + "/row_range";
    nodes.add(new Node("Sub", "", range, List.of(hi, lo), List.of(range), List.of()));
    String safe = x + "/row_range_safe";
    nodes.add(new Node("Add", "", safe, List.of(range, "quantize/tiny"), List.of(safe), List.of()));
    nodes.add(new Node("Div", "", s, List.of(safe, "quantize/uint8_levels"), List.of(s), List.of()));
    String lowScaled = x + "/row_low_scaled";
    nodes.add(new Node("Div", "", lowScaled, List.of(lo, s), List.of(lowScaled), List.of()));
    String negZp = x + "/row_neg_zero_point";
    nodes.add(new Node("Round", "", negZp, List.of(lowScaled), List.of(negZp), List.of())); // -zp, in [-255, 0]
    nodes.add(new Node("Neg", "", zp, List.of(negZp), List.of(zp), List.of()));
  }

  /** Float column sums [O] of an int8 weight [I, O]. */
  private static Tensor columnSums(Tensor wq) {
    int rows = Math.toIntExact(wq.dims()[0]);
    int cols = Math.toIntExact(wq.dims()[1]);
    float[] sums = new float[cols];
    byte[] q = wq.raw();
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        sums[c] += q[r * cols + c];
      }
    }
    return Tensor.floats(wq.name() + "/column_sums", sums, cols);
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
