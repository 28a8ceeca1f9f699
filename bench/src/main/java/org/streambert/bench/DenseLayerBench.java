package org.streambert.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
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
import org.tensorflow.types.TInt32;

/**
 * Issue 24, the TensorFlow int8 lever at the size of one BERT-base layer: {@code x @ W + b} with x [M, 768] (a
 * LayerNorm output, N(0, 1)) and W [768, 3072] (N(0, 0.02²), the feed-forward input layer), in one process, rotating:
 * TensorFlow fp32 (MatMul + BiasAdd), TensorFlow bf16 as the bf16 graph runs it (bf16 kernel converted once), and
 * TensorFlow int8 as a TF int8 graph would run it: the kernel quantized once to qint8 (per tensor, SCALED), the
 * activation per run shifted to be non-negative (x - min x), quantized SCALED to quint8, and the shift folded into the
 * bias (b + min x · colsum W), then {@code QuantizedMatMulWithBiasAndDequantize} (oneDNN u8 x s8) to float. (The op's
 * own MIN_FIRST input mode, which should do that compensation, returned outputs off by ~1e5 in TF Java 1.1.0; the
 * manual shift gives the right values.) Beside the speed: the largest error against fp32, relative to the largest
 * |output|.
 *
 * <p>Arguments: {@code [rows=1024] [rounds=5] [seconds=2] [threads=2]}.
 */
public final class DenseLayerBench {
  private static final int IN = 768;
  private static final int OUT = 3072;

  private DenseLayerBench() {
  }

  /** A layer in its own graph and session, fed x, fetching y [M, OUT] float. */
  private static final class Layer implements AutoCloseable {
    final String name;
    final Graph graph = new Graph();
    Session session;
    Output<?> x;
    Output<?> y;
    long runs;
    double seconds;

    Layer(String name) {
      this.name = name;
    }

    float[] run(TFloat32 input) {
      try (Result r = session.runner().feed(x, input).fetch(y).run()) {
        TFloat32 t = (TFloat32) r.get(0);
        float[] out = new float[Math.toIntExact(t.shape().size())];
        t.asRawTensor().data().asFloats().read(out);
        return out;
      }
    }

    void runFor(TFloat32 input, double s) {
      long start = System.nanoTime();
      do {
        try (Result r = session.runner().feed(x, input).fetch(y).run()) {
          runs++;
        }
      } while ((System.nanoTime() - start) / 1e9 < s);
      seconds += (System.nanoTime() - start) / 1e9;
    }

    @Override
    public void close() {
      if (session != null) {
        session.close();
      }
      graph.close();
    }
  }

  public static void main(String[] args) {
    int rows = args.length > 0 ? Integer.parseInt(args[0]) : 1024;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    double seconds = args.length > 2 ? Double.parseDouble(args[2]) : 2;
    int threads = args.length > 3 ? Integer.parseInt(args[3]) : 2;
    ConfigProto config = ConfigProto.newBuilder().setIntraOpParallelismThreads(threads)
        .setInterOpParallelismThreads(1).build();
    System.out.printf(Locale.ROOT, "CPU: %s; load average at start: %s; x [%d, %d] @ W [%d, %d] + b, %d threads%n",
        BenchSupport.cpu(), BenchSupport.loadAverage(), rows, IN, IN, OUT, threads);
    Random random = new Random(24);
    float[] w = new float[IN * OUT];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) (random.nextGaussian() * 0.02);
    }
    float[] b = new float[OUT];
    for (int i = 0; i < b.length; i++) {
      b[i] = (float) (random.nextGaussian() * 0.02);
    }
    float[] xs = new float[rows * IN];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = (float) random.nextGaussian();
    }
    List<Layer> layers = new ArrayList<>();
    try (TFloat32 input = TFloat32.tensorOf(Shape.of(rows, IN))) {
      input.asRawTensor().data().asFloats().write(xs);
      layers.add(fp32(w, b, config));
      layers.add(bf16(w, b, config));
      try {
        layers.add(int8(w, b, config));
      } catch (RuntimeException e) {
        System.out.println("TF int8 layer: not usable: " + e.getMessage());
      }
      float[] reference = layers.get(0).run(input);
      double maxOut = 0;
      for (float v : reference) {
        maxOut = Math.max(maxOut, Math.abs(v));
      }
      for (Layer l : layers) {
        float[] out = l.run(input);
        double err = 0;
        for (int i = 0; i < out.length; i++) {
          err = Math.max(err, Math.abs(out[i] - reference[i]));
        }
        System.out.printf(Locale.ROOT, "%s: max |y - y_fp32| = %.4g (%.2f%% of max |y| = %.3f)%n", l.name, err,
            100 * err / maxOut, maxOut);
        l.runFor(input, 0.5);
        l.runs = 0;
        l.seconds = 0;
      }
      double flops = 2.0 * rows * IN * OUT;
      // ONNX Runtime's products at the same shape (no bias add), for the same rounds
      List<MatMulPeaks.Product> ort = new ArrayList<>();
      for (MatMulPeaks.Product p : MatMulPeaks.all(rows, IN, OUT, threads)) {
        if (p.name().startsWith("ORT")) {
          ort.add(p);
        } else {
          p.close(); // TensorFlow's are the layers above
        }
      }
      try {
        for (int r = 0; r < rounds; r++) {
          StringBuilder line = new StringBuilder("round " + (r + 1) + ":");
          int n = layers.size() + ort.size();
          for (int j = 0; j < n; j++) {
            int i = (r + j) % n;
            if (i < layers.size()) {
              layers.get(i).runFor(input, seconds);
            } else {
              ort.get(i - layers.size()).runFor(seconds);
            }
          }
          for (Layer l : layers) {
            line.append(String.format(Locale.ROOT, " %s %.1f;", l.name, l.runs * flops / l.seconds / 1e9));
            l.runs = 0;
            l.seconds = 0;
          }
          for (MatMulPeaks.Product p : ort) {
            line.append(String.format(Locale.ROOT, " %s %.1f;", p.name(), p.gflopsAndReset()));
          }
          System.out.println(line.append(" GFLOP/s; load ").append(BenchSupport.loadAverage()));
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      } finally {
        ort.forEach(MatMulPeaks.Product::close);
      }
    } finally {
      layers.forEach(Layer::close);
    }
  }

  private static Layer fp32(float[] w, float[] b, ConfigProto config) {
    Layer l = new Layer("TF fp32");
    Ops tf = Ops.create(l.graph);
    Placeholder<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, IN))); // [M, I]
    Operand<TFloat32> kernel = tf.constant(Shape.of(IN, OUT), org.tensorflow.ndarray.buffer.DataBuffers.of(w)); // [I, O]
    l.x = x.asOutput();
    l.y = tf.nn.biasAdd(tf.linalg.matMul(x, kernel), tf.constant(b)).asOutput(); // [M, O]
    l.session = new Session(l.graph, config);
    return l;
  }

  private static Layer bf16(float[] w, float[] b, ConfigProto config) {
    Layer l = new Layer("TF bf16");
    Ops tf = Ops.create(l.graph);
    Placeholder<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, IN))); // [M, I]
    Operand<TFloat32> kernel = tf.constant(Shape.of(IN, OUT), org.tensorflow.ndarray.buffer.DataBuffers.of(w));
    var kernel16 = tf.variable(Shape.of(IN, OUT), TBfloat16.class); // [I, O] bf16, written once
    var copy = tf.assign(kernel16, tf.dtypes.cast(kernel, TBfloat16.class));
    l.x = x.asOutput();
    l.y = tf.nn.biasAdd(tf.dtypes.cast(tf.linalg.matMul(tf.dtypes.cast(x, TBfloat16.class), kernel16),
        TFloat32.class), tf.constant(b)).asOutput(); // [M, O]
    l.session = new Session(l.graph, config);
    l.session.runner().addTarget(copy).run();
    return l;
  }

  /** The kernel quantized once (per tensor, SCALED, qint8) into a variable; the activation shifted and quantized per run. */
  private static Layer int8(float[] w, float[] b, ConfigProto config) {
    Layer l = new Layer("TF int8");
    try {
      Ops tf = Ops.create(l.graph);
      Placeholder<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, IN))); // [M, I]
      Operand<TFloat32> kernel = tf.constant(Shape.of(IN, OUT), org.tensorflow.ndarray.buffer.DataBuffers.of(w));
      float wmax = 0;
      for (float v : w) {
        wmax = Math.max(wmax, Math.abs(v));
      }
      GraphOperation qw = l.graph.opBuilder("QuantizeV2", "qw", tf.scope()).addInput(kernel.asOutput())
          .addInput(tf.constant(-wmax).asOutput()).addInput(tf.constant(wmax).asOutput())
          .setAttr("T", DataType.DT_QINT8).setAttr("mode", "SCALED").build(); // [I, O] qint8
      GraphOperation wvar = l.graph.opBuilder("VariableV2", "w_int8", tf.scope())
          .setAttr("dtype", DataType.DT_QINT8).setAttr("shape", Shape.of(IN, OUT)).build();
      GraphOperation assign = l.graph.opBuilder("Assign", "w_int8_assign", tf.scope()).addInput(wvar.output(0))
          .addInput(qw.output(0)).build();
      float[] colsum = new float[OUT];
      for (int i = 0; i < IN; i++) {
        for (int o = 0; o < OUT; o++) {
          colsum[o] += w[i * OUT + o];
        }
      }
      Operand<TInt32> all = tf.constant(new int[] {0, 1});
      Operand<TFloat32> xmin = tf.math.minimum(tf.min(x, all), tf.constant(0f)); // []
      Operand<TFloat32> range = tf.math.sub(tf.math.maximum(tf.max(x, all), tf.constant(0f)), xmin); // []
      Operand<TFloat32> shifted = tf.math.sub(x, xmin); // [M, I], >= 0
      Operand<TFloat32> bias = tf.math.add(tf.constant(b), tf.math.mul(xmin, tf.constant(colsum))); // [O]
      GraphOperation qx = l.graph.opBuilder("QuantizeV2", "qx", tf.scope()).addInput(shifted.asOutput())
          .addInput(tf.constant(0f).asOutput()).addInput(range.asOutput()).setAttr("T", DataType.DT_QUINT8)
          .setAttr("mode", "SCALED").build(); // [M, I] quint8
      GraphOperation mm = l.graph.opBuilder("QuantizedMatMulWithBiasAndDequantize", "mm", tf.scope())
          .addInput(qx.output(0)).addInput(wvar.output(0)).addInput(bias.asOutput())
          .addInput(qx.output(1)).addInput(qx.output(2)).addInput(qw.output(1)).addInput(qw.output(2))
          .addInput(tf.constant(-1e6f).asOutput()).addInput(tf.constant(1e6f).asOutput())
          .setAttr("Toutput", DataType.DT_FLOAT).setAttr("input_quant_mode", "SCALED").build(); // [M, O]
      l.x = x.asOutput();
      l.y = mm.output(0);
      l.session = new Session(l.graph, config);
      l.session.runner().addTarget(assign).run();
      return l;
    } catch (RuntimeException e) {
      l.close();
      throw e;
    }
  }
}
