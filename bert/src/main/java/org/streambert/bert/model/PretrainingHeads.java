package org.streambert.bert.model;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.LinkedHashMap;
import org.streambert.bert.model.internals.Layers;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.index.Indices;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The pre-training heads of google-research/bert {@code run_pretraining.py} on top of a {@link BertGraph}: the masked
 * LM output layer ({@code get_masked_lm_output}) and the next-sentence output layer
 * ({@code get_next_sentence_output}). Only the logits are built here; a trainer adds the losses.
 *
 * <p>Shape legend: B batch, T tokens, H hidden, M masked positions per sequence ({@code max_predictions_per_seq}),
 * V vocabulary.
 *
 * <p>Variables (Google's names, when built at the root scope): {@code cls/predictions/transform/dense/kernel} [H, H]
 * and {@code bias} [H], {@code cls/predictions/transform/LayerNorm/beta|gamma} [H], {@code cls/predictions/output_bias}
 * [V], {@code cls/seq_relationship/output_weights} [2, H] and {@code output_bias} [2]. The MLM output matrix is the
 * word embedding table {@code bert/embeddings/word_embeddings} (tied), so it is trained by both the input and the output
 * side. Like {@link BertGraph}, the variables have no initialisers: load them with {@link #initialize}.
 *
 * <p>Holds no native resources.
 */
public final class PretrainingHeads {
  /** Input: [B, M] int32 positions (in [0, T)) of the masked tokens; padding predictions point anywhere, e.g. 0. */
  public static final String MASKED_LM_POSITIONS_NAME = "masked_lm_positions";
  /** Output: [B*M, V] masked LM logits, row {@code b*M + m} for prediction m of sequence b. */
  public static final String MLM_LOGITS_NAME = "masked_lm_logits";
  /** Output: [B, 2] next-sentence logits; class 0 is "B follows A" (IsNext), 1 is "B is random" (NotNext). */
  public static final String NSP_LOGITS_NAME = "next_sentence_logits";
  /** Name of the tied word embedding table. */
  public static final String WORD_EMBEDDINGS = "bert/embeddings/word_embeddings";

  private final Placeholder<TInt32> maskedLmPositions;
  private final Operand<TFloat32> mlmLogits;
  private final Operand<TFloat32> nspLogits;
  private final List<BertVariable> variables;

  private PretrainingHeads(Placeholder<TInt32> maskedLmPositions, Operand<TFloat32> mlmLogits,
      Operand<TFloat32> nspLogits, List<BertVariable> variables) {
    this.maskedLmPositions = maskedLmPositions;
    this.mlmLogits = mlmLogits;
    this.nspLogits = nspLogits;
    this.variables = variables;
  }

  /**
   * Adds both heads to the graph of {@code bert} (built with the same {@code tf}, at the same scope).
   *
   * @throws IllegalArgumentException when {@code bert} has no word embedding table
   */
  public static PretrainingHeads build(Ops tf, BertGraph bert) {
    Objects.requireNonNull(tf, "tf");
    Objects.requireNonNull(bert, "bert");
    BertConfig cfg = bert.config();
    int h = cfg.hiddenSize();
    int v = cfg.vocabSize();
    Variable<TFloat32> wordTable = bert.variables().stream()
        .filter(x -> x.name().endsWith(WORD_EMBEDDINGS)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("the BERT graph has no " + WORD_EMBEDDINGS))
        .variable(); // [V, H]
    Layers layers = new Layers(false, 0L); // run_pretraining.py applies no dropout in the heads

    Placeholder<TInt32> positions = tf.withName(MASKED_LM_POSITIONS_NAME)
        .placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1))); // [B, M]

    // run_pretraining.py: gather_indexes
    Ops cls = tf.withSubScope("cls");
    Ops pred = cls.withSubScope("predictions");
    Operand<TFloat32> sequence = bert.sequenceOutput(); // [B, T, H]
    Operand<TInt32> shape = pred.shape(sequence); // [3]
    Operand<TInt32> batch = pred.stridedSlice(shape, Indices.at(0)); // []
    Operand<TInt32> seqLen = pred.stridedSlice(shape, Indices.at(1)); // []
    Operand<TInt32> offsets = pred.reshape(pred.math.mul(pred.range(pred.constant(0), batch, pred.constant(1)),
        seqLen), pred.constant(new int[] {-1, 1})); // [B, 1]
    Operand<TInt32> flatPositions = pred.reshape(pred.math.add(positions, offsets),
        pred.constant(new int[] {-1})); // [B*M]
    Operand<TFloat32> flatSequence = pred.reshape(sequence, pred.constant(new int[] {-1, h})); // [B*T, H]
    Operand<TFloat32> gathered = pred.gather(flatSequence, flatPositions, pred.constant(0)); // [B*M, H]

    // run_pretraining.py: get_masked_lm_output
    Ops transform = pred.withSubScope("transform");
    Operand<TFloat32> transformed = Layers.activation(transform, cfg.hiddenAct(),
        layers.dense(transform.withSubScope("dense"), gathered, h, h)); // [B*M, H]
    transformed = layers.layerNorm(transform.withSubScope("LayerNorm"), transformed, h); // [B*M, H]
    Variable<TFloat32> outputBias = layers.variable(pred, "output_bias", Shape.of(v)); // [V]
    Operand<TFloat32> mlm = pred.nn.biasAdd(pred.linalg.matMul(transformed, wordTable,
        org.tensorflow.op.linalg.MatMul.transposeB(true)), outputBias); // [B*M, V]
    Operand<TFloat32> mlmLogits = tf.withName(MLM_LOGITS_NAME).identity(mlm); // [B*M, V]

    // run_pretraining.py: get_next_sentence_output
    Ops rel = cls.withSubScope("seq_relationship");
    Variable<TFloat32> w = layers.variable(rel, "output_weights", Shape.of(2, h)); // [2, H]
    Variable<TFloat32> b = layers.variable(rel, "output_bias", Shape.of(2)); // [2]
    Operand<TFloat32> nspLogits = tf.withName(NSP_LOGITS_NAME)
        .identity(Layers.denseTransposed(rel, bert.pooledOutput(), w, b)); // [B, 2]
    return new PretrainingHeads(positions, mlmLogits, nspLogits, layers.variables());
  }

  /** Names and shapes of the heads' variables for {@code cfg}, in creation order. */
  public static Map<String, Shape> variableShapes(BertConfig cfg) {
    int h = cfg.hiddenSize();
    Map<String, Shape> out = new LinkedHashMap<>();
    out.put("cls/predictions/transform/dense/kernel", Shape.of(h, h));
    out.put("cls/predictions/transform/dense/bias", Shape.of(h));
    out.put("cls/predictions/transform/LayerNorm/beta", Shape.of(h));
    out.put("cls/predictions/transform/LayerNorm/gamma", Shape.of(h));
    out.put("cls/predictions/output_bias", Shape.of(cfg.vocabSize()));
    out.put("cls/seq_relationship/output_weights", Shape.of(2, h));
    out.put("cls/seq_relationship/output_bias", Shape.of(2));
    return out;
  }

  /**
   * Assigns the heads' variables from {@code source} (the word embeddings belong to the {@link BertGraph} and are
   * loaded by its {@link BertGraph#initialize}).
   *
   * @throws IllegalArgumentException when a weight is missing or has the wrong shape
   */
  public void initialize(Session session, WeightSource source) {
    BertVariable.initializeAll(session, variables, source);
  }


  /** Current values of the heads' variables, by name. */
  public Map<String, float[]> readWeights(Session session) {
    return BertVariable.readAll(session, variables);
  }


  /** [B, M] int32 placeholder: the masked positions of each sequence. */
  public Placeholder<TInt32> maskedLmPositions() {
    return maskedLmPositions;
  }

  /** [B*M, V] masked LM logits. */
  public Operand<TFloat32> mlmLogits() {
    return mlmLogits;
  }

  /** [B, 2] next-sentence logits (0 = IsNext, 1 = NotNext, as {@code next_sentence_labels} in the reference). */
  public Operand<TFloat32> nspLogits() {
    return nspLogits;
  }

  /** The heads' own variables (not the tied word embeddings), in creation order. */
  public List<BertVariable> variables() {
    return variables;
  }
}
