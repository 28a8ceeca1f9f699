package org.streambert.trainer.engine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.BertGraph;
import org.streambert.bert.model.BertVariable;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.model.WeightSource;
import org.streambert.trainer.optim.AdamWeightDecayConfig;
import org.streambert.trainer.optim.AdamWeightDecayOptimizer;
import org.streambert.trainer.optim.TrainStep;
import org.streambert.trainer.optim.TrainableVariable;
import org.streambert.trainer.optim.WarmupLinearDecay;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The one training engine of the trainer: it owns the graph, the session, the encoder ({@link BertGraph} with
 * dropout), the trainable variables and BERT's AdamW ({@link AdamWeightDecayOptimizer}, weight decay 0.01 except
 * LayerNorm and biases, global-norm clipping at 1.0, the given warm-up/decay schedule), and runs update steps.
 * A {@link Task} adds only what is its own: heads on top of the encoder, its loss, its extra placeholders and their
 * weights. Fine-tuning (classification/NER and distillation), MLM+NSP pre-training and SQuAD are such tasks.
 *
 * <p>One step: {@code try (Feeds f = session.feeds(batch)) { f.ints(labels, shape, values); float[] out =
 * session.step(f, task.loss()); }} — the encoder's three inputs are fed from the batch, the task feeds its own, and
 * the step runs the update and returns the fetched values as they were before the update.
 *
 * <p>Owns its graph and session; {@link #close()} frees both. Not thread-safe.
 */
public final class TrainingSession implements AutoCloseable {

  /** What a task adds to the graph of the encoder. */
  public interface Task {

    /**
     * Adds this task's heads and loss to {@code encoder}'s graph.
     *
     * @return the scalar loss the optimizer minimises
     */
    Operand<TFloat32> build(Ops tf, BertGraph encoder);

    /** Heads this task built besides the encoder's own (their variables are trained too); none by default. */
    default List<TaskHeads> heads() {
      return List.of();
    }
  }

  /** Variables a task built outside {@link BertGraph} (e.g. the MLM/NSP or the SQuAD span heads). */
  public interface TaskHeads {
    List<BertVariable> variables();

    void initialize(Session session, WeightSource source);

    Map<String, float[]> readWeights(Session session);

    /** Heads from their three methods, e.g. {@code TaskHeads.of(head::variables, head::initialize, head::readWeights)}. */
    static TaskHeads of(Supplier<List<BertVariable>> variables, BiConsumer<Session, WeightSource> initialize,
        Function<Session, Map<String, float[]>> readWeights) {
      return new TaskHeads() {
        @Override
        public List<BertVariable> variables() {
          return variables.get();
        }

        @Override
        public void initialize(Session session, WeightSource source) {
          initialize.accept(session, source);
        }

        @Override
        public Map<String, float[]> readWeights(Session session) {
          return readWeights.apply(session);
        }
      };
    }
  }

  private final Graph graph;
  private final Session session;
  private final BertGraph encoder;
  private final Task task;
  private final Operand<TFloat32> loss;
  private final TrainStep step;

  private TrainingSession(Graph graph, Session session, BertGraph encoder, Task task, Operand<TFloat32> loss,
      TrainStep step) {
    this.graph = graph;
    this.session = session;
    this.encoder = encoder;
    this.task = task;
    this.loss = loss;
    this.step = step;
  }

  /**
   * Builds the encoder (with dropout seeded by {@code seed}) and {@code task}, the optimizer over every variable,
   * opens the session and loads the initial weights from {@code init} (the caller still owns it).
   *
   * @param heads the encoder's own classification/token heads ({@link HeadsSpec#NONE} for tasks with their own)
   */
  public static TrainingSession open(BertConfig cfg, HeadsSpec heads, Task task, WarmupLinearDecay schedule,
      WeightSource init, long seed) {
    Objects.requireNonNull(task, "task");
    Graph g = new Graph();
    Session s = null;
    try {
      Ops tf = Ops.create(g);
      BertGraph encoder = BertGraph.build(tf, cfg, heads, true, seed);
      Operand<TFloat32> loss = tf.withName("loss").identity(task.build(tf, encoder)); // []
      List<TrainableVariable> variables = new ArrayList<>();
      for (BertVariable v : encoder.variables()) {
        variables.add(new TrainableVariable(v.name(), v.variable()));
      }
      for (TaskHeads h : task.heads()) {
        for (BertVariable v : h.variables()) {
          variables.add(new TrainableVariable(v.name(), v.variable()));
        }
      }
      TrainStep step = AdamWeightDecayOptimizer.build(tf, loss, variables, schedule, AdamWeightDecayConfig.BERT);
      s = new Session(g);
      encoder.initialize(s, init);
      for (TaskHeads h : task.heads()) {
        h.initialize(s, init);
      }
      return new TrainingSession(g, s, encoder, task, loss, step);
    } catch (RuntimeException | Error e) {
      if (s != null) {
        s.close();
      }
      g.close();
      throw e;
    }
  }

  /** The loss the optimizer minimises (the task's, named {@code loss}). */
  public Operand<TFloat32> loss() {
    return loss;
  }

  /** The encoder, for tasks that fetch its outputs. */
  public BertGraph encoder() {
    return encoder;
  }

  /** Feeds for one step, with the encoder's inputs set from {@code batch}; close them after the step. */
  public Feeds feeds(EncoderBatch batch) {
    Feeds f = new Feeds(session.runner());
    try {
      f.ints(encoder.inputIds(), batch.shape(), batch.ids())
          .ints(encoder.inputMask(), batch.shape(), batch.mask())
          .ints(encoder.segmentIds(), batch.shape(), batch.segments());
      return f;
    } catch (RuntimeException | Error e) {
      f.close();
      throw e;
    }
  }

  /**
   * Runs one update with {@code feeds} and returns the scalar values of {@code fetches} as computed in that run
   * (before the update applies), in order.
   */
  @SafeVarargs
  public final float[] step(Feeds feeds, Operand<TFloat32>... fetches) {
    return feeds.run(step.trainOp(), fetches);
  }

  /** Current values of every model variable (encoder and task heads) by checkpoint name, not the optimizer's slots. */
  public Map<String, float[]> weights() {
    Map<String, float[]> all = new LinkedHashMap<>(encoder.readWeights(session));
    for (TaskHeads h : task.heads()) {
      all.putAll(h.readWeights(session));
    }
    return all;
  }

  /** Current values of the encoder's variables (and its own heads'), by checkpoint name. */
  public Map<String, float[]> encoderWeights() {
    return encoder.readWeights(session);
  }

  /** Current values of the variables of {@code heads} (one of the task's), by checkpoint name. */
  public Map<String, float[]> weights(TaskHeads heads) {
    return heads.readWeights(session);
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
