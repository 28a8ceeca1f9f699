package org.streambert.trainer.optim;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;

/** Test helpers that copy fetched tensors into Java arrays (closing every tensor they fetch). */
final class Tensors {

  private Tensors() {}

  static double[] doubles(Tensor t) {
    if (t instanceof TFloat32 f) {
      float[] values = new float[(int) f.size()];
      f.copyTo(DataBuffers.of(values, false, false));
      double[] out = new double[values.length];
      for (int i = 0; i < values.length; i++) {
        out[i] = values[i];
      }
      return out;
    }
    if (t instanceof TFloat64 d) {
      double[] values = new double[(int) d.size()];
      d.copyTo(DataBuffers.of(values, false, false));
      return values;
    }
    throw new IllegalArgumentException("not a float tensor: " + t.dataType());
  }

  /** Fetches the operands as flat double arrays, optionally running targets in the same step. */
  static List<double[]> fetch(Session session, List<? extends Operand<?>> operands, Op... targets) {
    Session.Runner runner = session.runner();
    operands.forEach(runner::fetch);
    for (Op target : targets) {
      runner.addTarget(target);
    }
    try (Result result = runner.run()) {
      List<double[]> out = new ArrayList<>();
      for (int i = 0; i < operands.size(); i++) {
        out.add(doubles(result.get(i)));
      }
      return out;
    }
  }
}
