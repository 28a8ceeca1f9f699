package org.streambert.trainer.pretrain;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.BertGraph;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.model.PretrainingHeads;
import org.streambert.bert.model.WeightSource;
import org.streambert.trainer.engine.Feeds;
import org.streambert.trainer.engine.Sampler;
import org.streambert.trainer.engine.TrainingSession;
import org.streambert.trainer.internals.ProgressReporter;
import org.streambert.bert.model.TensorArrays;
import org.streambert.trainer.optim.AdamWeightDecayConfig;
import org.streambert.trainer.optim.AdamWeightDecayOptimizer;
import org.streambert.trainer.optim.CrossEntropyLoss;
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
 * Masked-LM + next-sentence pre-training (google-research/bert {@code run_pretraining.py}): instances from
 * {@link PretrainingDataGenerator}, the encoder with {@link PretrainingHeads}, loss = masked LM loss (weighted mean
 * cross-entropy over the predictions, {@code sum(w * ce) / (sum(w) + 1e-5)}) + next-sentence loss (mean
 * cross-entropy), trained with {@link AdamWeightDecayOptimizer} ({@link AdamWeightDecayConfig#BERT}, linear warm-up
 * and decay), then evaluated on held-out documents with dropout off.
 *
 * <p>Shape legend: B batch, T tokens, M predictions per instance, V vocabulary.
 */
public final class Pretrainer {
  /** Instances per evaluation run (the [B*M, V] logits are fetched, so this stays small). */
  public static final int EVAL_BATCH_SIZE = 16;
  /** run_pretraining.py's denominator guard. */
  private static final float WEIGHT_EPSILON = 1e-5f;

  private Pretrainer() {
  }

  /** Generates the data, trains, evaluates, and returns the weights and metrics. */
  public static PretrainResult run(PretrainOptions o) {
    BertConfig cfg = o.config();
    List<String> docs = new ArrayList<>(o.documents());
    Collections.shuffle(docs, new Random(o.seed()));
    int held = o.evalFraction() == 0 || docs.size() < 2 ? 0
        : Math.max(1, Math.min(docs.size() - 1, (int) Math.round(docs.size() * o.evalFraction())));
    List<String> evalDocs = docs.subList(0, held);
    List<String> trainDocs = docs.subList(held, docs.size());
    List<PretrainingInstance> train = new PretrainingDataGenerator(o.tokenizer(), o.data()).generate(trainDocs);
    List<PretrainingInstance> eval = held == 0 ? List.of()
        : new PretrainingDataGenerator(o.tokenizer(), o.data().withDupeFactor(1).withSeed(o.data().seed() + 1))
            .generate(evalDocs);
    log(o.progress(), String.format("pre-training on %d instances from %d documents (%d held out, %d eval instances)",
        train.size(), trainDocs.size(), held, eval.size()));

    double[] mlmLosses = new double[(int) o.numTrainSteps()];
    double[] nspLosses = new double[(int) o.numTrainSteps()];
    Map<String, float[]> encoder;
    Map<String, float[]> heads;
    long started = System.nanoTime();
    WeightSource fresh = WeightSource.random(cfg.initializerRange(), o.seed());
    WeightSource source = o.initialWeights() == null ? fresh : o.initialWeights().orElse(fresh);
    MlmNspTask task = new MlmNspTask();
    try (TrainingSession session = TrainingSession.open(cfg, HeadsSpec.NONE, task,
        new WarmupLinearDecay(o.learningRate(), o.numTrainSteps(), o.numWarmupSteps()), source, o.seed())) {
      ProgressReporter progress = o.progress() == null ? null : new ProgressReporter("pretrain", o.numTrainSteps(),
          o.progress(), false, Duration.ofSeconds(10), System::nanoTime);
      Sampler<PretrainingInstance> sampler = new Sampler<>(train, o.seed() + 2);
      for (int s = 0; s < o.numTrainSteps(); s++) {
        PretrainingBatch b = PretrainingBatch.of(sampler.next(o.batchSize()), o.tokenizer().padId());
        Shape bm = Shape.of(b.batch(), b.predictions());
        try (Feeds f = session.feeds(b.inputs())) {
          f.ints(task.heads.maskedLmPositions(), bm, b.maskedPositions()).ints(task.maskedIds, bm, b.maskedIds())
              .floats(task.maskedWeights, bm, b.maskedWeights())
              .ints(task.nspLabels, Shape.of(b.batch()), b.nextSentenceLabels());
          float[] losses = session.step(f, task.mlmLoss, task.nspLoss);
          mlmLosses[s] = losses[0];
          nspLosses[s] = losses[1];
        }
        if (progress != null) {
          progress.update(s + 1, (long) (s + 1) * o.batchSize(), mlmLosses[s] + nspLosses[s]);
        }
      }
      if (progress != null) {
        progress.finish();
      }
      encoder = session.encoderWeights();
      heads = session.weights(task.taskHeads);
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    Optional<PretrainEvaluation> evaluation = Optional.empty();
    if (!eval.isEmpty()) {
      Map<String, float[]> all = new LinkedHashMap<>(encoder);
      all.putAll(heads);
      evaluation = Optional.of(evaluate(cfg, all, eval, o.tokenizer().padId()));
      log(o.progress(), "held-out " + evaluation.get());
    }
    return new PretrainResult(cfg, encoder, heads, mlmLosses, nspLosses, evaluation, train.size(), seconds);
  }

  /** MLM + NSP on the engine: the pre-training heads, their feeds and run_pretraining.py's two losses. */
  private static final class MlmNspTask implements TrainingSession.Task {
    PretrainingHeads heads;
    TrainingSession.TaskHeads taskHeads;
    Placeholder<TInt32> maskedIds;
    Placeholder<TFloat32> maskedWeights;
    Placeholder<TInt32> nspLabels;
    Operand<TFloat32> mlmLoss;
    Operand<TFloat32> nspLoss;

    @Override
    public Operand<TFloat32> build(Ops tf, BertGraph bert) {
      heads = PretrainingHeads.build(tf, bert);
      taskHeads = TrainingSession.TaskHeads.of(heads::variables, heads::initialize, heads::readWeights);
      maskedIds = tf.withName("masked_lm_ids")
          .placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1))); // [B, M]
      maskedWeights = tf.withName("masked_lm_weights")
          .placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1))); // [B, M]
      nspLabels = tf.withName("next_sentence_labels")
          .placeholder(TInt32.class, Placeholder.shape(Shape.of(-1))); // [B]
      Operand<TInt32> flat = tf.constant(new int[] {-1});
      Operand<TFloat32> perPrediction = CrossEntropyLoss.perPosition(tf, heads.mlmLogits(),
          tf.reshape(maskedIds, flat)); // [B*M]
      Operand<TFloat32> w = tf.reshape(maskedWeights, flat); // [B*M]
      mlmLoss = tf.math.div(tf.reduceSum(tf.math.mul(w, perPrediction), tf.constant(0)),
          tf.math.add(tf.reduceSum(w, tf.constant(0)), tf.constant(WEIGHT_EPSILON))); // []
      nspLoss = CrossEntropyLoss.mean(tf, heads.nspLogits(), nspLabels); // []
      return tf.math.add(mlmLoss, nspLoss); // []
    }

    @Override
    public List<TrainingSession.TaskHeads> heads() {
      return List.of(taskHeads);
    }
  }

  /**
   * MLM and NSP accuracy and loss of {@code weights} (encoder and {@link PretrainingHeads} variables) on
   * {@code instances}, with dropout off.
   *
   * @throws IllegalArgumentException when a weight is missing
   */
  public static PretrainEvaluation evaluate(BertConfig cfg, Map<String, float[]> weights,
      List<PretrainingInstance> instances, int padId) {
    if (instances.isEmpty()) {
      throw new IllegalArgumentException("no instances to evaluate");
    }
    int v = cfg.vocabSize();
    double mlmCorrect = 0;
    double mlmLoss = 0;
    long predictions = 0;
    int nspCorrect = 0;
    double nspLoss = 0;
    try (Graph g = new Graph(); Session session = new Session(g)) {
      Ops tf = Ops.create(g);
      BertGraph bert = BertGraph.build(tf, cfg, HeadsSpec.NONE, false);
      PretrainingHeads ph = PretrainingHeads.build(tf, bert);
      WeightSource source = WeightSource.ofArrays(weights);
      bert.initialize(session, source);
      ph.initialize(session, source);
      for (int from = 0; from < instances.size(); from += EVAL_BATCH_SIZE) {
        PretrainingBatch b = PretrainingBatch.of(
            instances.subList(from, Math.min(instances.size(), from + EVAL_BATCH_SIZE)), padId);
        float[] mlm;
        float[] nsp;
        try (TInt32 ids = TensorArrays.ints(b.inputs().shape(), b.inputs().ids());
            TInt32 mask = TensorArrays.ints(b.inputs().shape(), b.inputs().mask());
            TInt32 seg = TensorArrays.ints(b.inputs().shape(), b.inputs().segments());
            TInt32 pos = TensorArrays.ints(Shape.of(b.batch(), b.predictions()), b.maskedPositions());
            Result r = session.runner()
                .feed(bert.inputIds(), ids).feed(bert.inputMask(), mask).feed(bert.segmentIds(), seg)
                .feed(ph.maskedLmPositions(), pos).fetch(ph.mlmLogits()).fetch(ph.nspLogits()).run()) {
          mlm = floats((TFloat32) r.get(0)); // [B*M, V]
          nsp = floats((TFloat32) r.get(1)); // [B, 2]
        }
        for (int row = 0; row < b.batch() * b.predictions(); row++) {
          if (b.maskedWeights()[row] == 0) {
            continue;
          }
          predictions++;
          int label = b.maskedIds()[row];
          mlmLoss += crossEntropy(mlm, row * v, v, label);
          mlmCorrect += argMax(mlm, row * v, v) == label ? 1 : 0;
        }
        for (int row = 0; row < b.batch(); row++) {
          int label = b.nextSentenceLabels()[row];
          nspLoss += crossEntropy(nsp, row * 2, 2, label);
          nspCorrect += argMax(nsp, row * 2, 2) == label ? 1 : 0;
        }
      }
    }
    int n = instances.size();
    return new PretrainEvaluation(predictions == 0 ? 0 : mlmCorrect / predictions,
        predictions == 0 ? 0 : mlmLoss / predictions, (double) nspCorrect / n, nspLoss / n, n, predictions);
  }

  private static double crossEntropy(float[] logits, int offset, int k, int label) {
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < k; i++) {
      max = Math.max(max, logits[offset + i]);
    }
    double sum = 0;
    for (int i = 0; i < k; i++) {
      sum += Math.exp(logits[offset + i] - max);
    }
    return Math.log(sum) + max - logits[offset + label];
  }

  private static int argMax(float[] logits, int offset, int k) {
    int best = 0;
    for (int i = 1; i < k; i++) {
      if (logits[offset + i] > logits[offset + best]) {
        best = i;
      }
    }
    return best;
  }

  static float[] floats(TFloat32 t) {
    float[] out = new float[Math.toIntExact(t.shape().size())];
    t.asRawTensor().data().asFloats().read(out);
    return out;
  }

  private static void log(PrintStream out, String line) {
    if (out != null) {
      out.println(line);
      out.flush();
    }
  }
}
