package org.streambert.bert.model;

import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Assign;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * One trainable weight of a {@link BertGraph}: a TF reference variable ({@code VariableV2}, the kind
 * {@code Session.save}/{@code SavedModelBundle} checkpoint and {@code Graph.addGradients} handle) whose op name is
 * the Google checkpoint name when the graph is built at the root scope.
 *
 * @param name      Google checkpoint name, e.g. {@code bert/encoder/layer_0/attention/self/query/kernel}
 * @param shape     static shape
 * @param variable  the variable (gradients are taken with respect to it)
 * @param initValue placeholder fed by {@link BertGraph#initialize}
 * @param initOp    assigns {@code initValue} to {@code variable}
 */
public record BertVariable(
    String name, Shape shape, Variable<TFloat32> variable, Placeholder<TFloat32> initValue,
    Assign<TFloat32> initOp) {

  /** Number of floats. */
  public long size() {
    return shape.size();
  }
}
