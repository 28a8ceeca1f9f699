package org.streambert.trainer.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.streambert.bert.model.Activation;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.BertGraph;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.model.WeightSource;
import org.streambert.trainer.optim.CrossEntropyLoss;
import org.streambert.trainer.optim.WarmupLinearDecay;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/** The engine with a task of a few lines: it learns, is a function of its seed, and owns what it opens. */
class TrainingSessionTest {

  private static final BertConfig TINY = new BertConfig(40, 32, 2, 2, 64, Activation.GELU_TANH, 0.1, 0.1, 16, 2,
      0.02);

  /** Sequence classification on the encoder's own head: is token 7 in the text? */
  private static final class HasSeven implements TrainingSession.Task {
    Placeholder<TInt32> labels;

    @Override
    public Operand<TFloat32> build(Ops tf, BertGraph encoder) {
      labels = tf.placeholder(TInt32.class, Placeholder.shape(Shape.of(-1))); // [B]
      return CrossEntropyLoss.mean(tf, encoder.classLogits().orElseThrow(), labels); // []
    }
  }

  private static double[] train(long seed, int steps) {
    HasSeven task = new HasSeven();
    List<int[]> texts = new ArrayList<>();
    Random rnd = new Random(1);
    for (int i = 0; i < 64; i++) {
      int[] ids = new int[2 + rnd.nextInt(8)];
      ids[0] = 2;
      for (int p = 1; p < ids.length; p++) {
        ids[p] = 5 + rnd.nextInt(30);
      }
      texts.add(ids);
    }
    Sampler<int[]> sampler = new Sampler<>(texts, seed);
    double[] losses = new double[steps];
    try (TrainingSession session = TrainingSession.open(TINY, new HeadsSpec(2, false, 0), task,
        WarmupLinearDecay.withWarmupProportion(3e-3, steps, 0.1), WeightSource.random(0.02, seed), seed)) {
      for (int s = 0; s < steps; s++) {
        List<int[]> batch = sampler.next(16);
        int[] y = batch.stream().mapToInt(ids -> Arrays.stream(ids).anyMatch(x -> x == 7) ? 1 : 0).toArray();
        try (Feeds f = session.feeds(EncoderBatch.of(batch, ids -> ids, null, 0))) {
          f.ints(task.labels, Shape.of(y.length), y);
          losses[s] = session.step(f, session.loss())[0];
        }
      }
      assertTrue(session.weights().containsKey("bert/embeddings/word_embeddings"), "weights by checkpoint name");
    }
    return losses;
  }

  @Test
  void shouldGiveTheSameLossesForTheSameSeed() {
    assertArrayEquals(train(3, 6), train(3, 6));
    assertFalse(Arrays.equals(train(3, 6), train(4, 6)), "another seed, another run");
  }

  @Test
  void shouldLowerTheLossOfASmallTask() {
    double[] losses = train(5, 100);
    double first = Arrays.stream(losses, 0, 10).average().orElseThrow();
    double last = Arrays.stream(losses, 90, 100).average().orElseThrow();
    assertTrue(last < 0.7 * first, first + " -> " + last);
  }

  @Test
  void shouldPadTheEncoderBatchAndMaskOnlyRealPositions() {
    EncoderBatch b = EncoderBatch.of(List.of(new int[] {2, 5, 3}, new int[] {2, 3}), ids -> ids,
        ids -> ids.length == 3 ? new int[] {0, 0, 1} : null, 9);
    assertEquals(Shape.of(2, 3), b.shape());
    assertArrayEquals(new int[] {2, 5, 3, 2, 3, 9}, b.ids());
    assertArrayEquals(new int[] {1, 1, 1, 1, 1, 0}, b.mask());
    assertArrayEquals(new int[] {0, 0, 1, 0, 0, 0}, b.segments());
    assertThrows(IllegalArgumentException.class,
        () -> EncoderBatch.of(List.of(new int[] {2, 3}), ids -> ids, ids -> new int[] {0}, 0));
  }

  @Test
  void shouldSampleEveryExampleOncePerPass() {
    Sampler<Integer> sampler = new Sampler<>(List.of(1, 2, 3, 4, 5, 6), 7);
    assertEquals(new HashSet<>(List.of(1, 2, 3, 4, 5, 6)), new HashSet<>(sampler.next(6)));
    List<Integer> twoPasses = sampler.next(12);
    assertEquals(new HashSet<>(List.of(1, 2, 3, 4, 5, 6)), new HashSet<>(twoPasses.subList(0, 6)));
    assertEquals(new HashSet<>(List.of(1, 2, 3, 4, 5, 6)), new HashSet<>(twoPasses.subList(6, 12)));
    assertThrows(IllegalArgumentException.class, () -> new Sampler<>(List.of(), 1));
  }
}
