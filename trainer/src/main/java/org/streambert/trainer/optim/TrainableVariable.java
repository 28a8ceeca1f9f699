package org.streambert.trainer.optim;

import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * A variable to train and its name. The name decides weight decay ({@link
 * AdamWeightDecayConfig#usesWeightDecay}); use the checkpoint name, e.g.
 * {@code bert/encoder/layer_0/attention/output/LayerNorm/gamma}.
 */
public record TrainableVariable(String name, Variable<TFloat32> variable) {

  public TrainableVariable {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("empty variable name");
    }
    if (variable == null) {
      throw new IllegalArgumentException("null variable for " + name);
    }
  }

  /** A variable named after its graph operation. */
  public static TrainableVariable of(Variable<TFloat32> variable) {
    return new TrainableVariable(variable.op().name(), variable);
  }
}
