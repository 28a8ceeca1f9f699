package org.streambert.bert.model.internals;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.streambert.bert.model.Activation;
import org.streambert.bert.model.BertVariable;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Assign;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.op.random.RandomUniform;
import org.tensorflow.op.train.BatchMatMul;
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

  private final boolean training;
  private final long seed;
  private long dropoutOps;
  private final List<BertVariable> variables = new ArrayList<>();
  private final boolean bf16Matmuls;
  private final Map<String, List<Op>> bf16Conversions = new LinkedHashMap<>();

  public Layers(boolean training, long seed) {
    this(training, seed, false);
  }

  /**
   * @param bf16Matmuls whether {@link #dense} multiplies in bfloat16 against a bf16 copy of its kernel (inference
   *                    only: the copy is written once by the ops of {@link #bf16Conversions()}, not per run)
   */
  public Layers(boolean training, long seed, boolean bf16Matmuls) {
    if (training && bf16Matmuls) {
      throw new IllegalArgumentException("bf16 matrix products are for inference graphs only");
    }
    this.training = training;
    this.seed = seed;
    this.bf16Matmuls = bf16Matmuls;
  }

  /** Whether dropout is applied. */
  public boolean training() {
    return training;
  }

  /**
   * By dense kernel variable name: the op that writes its bf16 twin, then the op that releases the float kernel
   * (assigns it an empty tensor). Run both once, in order, right after that kernel is loaded; afterwards the float
   * kernel holds nothing and the graph reads only the twin.
   */
  public Map<String, List<Op>> bf16Conversions() {
    return Map.copyOf(bf16Conversions);
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
      bf16Conversions.put(kernel.op().name(), List.of(
          scope.withName("kernel_bf16_copy").assign(kernel16,
              scope.dtypes.cast(kernel, TBfloat16.class)), // [I, O], run once after loading
          scope.withName("kernel_release").assign(kernel, scope.constant(new float[0]),
              Assign.validateShape(false)))); // [0]: the float kernel is not read again
      product = scope.dtypes.cast(scope.linalg.matMul(scope.dtypes.cast(x, TBfloat16.class), kernel16),
          TFloat32.class); // [M, O]: bf16 products, float sums of bias and everything after
    } else {
      product = scope.linalg.matMul(x, kernel); // [M, O]
    }
    return scope.nn.biasAdd(product, bias); // [M, O]
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
