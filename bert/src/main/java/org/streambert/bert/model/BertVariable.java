package org.streambert.bert.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.streambert.bert.model.internals.TensorData;
import org.tensorflow.Result;
import org.tensorflow.Session;
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

  /**
   * Assigns every variable its value from {@code source} (the graph, a pre-training head or a QA head share this).
   *
   * @throws IllegalArgumentException when the source lacks a weight or has it with the wrong shape (names it)
   */
  public static void initializeAll(Session session, List<BertVariable> variables, WeightSource source) {
    initializeAll(session, variables, source, name -> { });
  }

  /**
   * {@link #initializeAll(Session, List, WeightSource)}, calling {@code afterEach} with each variable's name right
   * after it is assigned.
   */
  static void initializeAll(Session session, List<BertVariable> variables, WeightSource source,
      Consumer<String> afterEach) {
    for (BertVariable v : variables) {
      Optional<TFloat32> value = source.read(v.name(), v.shape());
      if (value.isEmpty()) {
        throw new IllegalArgumentException("no value for weight " + v.name() + " " + v.shape()
            + " (for weights that should start fresh, add .orElse(WeightSource.random(...)))");
      }
      try (TFloat32 t = value.get()) {
        if (!t.shape().equals(v.shape())) {
          throw new IllegalArgumentException("weight " + v.name() + " has shape " + t.shape() + ", the graph needs "
              + v.shape());
        }
        FiniteWeights.require(v.name(), t); // every importer's weights pass here
        session.runner().feed(v.initValue(), t).addTarget(v.initOp()).run();
      }
      afterEach.accept(v.name());
    }
  }

  /** Current values of {@code variables}, by name (row-major copies), in list order. */
  public static Map<String, float[]> readAll(Session session, List<BertVariable> variables) {
    Map<String, float[]> out = new LinkedHashMap<>();
    for (BertVariable v : variables) {
      try (Result r = session.runner().fetch(v.variable()).run()) {
        out.put(v.name(), TensorData.readFloats(r.get(0)));
      }
    }
    return out;
  }
}
