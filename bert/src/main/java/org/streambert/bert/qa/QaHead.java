package org.streambert.bert.qa;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.BertGraph;
import org.streambert.bert.model.BertVariable;
import org.streambert.bert.model.WeightSource;
import org.streambert.bert.model.internals.Layers;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.index.Indices;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The span head of google-research/bert {@code run_squad.py: create_model}: a start and an end vector over the
 * sequence output, {@code logits = sequence_output @ output_weights^T + output_bias}, split into start and end logits.
 * No dropout, as in the reference.
 *
 * <p>Shape legend: B batch, T tokens, H hidden. Variables (Google's names at the root scope):
 * {@value #OUTPUT_WEIGHTS} [2, H] (row 0 start, row 1 end) and {@value #OUTPUT_BIAS} [2]. Like {@link BertGraph} the
 * variables have no initialisers: load them with {@link #initialize}. Holds no native resources.
 */
public final class QaHead {
  /** [2, H]: row 0 is the start vector, row 1 the end vector. */
  public static final String OUTPUT_WEIGHTS = "cls/squad/output_weights";
  /** [2]: start and end bias. */
  public static final String OUTPUT_BIAS = "cls/squad/output_bias";
  /** Output: [B, T] start logits. */
  public static final String START_LOGITS_NAME = "start_logits";
  /** Output: [B, T] end logits. */
  public static final String END_LOGITS_NAME = "end_logits";

  private final Operand<TFloat32> startLogits;
  private final Operand<TFloat32> endLogits;
  private final List<BertVariable> variables;

  private QaHead(Operand<TFloat32> startLogits, Operand<TFloat32> endLogits, List<BertVariable> variables) {
    this.startLogits = startLogits;
    this.endLogits = endLogits;
    this.variables = variables;
  }

  /** Adds the head on {@code bert}'s sequence output (same {@code tf}, same scope). */
  public static QaHead build(Ops tf, BertGraph bert) {
    Objects.requireNonNull(tf, "tf");
    Objects.requireNonNull(bert, "bert");
    int h = bert.config().hiddenSize();
    Layers layers = new Layers(false, 0L);
    Ops squad = tf.withSubScope("cls").withSubScope("squad");
    Variable<TFloat32> w = layers.variable(squad, "output_weights", Shape.of(2, h)); // [2, H]
    Variable<TFloat32> b = layers.variable(squad, "output_bias", Shape.of(2)); // [2]
    Operand<TFloat32> sequence = bert.sequenceOutput(); // [B, T, H]
    Operand<TInt32> shape = squad.shape(sequence); // [3]
    Operand<TInt32> bt = squad.stridedSlice(shape, Indices.slice(0, 2)); // [2]
    Operand<TFloat32> flat = squad.reshape(sequence, squad.constant(new int[] {-1, h})); // [B*T, H]
    Operand<TFloat32> logits = Layers.denseTransposed(squad, flat, w, b); // [B*T, 2]
    Operand<TFloat32> start = tf.withName(START_LOGITS_NAME).reshape(
        squad.stridedSlice(logits, Indices.all(), Indices.at(0)), bt); // [B, T]
    Operand<TFloat32> end = tf.withName(END_LOGITS_NAME).reshape(
        squad.stridedSlice(logits, Indices.all(), Indices.at(1)), bt); // [B, T]
    return new QaHead(start, end, layers.variables());
  }

  /** Names and shapes of the head's variables for {@code cfg}. */
  public static Map<String, Shape> variableShapes(BertConfig cfg) {
    Map<String, Shape> out = new LinkedHashMap<>();
    out.put(OUTPUT_WEIGHTS, Shape.of(2, cfg.hiddenSize()));
    out.put(OUTPUT_BIAS, Shape.of(2));
    return out;
  }

  /**
   * Assigns the head's variables from {@code source}.
   *
   * @throws IllegalArgumentException when a weight is missing or has the wrong shape
   */
  public void initialize(Session session, WeightSource source) {
    BertVariable.initializeAll(session, variables, source);
  }


  /** Current values of the head's variables, by name. */
  public Map<String, float[]> readWeights(Session session) {
    return BertVariable.readAll(session, variables);
  }


  /** [B, T] start logits. */
  public Operand<TFloat32> startLogits() {
    return startLogits;
  }

  /** [B, T] end logits. */
  public Operand<TFloat32> endLogits() {
    return endLogits;
  }

  /** The head's variables. */
  public List<BertVariable> variables() {
    return variables;
  }
}
