package org.streambert.trainer.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.BertGraph;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.model.WeightSource;
import org.streambert.trainer.engine.Feeds;
import org.streambert.trainer.engine.TrainingSession;
import org.streambert.trainer.optim.CrossEntropyLoss;
import org.streambert.trainer.optim.SoftTargetLoss;
import org.streambert.trainer.optim.WarmupLinearDecay;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The training graph: BERT with dropout and its heads ({@link BertGraph}, {@code training = true}), the task losses
 * and BERT's AdamW ({@link AdamWeightDecayOptimizer}: warm-up + linear decay, weight decay 0.01 except LayerNorm and
 * biases, global-norm clipping at 1.0), in one graph and session.
 *
 * <p>Loss (shape legend: B batch, T tokens, C classes, K token labels): {@code mean_B CE(class_logits [B, C], y)}
 * plus {@code sum(w * CE(token_logits [B, T, K], tags)) / max(sum w, 1)}. A batch holds one task: class labels of a
 * NER batch are -1 (zero one-hot, so zero loss) and token weights of a classification batch are 0, so each batch
 * trains the shared encoder through its own head only, with one optimizer state for all variables. (The idle head's
 * gradients are zero in that step; like any AdamW state its moments decay and keep a little momentum, as in
 * multi-task training with one optimizer elsewhere.)
 *
 * <p>Distillation ({@link #createDistilling}) adds the teacher's soft targets to the same graph: placeholders for
 * the teacher's class distribution [B, C] and token distribution [B, T, K] at temperature T with their weights [B]
 * and [B, T] (1 at each word's first piece, the positions whose labels are served; at every piece of a text without
 * word boundaries, i.e. a classification example), and the loss becomes {@code T² · (KL_class + KL_token)}
 * ({@link SoftTargetLoss}) {@code + alpha ·} the hard-label loss above, so fine-tuning and distillation share one graph, optimizer and schedule.
 *
 * <p>A task of the one training engine ({@link TrainingSession}), which owns graph, session, encoder and optimizer;
 * this class adds only the heads' losses and their feeds. Closing it closes the session. Not thread-safe.
 */
public final class FineTuningGraph implements AutoCloseable {

  private final TrainingSession session;
  private final Losses losses;

  /** The losses' extra inputs (the soft-target ones null unless distilling) and their terms. */
  private static final class Losses implements TrainingSession.Task {
    private final HeadsSpec heads;
    private final DistillConfig distill;
    Placeholder<TInt32> classLabels;
    Placeholder<TInt32> tokenLabels;
    Placeholder<TFloat32> tokenWeights;
    SoftTargetInputs soft;

    Losses(HeadsSpec heads, DistillConfig distill) {
      this.heads = heads;
      this.distill = distill;
    }

    @Override
    public Operand<TFloat32> build(Ops tf, BertGraph bg) {
      classLabels = tf.withName("class_labels")
          .placeholder(TInt32.class, Placeholder.shape(Shape.of(-1))); // [B]
      tokenLabels = tf.withName("token_labels")
          .placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1))); // [B, T]
      tokenWeights = tf.withName("token_weights")
          .placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1))); // [B, T]
      List<Operand<TFloat32>> terms = new ArrayList<>();
      // run_classifier.py: create_model's per-example cross-entropy, averaged
      bg.classLogits().ifPresent(logits -> terms.add(CrossEntropyLoss.mean(tf, logits, classLabels))); // []
      bg.tokenLogits().ifPresent(logits ->
          terms.add(CrossEntropyLoss.weightedMean(tf, logits, tokenLabels, tokenWeights))); // []
      Operand<TFloat32> hard = terms.size() == 1 ? terms.get(0) : tf.math.add(terms.get(0), terms.get(1)); // []
      if (distill == null) {
        return hard;
      }
      soft = softTargets(tf, bg, heads, distill.temperature());
      return tf.math.add(soft.loss(), tf.math.mul(hard, tf.constant((float) distill.alpha()))); // []
    }

    /** The hard-label feeds of {@code b}. */
    void feed(Feeds f, Batch b) {
      Shape bt = b.inputs().shape();
      f.ints(classLabels, Shape.of(b.size()), b.classLabels()).ints(tokenLabels, bt, b.tokenLabels())
          .floats(tokenWeights, bt, b.tokenWeights());
    }
  }

  /** The distillation graph's extra inputs and its soft-target loss. */
  private record SoftTargetInputs(Placeholder<TFloat32> classTargets, Placeholder<TFloat32> classWeights,
      Placeholder<TFloat32> tokenTargets, Placeholder<TFloat32> tokenWeights, Operand<TFloat32> loss) {}

  /** One distillation step's losses (before the update): the total and its soft-target part (T² · KL). */
  public record StepLoss(double total, double soft) {}

  private FineTuningGraph(TrainingSession session, Losses losses) {
    this.session = session;
    this.losses = losses;
  }

  /**
   * Builds the graph and loads the initial weights (read from {@code init}, which the caller still owns).
   *
   * @param numTrainSteps total updates, for the schedule
   * @param seed dropout seed (the dropout sequence is a function of it)
   */
  public static FineTuningGraph create(BertConfig cfg, HeadsSpec heads, WeightSource init, double learningRate,
      long numTrainSteps, double warmupProportion, long seed) {
    return create(cfg, heads, init, learningRate, numTrainSteps, warmupProportion, seed, null);
  }

  /**
   * {@link #create} with the soft-target loss of {@code distill} added (train with {@link #distill}).
   */
  public static FineTuningGraph createDistilling(BertConfig cfg, HeadsSpec heads, WeightSource init, double learningRate,
      long numTrainSteps, double warmupProportion, long seed, DistillConfig distill) {
    Objects.requireNonNull(distill, "distill");
    return create(cfg, heads, init, learningRate, numTrainSteps, warmupProportion, seed, distill);
  }

  private static FineTuningGraph create(BertConfig cfg, HeadsSpec heads, WeightSource init, double learningRate,
      long numTrainSteps, double warmupProportion, long seed, DistillConfig distill) {
    if (!heads.hasClassHead() && !heads.hasTokenHead()) {
      throw new IllegalArgumentException("nothing to train: the model has no head");
    }
    Losses losses = new Losses(heads, distill);
    TrainingSession session = TrainingSession.open(cfg, heads, losses,
        WarmupLinearDecay.withWarmupProportion(learningRate, numTrainSteps, warmupProportion), init, seed);
    return new FineTuningGraph(session, losses);
  }

  /** One update on {@code batch}; returns its loss (before the update). */
  public double train(List<Feature> batch, int padId) {
    Batch b = Batch.of(batch, padId);
    try (Feeds f = session.feeds(b.inputs())) {
      losses.feed(f, b);
      return session.step(f, session.loss())[0];
    }
  }

  private static SoftTargetInputs softTargets(Ops tf, BertGraph bg, HeadsSpec heads, double temperature) {
    Placeholder<TFloat32> classTargets = null;
    Placeholder<TFloat32> classWeights = null;
    Placeholder<TFloat32> tokenTargets = null;
    Placeholder<TFloat32> tokenWeights = null;
    List<Operand<TFloat32>> terms = new ArrayList<>();
    if (bg.classLogits().isPresent()) {
      classTargets = tf.withName("class_soft_targets").placeholder(TFloat32.class,
          Placeholder.shape(Shape.of(-1, heads.numClasses()))); // [B, C]
      classWeights = tf.withName("class_soft_weights").placeholder(TFloat32.class,
          Placeholder.shape(Shape.of(-1))); // [B]
      terms.add(SoftTargetLoss.weightedMean(tf, bg.classLogits().get(), classTargets, classWeights,
          temperature)); // []
    }
    if (bg.tokenLogits().isPresent()) {
      tokenTargets = tf.withName("token_soft_targets").placeholder(TFloat32.class,
          Placeholder.shape(Shape.of(-1, -1, heads.numTokenLabels()))); // [B, T, K]
      tokenWeights = tf.withName("token_soft_weights").placeholder(TFloat32.class,
          Placeholder.shape(Shape.of(-1, -1))); // [B, T]
      terms.add(SoftTargetLoss.weightedMean(tf, bg.tokenLogits().get(), tokenTargets, tokenWeights,
          temperature)); // []
    }
    Operand<TFloat32> loss = tf.withName("soft_loss").identity(
        terms.size() == 1 ? terms.get(0) : tf.math.add(terms.get(0), terms.get(1))); // []
    return new SoftTargetInputs(classTargets, classWeights, tokenTargets, tokenWeights, loss);
  }

  /**
   * One distillation update on {@code batch} (only on a {@link #createDistilling} tuner); {@code targets} gives each
   * example's teacher distributions at the configured temperature. Returns the losses before the update.
   */
  StepLoss distill(List<Feature> batch, int padId, Map<Feature, TeacherTargets> targets) {
    SoftTargetInputs soft = losses.soft;
    if (soft == null) {
      throw new IllegalStateException("not a distilling tuner");
    }
    Batch b = Batch.of(batch, padId);
    Shape bt = b.inputs().shape();
    int n = b.size();
    int t = b.seqLen();
    int c = soft.classTargets() != null ? (int) soft.classTargets().shape().size(1) : 0;
    int k = soft.tokenTargets() != null ? (int) soft.tokenTargets().shape().size(2) : 0;
    float[] classQ = new float[n * c]; // [B, C]
    float[] classW = new float[n]; // [B]
    float[] tokenQ = new float[n * t * k]; // [B, T, K]
    float[] tokenW = new float[n * t]; // [B, T]
    for (int i = 0; i < n; i++) {
      TeacherTargets q = targets.get(batch.get(i));
      if (q == null) {
        throw new IllegalArgumentException("no teacher targets for example " + i + " of the batch");
      }
      if (c > 0 && q.classTargets() != null) {
        System.arraycopy(q.classTargets(), 0, classQ, i * c, c);
        classW[i] = 1f;
      }
      if (k > 0 && q.tokenTargets() != null) {
        Feature f = batch.get(i);
        System.arraycopy(q.tokenTargets(), 0, tokenQ, i * t * k, f.length() * k);
        if (f.firstPiece() != null) {
          // the positions whose labels are served: each word's first piece (the teacher was never trained on the
          // others, so its distributions there are not knowledge to copy)
          for (int position : f.firstPiece()) {
            if (position >= 0) {
              tokenW[i * t + position] = 1f;
            }
          }
        } else {
          Arrays.fill(tokenW, i * t + 1, i * t + f.length() - 1, 1f); // no word boundaries: every piece
        }
      }
    }
    try (Feeds f = session.feeds(b.inputs())) {
      losses.feed(f, b);
      if (soft.classTargets() != null) {
        f.floats(soft.classTargets(), Shape.of(n, c), classQ).floats(soft.classWeights(), Shape.of(n), classW);
      }
      if (soft.tokenTargets() != null) {
        f.floats(soft.tokenTargets(), Shape.of(n, t, k), tokenQ).floats(soft.tokenWeights(), bt, tokenW);
      }
      float[] out = session.step(f, session.loss(), soft.loss());
      return new StepLoss(out[0], out[1]);
    }
  }

  /** Current values of every model variable by Google checkpoint name (not the optimizer's slots). */
  public Map<String, float[]> weights() {
    return session.weights();
  }

  /** Names of variables the loss does not reach (left untrained), e.g. the pooler for NER alone. */
  public List<String> untrained() {
    return session.untrained();
  }

  @Override
  public void close() {
    session.close();
  }
}
