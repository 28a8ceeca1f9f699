package org.streambert.trainer.engine;

import java.util.ArrayList;
import java.util.List;
import org.streambert.bert.model.TensorArrays;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.types.TFloat32;

/**
 * The inputs of one training step: a session runner and the tensors fed to it, which this object owns and
 * {@link #close() closes} (after the run). Made by {@link TrainingSession#feeds}.
 */
public final class Feeds implements AutoCloseable {

  private final Session.Runner runner;
  private final List<Tensor> owned = new ArrayList<>();

  Feeds(Session.Runner runner) {
    this.runner = runner;
  }

  /** Feeds int32 {@code values} of {@code shape} to {@code input}. */
  public Feeds ints(Operand<?> input, Shape shape, int[] values) {
    Tensor t = TensorArrays.ints(shape, values);
    owned.add(t);
    runner.feed(input, t);
    return this;
  }

  /** Feeds float32 {@code values} of {@code shape} to {@code input}. */
  public Feeds floats(Operand<?> input, Shape shape, float[] values) {
    Tensor t = TensorArrays.floats(shape, values);
    owned.add(t);
    runner.feed(input, t);
    return this;
  }

  @SafeVarargs
  final float[] run(Op target, Operand<TFloat32>... fetches) {
    runner.addTarget(target);
    for (Operand<TFloat32> f : fetches) {
      runner.fetch(f);
    }
    try (Result r = runner.run()) {
      float[] out = new float[fetches.length];
      for (int i = 0; i < fetches.length; i++) {
        out[i] = ((TFloat32) r.get(i)).getFloat();
      }
      return out;
    }
  }

  @Override
  public void close() {
    for (Tensor t : owned) {
      t.close();
    }
    owned.clear();
  }
}
