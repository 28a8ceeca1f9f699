package org.streambert.trainer.optim;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * The graph ops built by {@link AdamWeightDecayOptimizer#build}. Nothing here owns native memory: the ops
 * live in the caller's graph. Run one update with
 * {@code session.runner().addTarget(step.trainOp()).fetch(loss).run()} (feeding the batch); variables and
 * slots are initialised by the session's initializers ({@code Session.initialize()} or auto-init).
 *
 * @param trainOp one update: apply every variable's update, then increment the global step
 * @param globalStep int64 scalar, updates done so far (0 before the first one)
 * @param learningRate the learning rate of the update a run of {@code trainOp} makes (fetch it in the
 *     same run for logging)
 * @param gradientNorm global L2 norm of the gradients before clipping (same run)
 * @param slots the Adam moments of every trained variable, in input order
 * @param withoutGradient names of the given variables the loss does not depend on; like optimization.py
 *     (whose gradient is None) they are not updated, e.g. the pooler when fine-tuning NER
 */
public record TrainStep(
    Op trainOp, Variable<TInt64> globalStep, Operand<TFloat32> learningRate, Operand<TFloat32> gradientNorm,
    List<Slots> slots, List<String> withoutGradient) {

  public TrainStep {
    slots = List.copyOf(slots);
    withoutGradient = List.copyOf(withoutGradient);
  }

  /**
   * The optimizer state of one variable.
   *
   * @param name the variable's name
   * @param m first-moment estimate ({@code adam_m} in Google's checkpoints), zeros initially
   * @param v second-moment estimate ({@code adam_v}), zeros initially
   * @param weightDecay whether the variable is decayed
   */
  public record Slots(String name, Variable<TFloat32> m, Variable<TFloat32> v, boolean weightDecay) {}
}
