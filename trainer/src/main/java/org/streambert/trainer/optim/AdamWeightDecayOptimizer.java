package org.streambert.trainer.optim;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Operation;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Gradients;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * BERT's optimizer as graph ops: optimization.py's create_optimizer and AdamWeightDecayOptimizer, step
 * for step. One update, for every variable p with clipped gradient g:
 *
 * <pre>
 *   m      = beta1 * m + (1 - beta1) * g
 *   v      = beta2 * v + (1 - beta2) * g^2
 *   update = m / (sqrt(v) + epsilon)
 *   update = update + weightDecayRate * p      unless the name matches an exclusion (LayerNorm, bias)
 *   p      = p - lr * update
 * </pre>
 *
 * then the global step is incremented. The gradients are first scaled together to global norm at most
 * {@code clipNorm} with tf.clip_by_global_norm's semantics: {@code g *= clipNorm / max(norm, clipNorm)},
 * and a non-finite norm turns every gradient into NaN (so a diverged step is visible, not hidden).
 *
 * <p><b>No bias correction.</b> Unlike Adam (Kingma &amp; Ba) there is no division of m and v by
 * {@code 1 - beta^t}: Google's AdamWeightDecayOptimizer omits it, and fine-tuning results and
 * hyper-parameters (learning rates 2e-5..5e-5, 10% warm-up) were tuned with that behaviour. With warm-up
 * this matters little; without it, the first updates are smaller than Adam's by about
 * {@code (1 - beta1) / sqrt(1 - beta2)} ≈ 3.2. The weight decay is decoupled (added to the update, not to
 * the loss), scaled by the learning rate only.
 *
 * <p>Ordering, which optimization.py leaves to chance (its global-step increment races with the updates):
 * all gradients are computed (the clip needs all of them) before any variable is assigned, the learning
 * rate reads the global step before the increment, and the increment runs after every update.
 */
public final class AdamWeightDecayOptimizer {

  /** Name scope of the optimizer's ops and variables. */
  public static final String SCOPE = "AdamWeightDecay";

  private AdamWeightDecayOptimizer() {}

  /**
   * Adds the gradients, clipping, slots, global step and train op to the graph of {@code tf}.
   *
   * @param tf ops of a graph (not eager)
   * @param loss float32 scalar to minimise
   * @param variables the variables to train, with distinct names and fully known shapes; those the loss
   *     does not depend on are reported in {@link TrainStep#withoutGradient()} and left alone
   * @param schedule the learning rate per step
   * @param config hyper-parameters, e.g. {@link AdamWeightDecayConfig#BERT}
   */
  public static TrainStep build(
      Ops tf, Operand<TFloat32> loss, List<TrainableVariable> variables, WarmupLinearDecay schedule,
      AdamWeightDecayConfig config) {
    if (!(tf.scope().env() instanceof Graph)) {
      throw new IllegalArgumentException("the optimizer needs a graph, not an eager session");
    }
    if (loss.shape().numDimensions() > 0) {
      throw new IllegalArgumentException("the loss must be a scalar, got shape " + loss.shape());
    }
    checkVariables(variables);
    Set<Operation> lossInputs = dataAncestors(loss.op());
    List<TrainableVariable> trained = new ArrayList<>();
    List<String> withoutGradient = new ArrayList<>();
    for (TrainableVariable v : variables) {
      if (lossInputs.contains(v.variable().op())) {
        trained.add(v);
      } else {
        withoutGradient.add(v.name());
      }
    }
    if (trained.isEmpty()) {
      throw new IllegalArgumentException("the loss depends on none of the " + variables.size() + " variables");
    }

    Ops opt = tf.withSubScope(SCOPE);
    Gradients gradients = opt.gradients(loss, trained.stream().map(TrainableVariable::variable).toList());

    // tf.clip_by_global_norm: norm = sqrt(sum of all squared gradients).
    List<Operand<TFloat32>> squares = new ArrayList<>();
    for (int i = 0; i < trained.size(); i++) {
      Operand<TFloat32> g = gradients.dy(i);
      squares.add(opt.reduceSum(opt.math.square(opt.reshape(g, opt.constant(new int[] {-1}))),
          opt.constant(0))); // []
    }
    Operand<TFloat32> norm = opt.math.sqrt(squares.size() == 1 ? squares.get(0) : opt.math.addN(squares)); // []
    Operand<TFloat32> finiteNorm =
        opt.select(opt.math.isFinite(norm), norm, opt.constant(Float.NaN)); // []
    Operand<TFloat32> clipScale = opt.math.mul(opt.constant((float) config.clipNorm()),
        opt.math.minimum(opt.math.reciprocal(finiteNorm), opt.constant((float) (1 / config.clipNorm())))); // []

    Variable<TInt64> globalStep = opt.withName("global_step").variable(opt.constant(0L)); // []
    Operand<TFloat32> lr = schedule.build(opt.withSubScope("learning_rate"), globalStep); // []

    Operand<TFloat32> beta1 = opt.constant((float) config.beta1());
    Operand<TFloat32> oneMinusBeta1 = opt.constant((float) (1 - config.beta1()));
    Operand<TFloat32> beta2 = opt.constant((float) config.beta2());
    Operand<TFloat32> oneMinusBeta2 = opt.constant((float) (1 - config.beta2()));
    Operand<TFloat32> epsilon = opt.constant((float) config.epsilon());
    Operand<TFloat32> decayRate = opt.constant((float) config.weightDecayRate());

    List<Op> assignments = new ArrayList<>();
    List<TrainStep.Slots> slots = new ArrayList<>();
    Set<String> slotNames = new HashSet<>();
    for (int i = 0; i < trained.size(); i++) {
      TrainableVariable tv = trained.get(i);
      Variable<TFloat32> param = tv.variable();
      String slotBase = opName(tv.name());
      if (!slotNames.add(slotBase)) {
        throw new IllegalArgumentException("variable names collide after replacing characters invalid in op "
            + "names: '" + tv.name() + "' -> '" + slotBase + "'");
      }
      Ops slot = opt.withSubScope(slotBase);
      Variable<TFloat32> m = slot.withName("adam_m").variable(zeros(opt, param.shape()));
      Variable<TFloat32> v = slot.withName("adam_v").variable(zeros(opt, param.shape()));
      Operand<TFloat32> g = slot.math.mul(gradients.<TFloat32>dy(i), clipScale); // like p

      // optimization.py: AdamWeightDecayOptimizer.apply_gradients
      Operand<TFloat32> nextM = slot.math.add(slot.math.mul(beta1, m), slot.math.mul(oneMinusBeta1, g));
      Operand<TFloat32> nextV =
          slot.math.add(slot.math.mul(beta2, v), slot.math.mul(oneMinusBeta2, slot.math.square(g)));
      Operand<TFloat32> update = slot.math.div(nextM, slot.math.add(slot.math.sqrt(nextV), epsilon)); // like p
      boolean decay = config.usesWeightDecay(tv.name());
      if (decay) {
        update = slot.math.add(update, slot.math.mul(decayRate, param));
      }
      Operand<TFloat32> nextParam = slot.math.sub(param, slot.math.mul(lr, update)); // like p
      assignments.add(slot.assign(param, nextParam));
      assignments.add(slot.assign(m, nextM));
      assignments.add(slot.assign(v, nextV));
      slots.add(new TrainStep.Slots(tv.name(), m, v, decay));
    }
    Op increment = opt.withControlDependencies(assignments).assignAdd(globalStep, opt.constant(1L));
    Op trainOp = opt.withControlDependencies(List.of(increment)).withName("train_op").noOp();
    return new TrainStep(trainOp, globalStep, lr, norm, slots, withoutGradient);
  }

  private static void checkVariables(List<TrainableVariable> variables) {
    if (variables.isEmpty()) {
      throw new IllegalArgumentException("no variables to train");
    }
    Set<String> names = new HashSet<>();
    for (TrainableVariable v : variables) {
      if (!names.add(v.name())) {
        throw new IllegalArgumentException("duplicate variable name '" + v.name() + "'");
      }
      if (v.variable().shape().hasUnknownDimension() || v.variable().shape().isUnknown()) {
        throw new IllegalArgumentException(
            "variable '" + v.name() + "' has shape " + v.variable().shape() + "; the optimizer needs known shapes");
      }
    }
  }

  private static Operand<TFloat32> zeros(Ops tf, Shape shape) {
    return tf.withInitScope().zeros(tf.withInitScope().constant(shape.asArray()), TFloat32.class);
  }

  /** Op names allow {@code [A-Za-z0-9_.-]} only; checkpoint names use '/' between scopes. */
  static String opName(String variableName) {
    String name = variableName.replaceFirst(":\\d+$", "").replaceAll("[^A-Za-z0-9_.\\-]", ".");
    return Character.isLetterOrDigit(name.charAt(0)) || name.charAt(0) == '.' ? name : "v" + name;
  }

  /**
   * Every operation {@code op} reads through data edges (not control edges), including itself: the
   * variables the gradient machinery can reach. Variables outside it would make TF_AddGradients fail
   * ("unreachable from the output").
   */
  private static Set<Operation> dataAncestors(Operation op) {
    Set<Operation> seen = new HashSet<>();
    Deque<Operation> todo = new ArrayDeque<>();
    todo.add(op);
    while (!todo.isEmpty()) {
      Operation current = todo.poll();
      if (seen.add(current) && current instanceof GraphOperation g) {
        for (Operand<?> input : g.inputs()) {
          todo.add(input.op());
        }
      }
    }
    return seen;
  }
}
