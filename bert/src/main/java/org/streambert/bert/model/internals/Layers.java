package org.streambert.bert.model.internals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.streambert.bert.model.Activation;
import org.streambert.bert.model.BertVariable;
import java.util.HashMap;
import org.tensorflow.Operand;
import org.tensorflow.Operation;
import org.tensorflow.Output;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Assign;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.core.Max;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.op.random.RandomUniform;
import org.tensorflow.op.train.BatchMatMul;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TBfloat16;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Building blocks of google-research/bert {@code modeling.py} in TF Java ops, plus the registry of the variables they
 * create. Shape legend: M rows (B*T or B), I input width, O output width.
 *
 * <p>Not thread-safe; one instance per graph build.
 */
public final class Layers {
  /** {@code modeling.py: layer_norm} uses {@code tf.contrib.layers.layer_norm}, whose epsilon is 1e-12. */
  public static final float LAYER_NORM_EPSILON = 1e-12f;
  /** Largest magnitude of a symmetric int8 weight. */
  private static final int INT8_MAX = 127;
  /** Largest uint8 value. */
  private static final int UINT8_MAX = 255;
  /** Floor of a scale's range: an all-zero row or column quantizes to zeros instead of dividing by zero. */
  private static final float TINY = 1e-12f;

  private final boolean training;
  private final long seed;
  private long dropoutOps;
  private final List<BertVariable> variables = new ArrayList<>();
  private final boolean bf16Matmuls;
  private final boolean int8Matmuls;
  private final Map<String, List<Operation>> kernelConversions = new LinkedHashMap<>();
  /** Per activation read by int8 dense layers (Q, K and V read the same one): its quantized rows, quantized once. */
  private final Map<Output<?>, QuantizedRows> quantizedInputs = new HashMap<>();

  /** The arithmetic of the dense layers' matrix products in an inference graph. */
  public enum Products {
    /** float32, the graph as trained. */
    FLOAT,
    /** bfloat16 products against bf16 kernel twins ({@link #dense}). */
    BF16,
    /** The encoder's dense layers in int8 ({@link #encoderDense}); every other product float. */
    INT8
  }

  public Layers(boolean training, long seed) {
    this(training, seed, Products.FLOAT);
  }

  /**
   * @param bf16Matmuls whether {@link #dense} multiplies in bfloat16 against a bf16 copy of its kernel (inference
   *                    only: the copy is written once by the ops of {@link #kernelConversions()}, not per run)
   */
  public Layers(boolean training, long seed, boolean bf16Matmuls) {
    this(training, seed, bf16Matmuls ? Products.BF16 : Products.FLOAT);
  }

  /**
   * @param products how the dense layers multiply; anything but {@link Products#FLOAT} is for inference only, with
   *                 kernel twins written once by the ops of {@link #kernelConversions()}, not per run
   */
  public Layers(boolean training, long seed, Products products) {
    if (training && products != Products.FLOAT) {
      throw new IllegalArgumentException(products + " matrix products are for inference graphs only");
    }
    this.training = training;
    this.seed = seed;
    this.bf16Matmuls = products == Products.BF16;
    this.int8Matmuls = products == Products.INT8;
  }

  /** Whether the encoder's dense layers multiply in int8 ({@link Products#INT8}). */
  public boolean int8Matmuls() {
    return int8Matmuls;
  }

  /** Whether dropout is applied. */
  public boolean training() {
    return training;
  }

  /**
   * By dense kernel variable name: the ops that write its bf16 or int8 twin (and the int8 twin's scales), then the op
   * that releases the float kernel (assigns it an empty tensor). Run them once, in order, right after that kernel is
   * loaded; afterwards the float kernel holds nothing and the graph reads only the twin.
   */
  public Map<String, List<Operation>> kernelConversions() {
    return Map.copyOf(kernelConversions);
  }

  /**
   * {@code a @ b} (optionally {@code b} transposed, batched over leading axes) in bfloat16 with the result cast back to
   * float when building with bf16 matrix products, else in float.
   */
  public Operand<TFloat32> batchMatMul(Ops scope, Operand<TFloat32> a, Operand<TFloat32> b, boolean adjointB) {
    if (!bf16Matmuls) {
      return scope.train.batchMatMul(a, b, TFloat32.class, BatchMatMul.adjY(adjointB));
    }
    Operand<TBfloat16> product = scope.train.batchMatMul(scope.dtypes.cast(a, TBfloat16.class),
        scope.dtypes.cast(b, TBfloat16.class), TBfloat16.class, BatchMatMul.adjY(adjointB)); // [..., M, N] bf16
    return scope.dtypes.cast(product, TFloat32.class); // [..., M, N]
  }

  /** Every variable created so far, in creation order. */
  public List<BertVariable> variables() {
    return List.copyOf(variables);
  }

  /**
   * A float variable named {@code name} in {@code scope}, with a placeholder {@code <name>_value} and an assign op
   * {@code <name>_assign} beside it to load its value.
   */
  public Variable<TFloat32> variable(Ops scope, String name, Shape shape) {
    Variable<TFloat32> v = scope.withName(name).variable(shape, TFloat32.class);
    Placeholder<TFloat32> value = scope.withName(name + "_value")
        .placeholder(TFloat32.class, Placeholder.shape(shape));
    Assign<TFloat32> assign = scope.withName(name + "_assign").assign(v, value);
    variables.add(new BertVariable(v.op().name(), shape, v, value, assign));
    return v;
  }

  /** {@code tf.layers.dense}: variables {@code kernel} [I, O] and {@code bias} [O] in {@code scope}. */
  public Operand<TFloat32> dense(Ops scope, Operand<TFloat32> x, int in, int out) {
    Variable<TFloat32> kernel = variable(scope, "kernel", Shape.of(in, out));
    Variable<TFloat32> bias = variable(scope, "bias", Shape.of(out));
    Operand<TFloat32> product;
    if (bf16Matmuls) {
      Variable<TBfloat16> kernel16 = scope.withName("kernel_bf16").variable(Shape.of(in, out), TBfloat16.class);
      kernelConversions.put(kernel.op().name(), List.of(
          scope.withName("kernel_bf16_copy").assign(kernel16,
              scope.dtypes.cast(kernel, TBfloat16.class)).op(), // [I, O], run once after loading
          release(scope, kernel))); // [0]: the float kernel is not read again
      product = scope.dtypes.cast(scope.linalg.matMul(scope.dtypes.cast(x, TBfloat16.class), kernel16),
          TFloat32.class); // [M, O]: bf16 products, float sums of bias and everything after
    } else {
      product = scope.linalg.matMul(x, kernel); // [M, O]
    }
    return scope.nn.biasAdd(product, bias); // [M, O]
  }

  /**
   * {@link #dense} for the encoder's dense layers (attention output, feed-forward in and out; query, key and value go
   * through {@link #encoderQueryKeyValue}): the ones an int8 graph multiplies in int8. Every other dense layer
   * (ELECTRA's embedding projection, the pooler) stays {@link #dense}: its cost is small, or one row per text.
   *
   * <p>In int8 the kernel is quantized once at load, symmetric per output column ({@code W_q = round(127 W / max|W|)},
   * scale {@code w_s = max|W| / 127} per column); the activation is quantized per row (per token), so a row's result
   * does not depend on the other rows of its batch:
   *
   * <pre>
   *   s = max(max |x|, tiny) / 127                                       [M, 1] per row
   *   x_q = round(x * (127 / max |x|))                                   qint8 [M, I] in [-127, 127]
   *   y = (x_q W_q) * w_s * s + b                                        [M, O]
   * </pre>
   *
   * The product and the column scales run in one op, TensorFlow's oneDNN {@code _QuantizedMatMul} (fusion
   * {@code BiasAdd, Dequantize}, s8 x s8 on VNNI, one weight range per output column given as the op's per-channel
   * weight scales, a unit activation scale so that no primitive depends on the batch's values); the row scale and
   * the bias are one {@code Mul} and one {@code BiasAdd} after it.
   */
  public Operand<TFloat32> encoderDense(Ops scope, Operand<TFloat32> x, int in, int out) {
    return encoderDense(scope, x, in, out, Float.NEGATIVE_INFINITY);
  }

  /**
   * {@link #encoderDense(Ops, Operand, int, int)} for an input known to be at least {@code inputFloor} (an
   * activation's output: GELU's is above -0.17, ReLU's 0). In int8 such rows are quantized one-sided instead of
   * symmetric, which doubles their resolution: {@code c = -inputFloor}, {@code s = max(max x + c, tiny) / 255},
   * {@code x_q = round((x + c) / s)} (quint8, zero point 0; values below the floor clamp to it), and the shift comes
   * back as a bias term {@code -c colsum(W_q) w_s} computed at load. {@link Float#NEGATIVE_INFINITY}: no floor
   * (symmetric).
   */
  public Operand<TFloat32> encoderDense(Ops scope, Operand<TFloat32> x, int in, int out, float inputFloor) {
    if (!int8Matmuls) {
      return dense(scope, x, in, out);
    }
    boolean oneSided = inputFloor != Float.NEGATIVE_INFINITY;
    if (oneSided && !(inputFloor <= 0 && inputFloor > -1e6f)) {
      throw new IllegalArgumentException("inputFloor must be in (-1e6, 0], not " + inputFloor);
    }
    Variable<TFloat32> kernel = variable(scope, "kernel", Shape.of(in, out));
    Variable<TFloat32> bias = variable(scope, "bias", Shape.of(out));
    List<Operation> conversions = new ArrayList<>();
    Int8Kernel int8 = int8Kernel(scope, kernel, in, out, null, conversions);
    Operand<TFloat32> fullBias = bias; // [O]
    if (oneSided) {
      Variable<TFloat32> shiftTerm = scope.withName("kernel_int8_shift_term").variable(Shape.of(out), TFloat32.class);
      Operation integerKernel = scope.scope().opBuilder("Dequantize", "kernel_int8_values")
          .addInput(int8.values().output(0)).addInput(scope.constant((float) -INT8_MAX).asOutput())
          .addInput(scope.constant((float) INT8_MAX).asOutput()).setAttr("mode", "SCALED").build(); // [I, O] integers
      Operand<TFloat32> columnSums = scope.sum(integerKernel.<TFloat32>output(0), scope.constant(0)); // [O]
      Operand<TFloat32> columnScale = scope.math.div(int8.max(), scope.constant((float) INT8_MAX)); // [O] w_s
      conversions.add(scope.withName("kernel_int8_shift_term_write").assign(shiftTerm,
          scope.math.mul(scope.math.mul(columnSums, columnScale), scope.constant(inputFloor))).op()); // -c cs w_s
      fullBias = scope.math.add(bias, shiftTerm); // [O]
    }
    conversions.add(release(scope, kernel));
    kernelConversions.put(kernel.op().name(), conversions);

    QuantizedRows rows = quantizedInputs.computeIfAbsent(x.asOutput(),
        k -> oneSided ? quantizeRowsOneSided(scope, x, -inputFloor) : quantizeRows(scope, x));
    Operation product = quantizedProduct(scope, rows, int8, out, oneSided); // [M, O] = (x_q W_q) w_s
    return scope.nn.biasAdd(scope.math.mul(product.<TFloat32>output(0), rows.scale()), fullBias); // [M, O]
  }

  /**
   * {@code modeling.py: attention_layer}'s query, key and value layers ({@code tf.layers.dense} each, variables
   * {@code query/kernel}, {@code query/bias}, ... in {@code self}) as one [M, 3H] output: columns {@code [0, H)} the
   * query times {@code queryMultiplier} (attention's {@code 1 / sqrt(D)}, folded in here), then the key, then the
   * value. The three kernels are quantized at load into one [H, 3H] int8 kernel (per column, as
   * {@link #encoderDense}; the multiplier goes into the query columns' scales and bias) and multiplied in one
   * product against the once-quantized input. Int8 graphs only (other graphs keep three {@link #dense} layers).
   */
  public Operand<TFloat32> encoderQueryKeyValue(Ops self, Operand<TFloat32> x, int h, float queryMultiplier) {
    if (!int8Matmuls) {
      throw new IllegalStateException("query, key and value are fused in int8 graphs only");
    }
    List<Operand<TFloat32>> kernels = new ArrayList<>();
    List<Operand<TFloat32>> biases = new ArrayList<>();
    String last = null;
    for (String name : new String[] {"query", "key", "value"}) {
      Ops s = self.withSubScope(name);
      kernels.add(variable(s, "kernel", Shape.of(h, h)));
      Variable<TFloat32> b = variable(s, "bias", Shape.of(h));
      biases.add(b);
      last = b.op().name();
    }
    Ops scope = self.withSubScope("query_key_value");
    int out = 3 * h;
    float[] multipliers = new float[out];
    Arrays.fill(multipliers, 1f);
    Arrays.fill(multipliers, 0, h, queryMultiplier);
    Operand<TFloat32> columnMultiplier = scope.constant(multipliers); // [3H]
    List<Operation> conversions = new ArrayList<>();
    Int8Kernel int8 = int8Kernel(scope, scope.concat(kernels, scope.constant(1)), h, out, columnMultiplier,
        conversions); // from [H, 3H], read at load only
    Variable<TFloat32> bias = scope.withName("bias").variable(Shape.of(out), TFloat32.class); // [3H]
    conversions.add(scope.withName("bias_write").assign(bias,
        scope.math.mul(scope.concat(biases, scope.constant(0)), columnMultiplier)).op());
    for (Operand<TFloat32> kernel : kernels) {
      conversions.add(release(scope, (Variable<TFloat32>) kernel));
    }
    kernelConversions.put(last, conversions); // value/bias: the last of the six to load
    QuantizedRows rows = quantizedInputs.computeIfAbsent(x.asOutput(), k -> quantizeRows(scope, x));
    Operation product = quantizedProduct(scope, rows, int8, out, false); // [M, 3H]
    return scope.nn.biasAdd(scope.math.mul(product.<TFloat32>output(0), rows.scale()), bias); // [M, 3H]
  }

  /** An int8 kernel [I, O] and its per-column weight range [-max, max] ({@code max = 127 w_s}, times a multiplier). */
  private record Int8Kernel(Operation values, Variable<TFloat32> min, Variable<TFloat32> max) {
  }

  /**
   * Variables for {@code kernel} [I, O] quantized per column, and the ops that write them ({@code conversions}, run
   * once after loading): {@code W_q = round(W / w_s)} with {@code w_s = max(max |W|, tiny) / 127} per column, and
   * the range {@code +-127 w_s} (times {@code columnMultiplier} when given: a factor on the column's product that
   * costs nothing at run time).
   */
  private static Int8Kernel int8Kernel(Ops scope, Operand<TFloat32> kernel, int in, int out,
      Operand<TFloat32> columnMultiplier, List<Operation> conversions) {
    Operation values = scope.scope().opBuilder("VariableV2", "kernel_int8").setAttr("dtype", DataType.DT_QINT8)
        .setAttr("shape", Shape.of(in, out)).build(); // qint8 [I, O]
    Variable<TFloat32> min = scope.withName("kernel_int8_min").variable(Shape.of(out), TFloat32.class); // [O]
    Variable<TFloat32> max = scope.withName("kernel_int8_max").variable(Shape.of(out), TFloat32.class); // [O]
    Operand<TFloat32> columnMax = scope.math.maximum(scope.max(scope.math.abs(kernel), scope.constant(0)),
        scope.constant(TINY)); // [O]
    Operand<TFloat32> columnScale = scope.math.div(columnMax, scope.constant((float) INT8_MAX)); // [O]
    Operation quantized = scope.scope().opBuilder("QuantizeV2", "kernel_int8_quantize")
        .addInput(scope.math.div(kernel, columnScale).asOutput()) // [I, O] in [-127, 127]
        .addInput(scope.constant((float) -INT8_MAX).asOutput()).addInput(scope.constant((float) INT8_MAX).asOutput())
        .setAttr("T", DataType.DT_QINT8).setAttr("mode", "SCALED").build(); // qint8 [I, O], unit scale
    conversions.add(scope.scope().opBuilder("Assign", "kernel_int8_write").addInput(values.output(0))
        .addInput(quantized.output(0)).build());
    Operand<TFloat32> range = columnMultiplier == null ? columnMax : scope.math.mul(columnMax, columnMultiplier);
    conversions.add(scope.withName("kernel_int8_max_write").assign(max, range).op());
    conversions.add(scope.withName("kernel_int8_min_write").assign(min, scope.math.neg(range)).op());
    return new Int8Kernel(values, min, max);
  }

  /**
   * {@code _QuantizedMatMul} of quantized rows and an int8 kernel: float [M, O] = {@code (x_q W_q) w_s}. The
   * activation's range is the fixed unit range of its type (the row scales are applied after), so the op's oneDNN
   * primitive is keyed by shapes only; its weight ranges are variables, whose buffers do not move between runs.
   */
  private static Operation quantizedProduct(Ops scope, QuantizedRows rows, Int8Kernel kernel, int out,
      boolean oneSided) {
    DataType inType = oneSided ? DataType.DT_QUINT8 : DataType.DT_QINT8;
    float inMin = oneSided ? 0f : -INT8_MAX;
    float inMax = oneSided ? UINT8_MAX : INT8_MAX;
    DataType f = DataType.DT_FLOAT;
    return scope.scope().opBuilder("_QuantizedMatMul", "int8_matmul")
        .addInputList(new Output<?>[] {rows.values(), kernel.values().output(0),
            scope.constant(new float[out]).asOutput(), scope.constant(inMin).asOutput(),
            scope.constant(inMax).asOutput(), kernel.min().asOutput(), kernel.max().asOutput()})
        .addInputList(new Output<?>[0])
        .setAttr("Tdevice_inputs", new DataType[] {inType, DataType.DT_QINT8, f, f, f, f, f})
        .setAttr("Thost_inputs", new DataType[0])
        .setAttr("Tdevice_outputs", new DataType[] {f})
        .setAttr("Thost_outputs", new DataType[0])
        .setAttr("T1", inType).setAttr("T2", DataType.DT_QINT8).setAttr("Tbias", f).setAttr("U", f)
        .setAttr("Tout", f)
        .setAttr("fused_ops", new String[] {"BiasAdd", "Dequantize"}) // zero bias: b is added after the row scale
        .setAttr("input_quant_mode", "SCALED").setAttr("output_quant_mode", "SCALED")
        .build(); // [M, O]
  }

  /** An activation quantized per row for {@link #encoderDense}: qint8 or quint8 values and each row's scale. */
  private record QuantizedRows(Output<?> values, Operand<TFloat32> scale) {
  }

  /** {@code x} [M, I] quantized per row, symmetric: qint8 {@code round(127 x / max|x|)} ({@link #encoderDense}). */
  private static QuantizedRows quantizeRows(Ops scope, Operand<TFloat32> x) {
    Ops q = scope.withSubScope("quantize_rows");
    Operand<TInt32> lastAxis = q.constant(new int[] {-1});
    Operand<TFloat32> absMax = q.math.maximum(q.math.maximum(q.max(x, lastAxis, Max.keepDims(true)),
        q.math.neg(q.min(x, lastAxis, org.tensorflow.op.core.Min.keepDims(true)))), q.constant(TINY)); // [M, 1]
    Operand<TFloat32> scale = q.math.div(absMax, q.constant((float) INT8_MAX)); // [M, 1]
    Operand<TFloat32> inverse = q.math.div(q.constant((float) INT8_MAX), absMax); // [M, 1]
    Operation values = q.scope().opBuilder("QuantizeV2", "values").addInput(q.math.mul(x, inverse).asOutput())
        .addInput(q.constant((float) -INT8_MAX).asOutput()).addInput(q.constant((float) INT8_MAX).asOutput())
        .setAttr("T", DataType.DT_QINT8).setAttr("mode", "SCALED").build(); // qint8 [M, I] in [-127, 127]
    return new QuantizedRows(values.output(0), scale);
  }

  /** {@code x} [M, I], every value at least {@code -shift}, quantized per row one-sided (see {@link #encoderDense}). */
  private static QuantizedRows quantizeRowsOneSided(Ops scope, Operand<TFloat32> x, float shift) {
    Ops q = scope.withSubScope("quantize_rows");
    Operand<TInt32> lastAxis = q.constant(new int[] {-1});
    Operand<TFloat32> c = q.constant(shift);
    Operand<TFloat32> range = q.math.maximum(q.math.add(q.max(x, lastAxis, Max.keepDims(true)), c),
        q.constant(TINY)); // [M, 1]
    Operand<TFloat32> scale = q.math.div(range, q.constant((float) UINT8_MAX)); // [M, 1]
    Operand<TFloat32> inverse = q.math.div(q.constant((float) UINT8_MAX), range); // [M, 1]
    Operand<TFloat32> shifted = q.math.mul(q.math.add(x, c), inverse); // [M, I] in [0, 255] (below the floor: < 0)
    Operation values = q.scope().opBuilder("QuantizeV2", "values").addInput(shifted.asOutput())
        .addInput(q.constant(0f).asOutput()).addInput(q.constant((float) UINT8_MAX).asOutput())
        .setAttr("T", DataType.DT_QUINT8).setAttr("mode", "SCALED").build(); // quint8 [M, I], zero point 0
    return new QuantizedRows(values.output(0), scale);
  }

  /** Assigns {@code kernel} an empty tensor: run once its twin is written; the float kernel is not read again. */
  private static Operation release(Ops scope, Variable<TFloat32> kernel) {
    return scope.withName("kernel_release").assign(kernel, scope.constant(new float[0]),
        Assign.validateShape(false)).op(); // [0]
  }

  /**
   * {@code modeling.py: layer_norm} over the last axis, variables {@code beta} and {@code gamma} [H] in
   * {@code scope}.
   */
  public Operand<TFloat32> layerNorm(Ops scope, Operand<TFloat32> x, int width) {
    return layerNorm(scope, x, width, LAYER_NORM_EPSILON);
  }

  /** {@link #layerNorm(Ops, Operand, int)} with another epsilon (RoBERTa's {@code layer_norm_eps} 1e-5). */
  public Operand<TFloat32> layerNorm(Ops scope, Operand<TFloat32> x, int width, double epsilon) {
    Variable<TFloat32> beta = variable(scope, "beta", Shape.of(width));
    Variable<TFloat32> gamma = variable(scope, "gamma", Shape.of(width));
    if (int8Matmuls) { // oneDNN's layer normalization: one pass instead of TensorFlow's six ops
      return scope.scope().opBuilder("_MklLayerNorm", "layer_norm").addInput(x.asOutput()).addInput(gamma.asOutput())
          .addInput(beta.asOutput()).setAttr("T", DataType.DT_FLOAT).setAttr("epsilon", (float) epsilon).build()
          .<TFloat32>output(0);
    }
    Operand<TInt32> lastAxis = scope.constant(new int[] {-1});
    Operand<TFloat32> mean = scope.math.mean(x, lastAxis, org.tensorflow.op.math.Mean.keepDims(true)); // [M, 1]
    Operand<TFloat32> centered = scope.math.sub(x, mean); // [M, H]
    Operand<TFloat32> variance = scope.math.mean(scope.math.mul(centered, centered), lastAxis,
        org.tensorflow.op.math.Mean.keepDims(true)); // [M, 1]
    Operand<TFloat32> inverseStd = scope.math.rsqrt(
        scope.math.add(variance, scope.constant((float) epsilon))); // [M, 1]
    Operand<TFloat32> normalized = scope.math.mul(centered, inverseStd); // [M, H]
    return scope.math.add(scope.math.mul(normalized, gamma), beta); // [M, H]
  }

  /**
   * {@code modeling.py: dropout} ({@code tf.nn.dropout} with keep probability {@code 1 - rate}); the identity unless
   * building for training.
   */
  public Operand<TFloat32> dropout(Ops scope, Operand<TFloat32> x, double rate) {
    if (!training || rate == 0) {
      return x;
    }
    float keep = (float) (1 - rate);
    Operand<TFloat32> noise = scope.random.randomUniform(scope.shape(x), TFloat32.class,
        RandomUniform.seed(seed), RandomUniform.seed2(++dropoutOps)); // same shape as x
    Operand<TFloat32> keepMask = scope.math.floor(scope.math.add(noise, scope.constant(keep))); // 0 or 1
    return scope.math.mul(scope.math.div(x, scope.constant(keep)), keepMask); // same shape as x
  }

  /** The smallest value {@code act} outputs (rounded outwards), {@link Float#NEGATIVE_INFINITY} if unbounded. */
  public static float activationFloor(Activation act) {
    return switch (act) {
      case GELU_TANH, GELU_ERF -> -0.1701f; // minima: -0.17004 (tanh form), -0.16997 (erf) near x = -0.75
      case RELU -> 0f;
      case TANH -> -1f;
    };
  }

  /**
   * {@link #activation} for the encoder's feed-forward layer. In the int8 graph, {@code modeling.py}'s tanh form of
   * GELU is written {@code x sigmoid(x (a + b x^2))} ({@code 0.5 (1 + tanh(z)) = sigmoid(2 z)}; a = 2 sqrt(2 / pi),
   * b = 0.044715 a): the same function in six element-wise passes instead of nine.
   */
  public Operand<TFloat32> encoderActivation(Ops scope, Activation act, Operand<TFloat32> x) {
    if (int8Matmuls && act == Activation.GELU_TANH) {
      float a = (float) (2 * Math.sqrt(2 / Math.PI));
      float b = (float) (2 * Math.sqrt(2 / Math.PI) * 0.044715);
      Operand<TFloat32> u = scope.math.mul(x, scope.math.add(scope.math.mul(scope.math.square(x), scope.constant(b)),
          scope.constant(a))); // twice modeling.py's tanh argument
      return scope.math.mul(x, scope.math.sigmoid(u)); // same shape as x
    }
    return activation(scope, act, x);
  }

  /** The activation {@code act} applied element-wise. */
  public static Operand<TFloat32> activation(Ops scope, Activation act, Operand<TFloat32> x) {
    switch (act) {
      case GELU_TANH -> {
        // modeling.py: gelu
        Operand<TFloat32> cube = scope.math.mul(scope.math.mul(x, x), x);
        Operand<TFloat32> inner = scope.math.mul(scope.constant((float) Math.sqrt(2 / Math.PI)),
            scope.math.add(x, scope.math.mul(scope.constant(0.044715f), cube)));
        Operand<TFloat32> cdf = scope.math.mul(scope.constant(0.5f),
            scope.math.add(scope.constant(1f), scope.math.tanh(inner)));
        return scope.math.mul(x, cdf); // same shape as x
      }
      case GELU_ERF -> {
        Operand<TFloat32> cdf = scope.math.mul(scope.constant(0.5f), scope.math.add(scope.constant(1f),
            scope.math.erf(scope.math.mul(x, scope.constant((float) (1 / Math.sqrt(2)))))));
        return scope.math.mul(x, cdf); // same shape as x
      }
      case RELU -> {
        return scope.nn.relu(x); // same shape as x
      }
      case TANH -> {
        return scope.math.tanh(x); // same shape as x
      }
      default -> throw new IllegalArgumentException("unsupported activation " + act);
    }
  }

  /** {@code x @ w^T + b} with {@code w} [O, I], the layout of {@code run_classifier.py}'s {@code output_weights}. */
  public static Operand<TFloat32> denseTransposed(Ops scope, Operand<TFloat32> x, Operand<TFloat32> w,
      Operand<TFloat32> b) {
    return scope.nn.biasAdd(scope.linalg.matMul(x, w, MatMul.transposeB(true)), b); // [M, O]
  }
}
