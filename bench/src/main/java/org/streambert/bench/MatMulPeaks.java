package org.streambert.bench;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TBfloat16;
import org.tensorflow.types.TFloat32;

/**
 * Large matrix products at each arithmetic this CPU offers, through the engines that can reach them from Java: fp32
 * and bf16 through TensorFlow's MatMul (oneDNN), fp32 and u8 x s8 int8 through ONNX Runtime (MLAS: VNNI / AMX-INT8
 * where present), int8 through TensorFlow's quantized ops where a kernel exists. Each is a {@link Product} that runs
 * for a given time and reports GFLOP/s (2·M·K·N per product; integer multiply-adds counted like float ones).
 */
final class MatMulPeaks {

  /** ONNX Runtime's intra-op threads sleep between ops instead of spinning (faster on a CPU shared with others). */
  static final Map<String, String> ORT_NO_SPIN = Map.of("session.intra_op.allow_spinning", "0");

  private MatMulPeaks() {
  }

  /** One product kind, owning its native session and tensors; timed the same way for every kind. */
  abstract static class Product implements AutoCloseable {
    private final String name;
    private final double flopsPerRun;
    private long runs;
    private double seconds;

    Product(String name, int m, int k, int n) {
      this.name = name;
      this.flopsPerRun = 2.0 * m * k * n;
    }

    String name() {
      return name;
    }

    /** Runs the product once, its result closed unread. */
    abstract void runOnce() throws Exception;

    /** Runs for at least {@code seconds}; accumulates time and runs. */
    final void runFor(double s) throws Exception {
      long start = System.nanoTime();
      do {
        runOnce();
        runs++;
      } while ((System.nanoTime() - start) / 1e9 < s);
      seconds += (System.nanoTime() - start) / 1e9;
    }

    /** GFLOP/s since the last reset; then resets. */
    final double gflopsAndReset() {
      double g = runs * flopsPerRun / seconds / 1e9;
      runs = 0;
      seconds = 0;
      return g;
    }

    @Override
    public abstract void close();
  }

  /** The products of {@code m x k x n} at every arithmetic; one that cannot be built is reported and left out. */
  static List<Product> all(int m, int k, int n, int threads) {
    List<Product> out = new ArrayList<>();
    ConfigProto tf = threads == 0 ? null
        : ConfigProto.newBuilder().setIntraOpParallelismThreads(threads).setInterOpParallelismThreads(1).build();
    out.add(new TfProduct("TF fp32 MatMul", m, k, n, tf, false));
    out.add(new TfProduct("TF bf16 MatMul", m, k, n, tf, true));
    try {
      out.add(TfInt8Product.create(m, k, n, tf));
    } catch (RuntimeException e) {
      System.out.println("TF int8 (QuantizeV2 + QuantizedMatMulWithBiasAndDequantize, u8 x s8): not usable: "
          + firstLine(e));
    }
    try {
      out.add(TfQuantizedMatMul.create(m, k, n, tf));
    } catch (RuntimeException e) {
      System.out.println("TF int8 (QuantizedMatMul, u8 x u8): not usable: " + firstLine(e));
    }
    try {
      out.add(new OrtProduct("ORT fp32 MatMul", m, k, n, threads, OrtProduct.Kind.FLOAT));
      out.add(new OrtProduct("ORT int8 MatMulInteger u8 x s8", m, k, n, threads, OrtProduct.Kind.INTEGER));
      out.add(new OrtProduct("ORT int8 DynamicQuantize+MatMulInteger (float in/out)", m, k, n, threads,
          OrtProduct.Kind.DYNAMIC));
    } catch (OrtException | IOException e) {
      System.out.println("ONNX Runtime products: not usable: " + firstLine(e));
    }
    return out;
  }

  private static String firstLine(Exception e) {
    String s = String.valueOf(e.getMessage());
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  private static float[] random(int n, long seed) {
    float[] v = new float[n];
    Random r = new Random(seed);
    for (int i = 0; i < v.length; i++) {
      v[i] = r.nextFloat() - 0.5f;
    }
    return v;
  }

  private static TFloat32 tfFloats(Shape shape, long seed) {
    TFloat32 t = TFloat32.tensorOf(shape);
    t.asRawTensor().data().asFloats().write(random(Math.toIntExact(shape.size()), seed));
    return t;
  }

  /** Common timing of the TF products: a graph fed two float tensors, its one output fetched and closed unread. */
  private abstract static class TfBase extends Product {
    final Graph graph = new Graph();
    Session session;
    TFloat32 a;
    TFloat32 b;
    Output<?> pa;
    Output<?> pb;
    Output<?> product;

    TfBase(String name, int m, int k, int n) {
      super(name, m, k, n);
    }

    @Override
    void runOnce() {
      try (Result r = session.runner().feed(pa, a).feed(pb, b).fetch(product).run()) {
        // closed unread
      }
    }

    /**
     * Binds the graph's inputs {@code x} [M, K] and {@code y} [K, N] and its {@code output}, opens the session and
     * writes the random inputs.
     */
    void open(Output<?> x, Output<?> y, Output<?> output, ConfigProto config, int m, int k, int n) {
      pa = x;
      pb = y;
      product = output;
      session = new Session(graph, config);
      a = tfFloats(Shape.of(m, k), 1);
      b = tfFloats(Shape.of(k, n), 2);
    }

    /** Closes what was opened; also after a failed construction. */
    @Override
    public void close() {
      if (a != null) {
        a.close();
      }
      if (b != null) {
        b.close();
      }
      if (session != null) {
        session.close();
      }
      graph.close();
    }
  }

  private static final class TfProduct extends TfBase {
    TfProduct(String name, int m, int k, int n, ConfigProto config, boolean bf16) {
      super(name, m, k, n);
      Ops tf = Ops.create(graph);
      Placeholder<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(m, k))); // [M, K]
      Placeholder<TFloat32> y = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(k, n))); // [K, N]
      Operand<?> p = bf16
          ? tf.linalg.matMul(tf.dtypes.cast(x, TBfloat16.class), tf.dtypes.cast(y, TBfloat16.class)) // [M, N] bf16
          : tf.linalg.matMul(x, y); // [M, N]
      open(x.asOutput(), y.asOutput(), p.asOutput(), config, m, k, n);
    }
  }

  /**
   * TensorFlow's int8 path as the graph would use it: both inputs quantized in the graph (QuantizeV2: a to quint8, b to
   * qint8), QuantizedMatMulWithBiasAndDequantize (oneDNN's u8 x s8 kernel where TensorFlow rewrites to it) to float.
   */
  private static final class TfInt8Product extends TfBase {
    private TfInt8Product(int m, int k, int n) {
      super("TF int8 QuantizedMatMulWithBiasAndDequantize u8 x s8", m, k, n);
    }

    static TfInt8Product create(int m, int k, int n, ConfigProto config) {
      TfInt8Product p = new TfInt8Product(m, k, n);
      try {
        Ops tf = Ops.create(p.graph);
        Placeholder<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(m, k))); // [M, K]
        Placeholder<TFloat32> y = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(k, n))); // [K, N]
        GraphOperation qa = quantize(p.graph, "qa", x.asOutput(), DataType.DT_QUINT8, 0f, 1f);
        GraphOperation qb = quantize(p.graph, "qb", y.asOutput(), DataType.DT_QINT8, -1f, 1f); // SCALED below
        Operand<TFloat32> bias = tf.zeros(tf.constant(new int[] {n}), TFloat32.class); // [N]
        GraphOperation mm = p.graph.opBuilder("QuantizedMatMulWithBiasAndDequantize", "mm", tf.scope())
            .addInput(qa.output(0)).addInput(qb.output(0)).addInput(bias.asOutput())
            .addInput(qa.output(1)).addInput(qa.output(2)).addInput(qb.output(1)).addInput(qb.output(2))
            .addInput(tf.constant(-1e6f).asOutput()).addInput(tf.constant(1e6f).asOutput())
            .setAttr("Toutput", DataType.DT_FLOAT).setAttr("input_quant_mode", "SCALED").build(); // [M, N]
        p.open(x.asOutput(), y.asOutput(), mm.output(0), config, m, k, n);
        p.runOnce(); // fails here when no kernel is registered
        return p;
      } catch (RuntimeException e) {
        p.close();
        throw e;
      }
    }

    static GraphOperation quantize(Graph g, String name, Output<?> x, DataType type, float min, float max) {
      Ops tf = Ops.create(g);
      return g.opBuilder("QuantizeV2", name, tf.scope()).addInput(x).addInput(tf.constant(min).asOutput())
          .addInput(tf.constant(max).asOutput()).setAttr("T", type).setAttr("mode", "SCALED").build();
    }
  }

  /** TensorFlow's older QuantizedMatMul (quint8 x quint8 to qint32). */
  private static final class TfQuantizedMatMul extends TfBase {
    private TfQuantizedMatMul(int m, int k, int n) {
      super("TF int8 QuantizedMatMul u8 x u8", m, k, n);
    }

    static TfQuantizedMatMul create(int m, int k, int n, ConfigProto config) {
      TfQuantizedMatMul p = new TfQuantizedMatMul(m, k, n);
      try {
        Ops tf = Ops.create(p.graph);
        Placeholder<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(m, k))); // [M, K]
        Placeholder<TFloat32> y = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(k, n))); // [K, N]
        GraphOperation qa = TfInt8Product.quantize(p.graph, "qa", x.asOutput(), DataType.DT_QUINT8, -1f, 1f);
        GraphOperation qb = TfInt8Product.quantize(p.graph, "qb", y.asOutput(), DataType.DT_QUINT8, -1f, 1f);
        GraphOperation mm = p.graph.opBuilder("QuantizedMatMul", "mm", tf.scope())
            .addInput(qa.output(0)).addInput(qb.output(0)).addInput(qa.output(1)).addInput(qa.output(2))
            .addInput(qb.output(1)).addInput(qb.output(2)).setAttr("Toutput", DataType.DT_QINT32).build();
        GraphOperation deq = p.graph.opBuilder("Dequantize", "deq", tf.scope()).addInput(mm.output(0)).addInput(mm.output(1))
            .addInput(mm.output(2)).build(); // [M, N] float: the qint32 result cannot cross into Java
        p.open(x.asOutput(), y.asOutput(), deq.output(0), config, m, k, n);
        p.runOnce();
        return p;
      } catch (RuntimeException e) {
        p.close();
        throw e;
      }
    }
  }

  /** An ONNX Runtime session of one product against a constant B (prepacked by ONNX Runtime, as weights are). */
  private static final class OrtProduct extends Product {
    enum Kind { FLOAT, INTEGER, DYNAMIC }

    private final OrtSession session;
    private final OnnxTensor a;

    OrtProduct(String name, int m, int k, int n, int threads, Kind kind) throws OrtException, IOException {
      super(name, m, k, n);
      OrtEnvironment env = OrtEnvironment.getEnvironment();
      try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        if (threads > 0) {
          options.setIntraOpNumThreads(threads);
        }
        for (Map.Entry<String, String> e : ORT_NO_SPIN.entrySet()) {
          options.addConfigEntry(e.getKey(), e.getValue());
        }
        session = env.createSession(model(m, k, n, kind), options);
      }
      if (kind == Kind.INTEGER) {
        byte[] v = new byte[m * k];
        new Random(1).nextBytes(v);
        a = OnnxTensor.createTensor(env, ByteBuffer.wrap(v), new long[] {m, k}, OnnxJavaType.UINT8);
      } else {
        a = OnnxTensor.createTensor(env, FloatBuffer.wrap(random(m * k, 1)), new long[] {m, k});
      }
    }

    @Override
    void runOnce() throws OrtException {
      try (OrtSession.Result r = session.run(Map.of("a", a), Set.of("y"))) {
        // closed unread
      }
    }

    @Override
    public void close() {
      a.close();
      try {
        session.close();
      } catch (OrtException e) {
        throw new IllegalStateException(e);
      }
    }

    /** A ModelProto (onnx.proto field numbers) with input a [M, K], constant b [K, N] and output y [M, N]. */
    private static byte[] model(int m, int k, int n, Kind kind) throws IOException {
      List<byte[]> nodes = new ArrayList<>();
      List<byte[]> inits = new ArrayList<>();
      int aType;
      int yType;
      switch (kind) {
        case FLOAT -> {
          aType = 1;
          yType = 1;
          inits.add(tensor("b", 1, new long[] {k, n}, floatBytes(random(k * n, 2))));
          nodes.add(node("MatMul", List.of("a", "b"), List.of("y")));
        }
        case INTEGER -> {
          aType = 2;
          yType = 6;
          byte[] w = new byte[k * n];
          new Random(2).nextBytes(w);
          inits.add(tensor("b", 3, new long[] {k, n}, w));
          nodes.add(node("MatMulInteger", List.of("a", "b"), List.of("y")));
        }
        default -> {
          aType = 1;
          yType = 1;
          byte[] w = new byte[k * n];
          new Random(2).nextBytes(w);
          inits.add(tensor("b", 3, new long[] {k, n}, w));
          inits.add(tensor("b_zero", 3, new long[] {n}, new byte[n]));
          float[] scale = new float[n];
          java.util.Arrays.fill(scale, 0.01f);
          inits.add(tensor("b_scale", 1, new long[] {n}, floatBytes(scale)));
          nodes.add(node("DynamicQuantizeLinear", List.of("a"), List.of("aq", "as", "az")));
          nodes.add(node("MatMulInteger", List.of("aq", "b", "az", "b_zero"), List.of("yi")));
          nodes.add(node("Cast", List.of("yi"), List.of("yf"), 1));
          nodes.add(node("Mul", List.of("as", "b_scale"), List.of("s")));
          nodes.add(node("Mul", List.of("yf", "s"), List.of("y")));
        }
      }
      ByteArrayOutputStream graph = new ByteArrayOutputStream();
      CodedOutputStream g = CodedOutputStream.newInstance(graph);
      for (byte[] node : nodes) {
        g.writeByteArray(1, node); // node
      }
      g.writeString(2, "matmul");
      for (byte[] t : inits) {
        g.writeByteArray(5, t); // initializer
      }
      g.writeByteArray(11, valueInfo("a", aType, m, k)); // input
      g.writeByteArray(12, valueInfo("y", yType, m, n)); // output
      g.flush();
      ByteArrayOutputStream model = new ByteArrayOutputStream();
      CodedOutputStream out = CodedOutputStream.newInstance(model);
      out.writeInt64(1, 8); // ir_version
      out.writeByteArray(7, graph.toByteArray()); // graph
      ByteArrayOutputStream opset = new ByteArrayOutputStream();
      CodedOutputStream o = CodedOutputStream.newInstance(opset);
      o.writeInt64(2, 17);
      o.flush();
      out.writeByteArray(8, opset.toByteArray()); // opset_import {domain "", version 17}
      out.flush();
      return model.toByteArray();
    }

    private static byte[] node(String op, List<String> in, List<String> out, int... castTo) throws IOException {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      CodedOutputStream c = CodedOutputStream.newInstance(bytes);
      for (String s : in) {
        c.writeString(1, s);
      }
      for (String s : out) {
        c.writeString(2, s);
      }
      c.writeString(4, op);
      if (castTo.length > 0) {
        ByteArrayOutputStream attr = new ByteArrayOutputStream();
        CodedOutputStream a = CodedOutputStream.newInstance(attr);
        a.writeString(1, "to");
        a.writeInt64(3, castTo[0]);
        a.writeInt32(20, 2); // INT
        a.flush();
        c.writeByteArray(5, attr.toByteArray());
      }
      c.flush();
      return bytes.toByteArray();
    }

    private static byte[] tensor(String name, int type, long[] dims, byte[] raw) throws IOException {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      CodedOutputStream c = CodedOutputStream.newInstance(bytes);
      for (long d : dims) {
        c.writeInt64(1, d);
      }
      c.writeInt32(2, type);
      c.writeString(8, name);
      c.writeByteArray(9, raw);
      c.flush();
      return bytes.toByteArray();
    }

    private static byte[] valueInfo(String name, int type, long... dims) throws IOException {
      ByteArrayOutputStream shape = new ByteArrayOutputStream();
      CodedOutputStream s = CodedOutputStream.newInstance(shape);
      for (long d : dims) {
        ByteArrayOutputStream dim = new ByteArrayOutputStream();
        CodedOutputStream dc = CodedOutputStream.newInstance(dim);
        dc.writeInt64(1, d);
        dc.flush();
        s.writeByteArray(1, dim.toByteArray());
      }
      s.flush();
      ByteArrayOutputStream tensorType = new ByteArrayOutputStream();
      CodedOutputStream t = CodedOutputStream.newInstance(tensorType);
      t.writeInt32(1, type);
      t.writeByteArray(2, shape.toByteArray());
      t.flush();
      ByteArrayOutputStream typeProto = new ByteArrayOutputStream();
      CodedOutputStream tp = CodedOutputStream.newInstance(typeProto);
      tp.writeByteArray(1, tensorType.toByteArray());
      tp.flush();
      ByteArrayOutputStream vi = new ByteArrayOutputStream();
      CodedOutputStream v = CodedOutputStream.newInstance(vi);
      v.writeString(1, name);
      v.writeByteArray(2, typeProto.toByteArray());
      v.flush();
      return vi.toByteArray();
    }

    private static byte[] floatBytes(float[] v) {
      ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
      b.asFloatBuffer().put(v);
      return b.array();
    }
  }
}
