package org.streambert.trainer.optim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The optimizer, the schedule and the loss together: softmax regression (logits = x W + b) on a linearly
 * separable 3-class problem in 2-D learns to classify it.
 */
class SoftmaxRegressionTrainingTest {

  private static final int N = 300; // examples
  private static final int D = 2; // features
  private static final int C = 3; // classes
  private static final int STEPS = 150;

  @Test
  void shouldLearnALinearlySeparableProblem() {
    // Three clusters around (2, 0), (-1, 1.7), (-1, -1.7), radius 0.8: separable with a wide margin.
    Random random = new Random(7);
    float[] x = new float[N * D];
    int[] y = new int[N];
    for (int i = 0; i < N; i++) {
      y[i] = i % C;
      double angle = 2 * Math.PI * y[i] / C;
      double r = 0.8 * Math.sqrt(random.nextDouble());
      double theta = 2 * Math.PI * random.nextDouble();
      x[i * D] = (float) (2 * Math.cos(angle) + r * Math.cos(theta));
      x[i * D + 1] = (float) (2 * Math.sin(angle) + r * Math.sin(theta));
    }
    try (Graph g = new Graph(); Session session = new Session(g)) {
      Ops tf = Ops.create(g);
      Placeholder<TFloat32> features = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, D)));
      Placeholder<TInt32> labels = tf.placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
      Variable<TFloat32> kernel = tf.withName("kernel").variable(tf.zeros(tf.constant(new int[] {D, C}), TFloat32.class));
      Variable<TFloat32> bias = tf.withName("bias").variable(tf.zeros(tf.constant(new int[] {C}), TFloat32.class));
      Operand<TFloat32> logits = tf.math.add(tf.linalg.matMul(features, kernel), bias); // [N, C]
      Operand<TFloat32> loss = CrossEntropyLoss.mean(tf, logits, labels);
      Operand<TInt32> predicted = tf.math.argMax(logits, tf.constant(1), TInt32.class); // [N]
      TrainStep step = AdamWeightDecayOptimizer.build(tf, loss,
          List.of(new TrainableVariable("dense/kernel", kernel), new TrainableVariable("dense/bias", bias)),
          WarmupLinearDecay.withWarmupProportion(0.1, STEPS, WarmupLinearDecay.DEFAULT_WARMUP_PROPORTION),
          AdamWeightDecayConfig.BERT);
      try (TFloat32 xs = TFloat32.tensorOf(Shape.of(N, D), DataBuffers.of(x));
          TInt32 ys = TInt32.tensorOf(Shape.of(N), DataBuffers.of(y))) {
        double firstLoss = Double.NaN;
        double lastLoss = Double.NaN;
        for (int s = 0; s < STEPS; s++) {
          try (Result r = session.runner().feed(features, xs).feed(labels, ys).fetch(loss)
              .addTarget(step.trainOp()).run()) {
            lastLoss = ((TFloat32) r.get(0)).getFloat();
            if (s == 0) {
              firstLoss = lastLoss;
            }
          }
        }
        try (Result r = session.runner().feed(features, xs).fetch(predicted).run()) {
          TInt32 p = (TInt32) r.get(0);
          int correct = 0;
          for (int i = 0; i < N; i++) {
            correct += p.getInt(i) == y[i] ? 1 : 0;
          }
          double accuracy = (double) correct / N;
          assertTrue(accuracy >= 0.95, "accuracy " + accuracy + ", loss " + firstLoss + " -> " + lastLoss);
          assertTrue(lastLoss < 0.5 * firstLoss, "loss " + firstLoss + " -> " + lastLoss);
        }
      }
    }
  }
}
