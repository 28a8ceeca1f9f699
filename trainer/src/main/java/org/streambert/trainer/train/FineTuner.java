package org.streambert.trainer.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.BertGraph;
import org.streambert.bert.model.BertVariable;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.model.WeightSource;
import org.streambert.trainer.internals.Tensors;
import org.streambert.trainer.optim.AdamWeightDecayConfig;
import org.streambert.trainer.optim.AdamWeightDecayOptimizer;
import org.streambert.trainer.optim.CrossEntropyLoss;
import org.streambert.trainer.optim.TrainStep;
import org.streambert.trainer.optim.TrainableVariable;
import org.streambert.trainer.optim.WarmupLinearDecay;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
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
 * <p>Owns its graph and session; {@link #close()} frees both. Not thread-safe.
 */
public final class FineTuner implements AutoCloseable {

  private final Graph graph;
  private final Session session;
  private final BertGraph bert;
  private final Placeholder<TInt32> classLabels;
  private final Placeholder<TInt32> tokenLabels;
  private final Placeholder<TFloat32> tokenWeights;
  private final Operand<TFloat32> loss;
  private final TrainStep step;

  private FineTuner(Graph graph, Session session, BertGraph bert, Placeholder<TInt32> classLabels,
      Placeholder<TInt32> tokenLabels, Placeholder<TFloat32> tokenWeights, Operand<TFloat32> loss, TrainStep step) {
    this.graph = graph;
    this.session = session;
    this.bert = bert;
    this.classLabels = classLabels;
    this.tokenLabels = tokenLabels;
    this.tokenWeights = tokenWeights;
    this.loss = loss;
    this.step = step;
  }

  /**
   * Builds the graph and loads the initial weights (read from {@code init}, which the caller still owns).
   *
   * @param numTrainSteps total updates, for the schedule
   * @param seed dropout seed (the dropout sequence is a function of it)
   */
  public static FineTuner create(BertConfig cfg, HeadsSpec heads, WeightSource init, double learningRate,
      long numTrainSteps, double warmupProportion, long seed) {
    if (!heads.hasClassHead() && !heads.hasTokenHead()) {
      throw new IllegalArgumentException("nothing to train: the model has no head");
    }
    Graph g = new Graph();
    Session s = null;
    try {
      Ops tf = Ops.create(g);
      BertGraph bg = BertGraph.build(tf, cfg, heads, true, seed);
      Placeholder<TInt32> classLabels = tf.withName("class_labels")
          .placeholder(TInt32.class, Placeholder.shape(Shape.of(-1))); // [B]
      Placeholder<TInt32> tokenLabels = tf.withName("token_labels")
          .placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1))); // [B, T]
      Placeholder<TFloat32> tokenWeights = tf.withName("token_weights")
          .placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1))); // [B, T]
      List<Operand<TFloat32>> losses = new ArrayList<>();
      // run_classifier.py: create_model's per-example cross-entropy, averaged
      bg.classLogits().ifPresent(logits -> losses.add(CrossEntropyLoss.mean(tf, logits, classLabels))); // []
      bg.tokenLogits().ifPresent(logits ->
          losses.add(CrossEntropyLoss.weightedMean(tf, logits, tokenLabels, tokenWeights))); // []
      Operand<TFloat32> loss = tf.withName("loss").identity(
          losses.size() == 1 ? losses.get(0) : tf.math.add(losses.get(0), losses.get(1))); // []
      List<TrainableVariable> variables = new ArrayList<>();
      for (BertVariable v : bg.variables()) {
        variables.add(new TrainableVariable(v.name(), v.variable()));
      }
      TrainStep step = AdamWeightDecayOptimizer.build(tf, loss, variables,
          WarmupLinearDecay.withWarmupProportion(learningRate, numTrainSteps, warmupProportion),
          AdamWeightDecayConfig.BERT);
      s = new Session(g);
      bg.initialize(s, init);
      return new FineTuner(g, s, bg, classLabels, tokenLabels, tokenWeights, loss, step);
    } catch (RuntimeException | Error e) {
      if (s != null) {
        s.close();
      }
      g.close();
      throw e;
    }
  }

  /** One update on {@code batch}; returns its loss (before the update). */
  public double train(List<Feature> batch, int padId) {
    Batch b = Batch.of(batch, padId);
    Shape bt = Shape.of(b.size(), b.seqLen());
    try (TInt32 ids = Tensors.ints(bt, b.ids());
        TInt32 mask = Tensors.ints(bt, b.mask());
        TInt32 seg = Tensors.ints(bt, b.segments());
        TInt32 cls = Tensors.ints(Shape.of(b.size()), b.classLabels());
        TInt32 tags = Tensors.ints(bt, b.tokenLabels());
        TFloat32 weights = Tensors.floats(bt, b.tokenWeights());
        Result r = session.runner()
            .feed(bert.inputIds(), ids).feed(bert.inputMask(), mask).feed(bert.segmentIds(), seg)
            .feed(classLabels, cls).feed(tokenLabels, tags).feed(tokenWeights, weights)
            .fetch(loss).addTarget(step.trainOp()).run()) {
      return ((TFloat32) r.get(0)).getFloat();
    }
  }

  /** Current values of every model variable by Google checkpoint name (not the optimizer's slots). */
  public Map<String, float[]> weights() {
    return bert.readWeights(session);
  }

  /** Names of variables the loss does not reach (left untrained), e.g. the pooler for NER alone. */
  public List<String> untrained() {
    return step.withoutGradient();
  }

  @Override
  public void close() {
    session.close();
    graph.close();
  }
}
