package org.streambert.trainer.qa;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.BertGraph;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.model.WeightSource;
import org.streambert.bert.qa.BertQa;
import org.streambert.bert.qa.QaAnswer;
import org.streambert.bert.qa.QaFeaturizer;
import org.streambert.bert.qa.QaHead;
import org.streambert.bert.qa.QaWindow;
import org.streambert.bert.qa.SquadExample;
import org.streambert.bert.qa.SquadMetrics;
import org.streambert.trainer.engine.EncoderBatch;
import org.streambert.trainer.engine.Feeds;
import org.streambert.trainer.engine.Sampler;
import org.streambert.trainer.engine.TrainingSession;
import org.streambert.trainer.internals.ProgressReporter;
import org.streambert.trainer.optim.AdamWeightDecayConfig;
import org.streambert.trainer.optim.AdamWeightDecayOptimizer;
import org.streambert.trainer.optim.WarmupLinearDecay;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.index.Indices;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * SQuAD v1.1 fine-tuning (google-research/bert {@code run_squad.py}): every training question becomes windows
 * ({@link QaFeaturizer}); the encoder with a {@link QaHead} is trained with loss {@code (CE(start) + CE(end)) / 2}
 * (each a mean over the batch of the softmax cross-entropy over the window's positions) by
 * {@link AdamWeightDecayOptimizer}; then the evaluation questions are answered by a {@link BertQa} built from the
 * trained weights (dropout off) and scored with {@link SquadMetrics}.
 *
 * <p>Shape legend: B batch, T tokens.
 */
public final class SquadTrainer {
  private SquadTrainer() {
  }

  /** Featurizes, trains, evaluates. */
  public static SquadTrainResult run(SquadTrainOptions o) {
    BertConfig cfg = o.config();
    QaFeaturizer featurizer = new QaFeaturizer(o.tokenizer(), o.qa());
    List<QaWindow> windows = new ArrayList<>();
    int skipped = 0;
    for (SquadExample e : o.train()) {
      if (e.answers().isEmpty()) {
        skipped++;
        continue;
      }
      List<QaWindow> ws = featurizer.trainingWindows(e);
      skipped += ws.isEmpty() ? 1 : 0;
      windows.addAll(ws);
    }
    if (windows.isEmpty()) {
      throw new IllegalArgumentException("no training question produced a labelled window");
    }
    long steps = o.maxSteps() > 0 ? o.maxSteps()
        : Math.max(1, (long) (windows.size() / (double) o.batchSize() * o.epochs()));
    log(o.progress(), String.format("fine-tuning for SQuAD: %d questions (%d skipped) -> %d windows, %d updates",
        o.train().size(), skipped, windows.size(), steps));

    double[] losses = new double[Math.toIntExact(steps)];
    Map<String, float[]> weights = new LinkedHashMap<>();
    long started = System.nanoTime();
    SpanTask task = new SpanTask();
    WeightSource source = o.initialWeights().orElse(WeightSource.random(cfg.initializerRange(), o.seed()));
    try (TrainingSession session = TrainingSession.open(cfg, HeadsSpec.NONE, task,
        WarmupLinearDecay.withWarmupProportion(o.learningRate(), steps, o.warmupProportion()), source, o.seed())) {
      ProgressReporter progress = o.progress() == null ? null : new ProgressReporter("fine-tune-squad", steps,
          o.progress(), false, Duration.ofSeconds(30), System::nanoTime);
      Sampler<QaWindow> sampler = new Sampler<>(windows, o.seed());
      int padId = o.tokenizer().padId();
      for (int s = 0; s < steps; s++) {
        List<QaWindow> batch = sampler.next(o.batchSize());
        int b = batch.size();
        int[] starts = new int[b];
        int[] ends = new int[b];
        for (int i = 0; i < b; i++) {
          starts[i] = batch.get(i).startPosition();
          ends[i] = batch.get(i).endPosition();
        }
        try (Feeds f = session.feeds(EncoderBatch.of(batch, QaWindow::inputIds, QaWindow::segmentIds, padId))) {
          f.ints(task.startPositions, Shape.of(b), starts).ints(task.endPositions, Shape.of(b), ends);
          losses[s] = session.step(f, session.loss())[0];
        }
        if (progress != null) {
          progress.update(s + 1, (long) (s + 1) * b, losses[s]);
        }
      }
      if (progress != null) {
        progress.finish();
      }
      weights.putAll(session.weights());
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    Optional<SquadMetrics.Score> score = Optional.empty();
    Map<String, String> predictions = Map.of();
    if (!o.eval().isEmpty()) {
      try (BertQa qa = BertQa.create(cfg, WeightSource.ofArrays(weights), o.tokenizer(), o.qa())) {
        predictions = predict(qa, o.eval());
      }
      score = Optional.of(SquadMetrics.evaluate(o.eval(), predictions));
      log(o.progress(), "evaluation: " + score.get());
    }
    return new SquadTrainResult(cfg, weights, losses, windows.size(), score, predictions, seconds);
  }

  /** The SQuAD span task on the engine: run_squad.py's head and its loss {@code (CE(start) + CE(end)) / 2}. */
  private static final class SpanTask implements TrainingSession.Task {
    private QaHead head;
    Placeholder<TInt32> startPositions;
    Placeholder<TInt32> endPositions;

    @Override
    public Operand<TFloat32> build(Ops tf, BertGraph bert) {
      head = QaHead.build(tf, bert);
      startPositions = tf.withName("start_positions")
          .placeholder(TInt32.class, Placeholder.shape(Shape.of(-1))); // [B]
      endPositions = tf.withName("end_positions")
          .placeholder(TInt32.class, Placeholder.shape(Shape.of(-1))); // [B]
      return tf.math.div(tf.math.add(
          spanLoss(tf, head.startLogits(), startPositions),
          spanLoss(tf, head.endLogits(), endPositions)), tf.constant(2f)); // []
    }

    @Override
    public List<TrainingSession.TaskHeads> heads() {
      return List.of(TrainingSession.TaskHeads.of(head::variables, head::initialize, head::readWeights));
    }
  }

  /** The best answer text of every question (empty text when the context has no token), by question id. */
  public static Map<String, String> predict(BertQa qa, List<SquadExample> examples) {
    Map<String, String> out = new LinkedHashMap<>();
    int chunk = 64;
    for (int from = 0; from < examples.size(); from += chunk) {
      List<SquadExample> part = examples.subList(from, Math.min(examples.size(), from + chunk));
      List<List<QaAnswer>> answers = qa.answerAll(
          part.stream().map(e -> new BertQa.Request(e.question(), e.context())).toList());
      for (int i = 0; i < part.size(); i++) {
        out.put(part.get(i).id(), answers.get(i).isEmpty() ? "" : answers.get(i).get(0).text());
      }
    }
    return out;
  }

  /**
   * run_squad.py's {@code compute_loss}: mean over the batch of {@code -log softmax(logits)[position]}. The logits
   * are [B, T] with T known only at run time, so the one-hot depth is read from their shape; LogSoftmax on rank 2 has
   * a correct gradient in TF Java (see CrossEntropyLoss on rank 3).
   */
  private static Operand<TFloat32> spanLoss(Ops tf, Operand<TFloat32> logits, Operand<TInt32> positions) {
    Operand<TInt32> seqLen = tf.stridedSlice(tf.shape(logits), Indices.at(1)); // []
    Operand<TFloat32> oneHot = tf.oneHot(positions, seqLen, tf.constant(1f), tf.constant(0f)); // [B, T]
    Operand<TFloat32> logProbs = tf.nn.logSoftmax(logits); // [B, T]
    Operand<TFloat32> perExample = tf.math.neg(tf.reduceSum(tf.math.mul(oneHot, logProbs), tf.constant(1))); // [B]
    return tf.math.mean(perExample, tf.constant(0)); // []
  }

  private static void log(PrintStream out, String line) {
    if (out != null) {
      out.println(line);
      out.flush();
    }
  }
}
