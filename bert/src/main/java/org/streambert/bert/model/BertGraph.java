package org.streambert.bert.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.streambert.bert.model.internals.Layers;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Operation;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.index.Indices;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.linalg.Transpose;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * BERT (google-research/bert {@code modeling.py: BertModel}) and its task heads as TF Java graph operands.
 *
 * <p>Shape legend: B batch, T tokens, H hidden, N heads, D head size (H / N), I intermediate size, C classes,
 * K token labels, V vocabulary, P max positions, S type vocabulary, E embedding width (H but for ELECTRA).
 *
 * <p>One graph serves every {@link ModelFamily}: the config's named options switch RoBERTa's offset position ids
 * ({@link BertConfig#positionPaddingIdx()}), the LayerNorm epsilon, ELECTRA's {@code bert/embeddings_project} (E to
 * H) and the activation of the first-token dense layer the classification head reads ({@link BertConfig#headAct()}). B and T are dynamic: the inputs are
 * {@code [-1, -1]} int32 placeholders.
 *
 * <p>{@link #build} adds the ops to a graph through the given {@link Ops}; built at the root scope, the variables
 * carry Google's checkpoint names ({@code bert/embeddings/word_embeddings},
 * {@code bert/encoder/layer_0/attention/self/query/kernel}, ..., {@code bert/pooler/dense/kernel}; heads
 * {@code cls_head/output_weights} [C, H], {@code cls_head/output_bias} [C], {@code token_head/output_weights}
 * [K, H], {@code token_head/output_bias} [K], laid out like {@code run_classifier.py}'s {@code output_weights}), so
 * {@code Session.save} writes a checkpoint Google's tools can read, and the outputs carry the names in
 * {@code *_NAME}. Variables are {@code VariableV2} without initialisers: load them with {@link #initialize} before
 * the first run. A trainer builds with {@code training = true} (dropout on) and adds its losses on the logits and its
 * optimizer on {@link #variables()}.
 *
 * <p>This object holds no native resources; the graph's owner closes the graph.
 */
public final class BertGraph {
  /** Input: [B, T] int32 vocabulary ids. */
  public static final String INPUT_IDS_NAME = "input_ids";
  /** Input: [B, T] int32, 1 for real tokens, 0 for padding. */
  public static final String INPUT_MASK_NAME = "input_mask";
  /** Input: [B, T] int32 segment (token type) ids. */
  public static final String SEGMENT_IDS_NAME = "segment_ids";
  /** Output: [B, T, H] last encoder layer. */
  public static final String SEQUENCE_OUTPUT_NAME = "sequence_output";
  /** Output: [B, H] tanh dense on [CLS]. */
  public static final String POOLED_OUTPUT_NAME = "pooled_output";
  /** Output: [B, C] class logits. */
  public static final String CLASS_LOGITS_NAME = "class_logits";
  /** Output: [B, C] class probabilities (softmax, or sigmoid when multi-label). */
  public static final String CLASS_PROBS_NAME = "class_probs";
  /** Output: [B, T, K] token label logits. */
  public static final String TOKEN_LOGITS_NAME = "token_logits";
  /** Output: [B, T, K] token label probabilities (softmax over K). */
  public static final String TOKEN_PROBS_NAME = "token_probs";
  /** Signature key of the serving function. */
  public static final String SERVING_SIGNATURE_KEY = Signature.DEFAULT_KEY;
  /** {@code modeling.py: attention_layer} adds this to the scores of padding positions. */
  public static final float MASK_ADDER = -10000f;
  /** Default seed of the dropout ops when none is given. */
  public static final long DEFAULT_DROPOUT_SEED = 12345L;

  private final BertConfig config;
  private final HeadsSpec heads;
  private final boolean training;
  private final Placeholder<TInt32> inputIds;
  private final Placeholder<TInt32> inputMask;
  private final Placeholder<TInt32> segmentIds;
  private final List<Operand<TFloat32>> layerOutputs;
  private final Operand<TFloat32> sequenceOutput;
  private final Operand<TFloat32> pooledOutput;
  private final Operand<TFloat32> classLogits;
  private final Operand<TFloat32> classProbs;
  private final Operand<TFloat32> tokenLogits;
  private final Operand<TFloat32> tokenProbs;
  private final List<BertVariable> variables;
  private final Map<String, List<Operation>> kernelConversions;

  private BertGraph(BertConfig config, HeadsSpec heads, boolean training, Placeholder<TInt32> inputIds,
      Placeholder<TInt32> inputMask, Placeholder<TInt32> segmentIds, List<Operand<TFloat32>> layerOutputs,
      Operand<TFloat32> sequenceOutput, Operand<TFloat32> pooledOutput, Operand<TFloat32> classLogits,
      Operand<TFloat32> classProbs, Operand<TFloat32> tokenLogits, Operand<TFloat32> tokenProbs,
      List<BertVariable> variables, Map<String, List<Operation>> kernelConversions) {
    this.config = config;
    this.heads = heads;
    this.training = training;
    this.inputIds = inputIds;
    this.inputMask = inputMask;
    this.segmentIds = segmentIds;
    this.layerOutputs = layerOutputs;
    this.sequenceOutput = sequenceOutput;
    this.pooledOutput = pooledOutput;
    this.classLogits = classLogits;
    this.classProbs = classProbs;
    this.tokenLogits = tokenLogits;
    this.tokenProbs = tokenProbs;
    this.variables = variables;
    this.kernelConversions = kernelConversions;
  }

  /** {@link #build(Ops, BertConfig, HeadsSpec, boolean, long)} with {@link #DEFAULT_DROPOUT_SEED}. */
  public static BertGraph build(Ops tf, BertConfig cfg, HeadsSpec heads, boolean training) {
    return build(tf, cfg, heads, training, DEFAULT_DROPOUT_SEED);
  }

  /**
   * Adds the encoder, pooler and heads to {@code tf}'s graph.
   *
   * @param tf          ops of a graph (not eager); its scope prefixes every name
   * @param training    whether dropout is applied (config probabilities; 0.1 before each head as in
   *                    {@code run_classifier.py}'s {@code keep_prob=0.9} when {@code hidden_dropout_prob} is 0.1)
   * @param dropoutSeed seed of the dropout ops (each op gets its own second seed)
   */
  public static BertGraph build(Ops tf, BertConfig cfg, HeadsSpec heads, boolean training, long dropoutSeed) {
    return build(tf, cfg, heads, new Layers(training, dropoutSeed));
  }

  /**
   * The inference graph with every encoder and pooler matrix product in bfloat16 against bf16 copies of the kernels
   * (written once by {@link #initialize}); embeddings, LayerNorm, softmax, GELU, residual sums and the heads stay
   * float. What {@link Precision#BF16} serves.
   */
  public static BertGraph buildBf16Inference(Ops tf, BertConfig cfg, HeadsSpec heads) {
    return build(tf, cfg, heads, new Layers(false, DEFAULT_DROPOUT_SEED, Layers.Products.BF16));
  }

  /**
   * The inference graph with the encoder's dense layers (query, key, value, attention output, feed-forward in and
   * out) in int8 through TensorFlow's oneDNN quantized product ({@code _QuantizedMatMul}, s8/u8 x s8, per-column
   * weight scales applied in the op): int8 kernels with one scale per output column, quantized once by
   * {@link #initialize} (which then frees the float kernels; query, key and value become one [H, 3H] kernel with
   * attention's 1 / sqrt(D) folded into the query columns), and activations quantized per row (per token) on every
   * run (symmetric, but one-sided from the activation's floor for the feed-forward output layer's input), so no
   * quantization range depends on the batch (TensorFlow's float ops still round differently between batch shapes,
   * which int8 rounding can amplify: scores are not bit-exact across batches, docs/benchmarks.md issue 32 §1).
   * Embeddings, attention's batched products, softmax, LayerNorm (oneDNN's), GELU, residual sums, the pooler and the
   * heads stay float. What {@link Precision#INT8} serves.
   */
  public static BertGraph buildInt8Inference(Ops tf, BertConfig cfg, HeadsSpec heads) {
    return build(tf, cfg, heads, new Layers(false, DEFAULT_DROPOUT_SEED, Layers.Products.INT8));
  }

  private static BertGraph build(Ops tf, BertConfig cfg, HeadsSpec heads, Layers layers) {
    boolean training = layers.training();
    Objects.requireNonNull(tf, "tf");
    Objects.requireNonNull(cfg, "cfg");
    Objects.requireNonNull(heads, "heads");
    if (tf.scope().env().isEager()) {
      throw new IllegalArgumentException("BertGraph needs graph-mode Ops, not an eager session");
    }
    final int h = cfg.hiddenSize();
    final int n = cfg.numAttentionHeads();
    final int d = cfg.headSize();

    Placeholder<TInt32> inputIds = tf.withName(INPUT_IDS_NAME)
        .placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1))); // [B, T]
    Placeholder<TInt32> inputMask = tf.withName(INPUT_MASK_NAME)
        .placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1))); // [B, T]
    Placeholder<TInt32> segmentIds = tf.withName(SEGMENT_IDS_NAME)
        .placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1))); // [B, T]

    Ops bert = tf.withSubScope("bert");
    Operand<TInt32> batch = bert.withName("batch_size")
        .stridedSlice(bert.shape(inputIds), Indices.at(0)); // []
    Operand<TInt32> seqLen = bert.withName("seq_length")
        .stridedSlice(bert.shape(inputIds), Indices.at(1)); // []
    Operand<TInt32> btnd = bert.withName("shape_btnd").stack(List.of(batch, seqLen, bert.constant(n),
        bert.constant(d))); // [4]
    Operand<TInt32> bth = bert.withName("shape_bth").stack(List.of(batch, seqLen, bert.constant(h))); // [3]
    Operand<TInt32> rowsH = bert.constant(new int[] {-1, h}); // [2]

    // modeling.py: embedding_lookup + embedding_postprocessor; E = cfg.embeddingSize() (H except for ELECTRA)
    final int e = cfg.embeddingSize();
    Ops emb = bert.withSubScope("embeddings");
    Variable<TFloat32> wordTable = layers.variable(emb, "word_embeddings",
        Shape.of(cfg.vocabSize(), e)); // [V, E]
    Variable<TFloat32> typeTable = layers.variable(emb, "token_type_embeddings",
        Shape.of(cfg.typeVocabSize(), e)); // [S, E]
    Variable<TFloat32> positionTable = layers.variable(emb, "position_embeddings",
        Shape.of(cfg.maxPositionEmbeddings(), e)); // [P, E]
    Operand<TFloat32> words = emb.gather(wordTable, inputIds, emb.constant(0)); // [B, T, E]
    Operand<TFloat32> types = emb.gather(typeTable, segmentIds, emb.constant(0)); // [B, T, E]
    Operand<TFloat32> positions;
    if (cfg.positionPaddingIdx() == BertConfig.NO_POSITION_OFFSET) {
      Operand<TInt32> positionIds = emb.range(emb.constant(0), seqLen, emb.constant(1)); // [T]
      positions = emb.gather(positionTable, positionIds, emb.constant(0)); // [T, E]
    } else {
      // modeling_roberta.py: create_position_ids_from_input_ids, with the input mask marking the real tokens:
      // padding_idx + 1, + 2, ... for real tokens, padding_idx for padding
      Operand<TInt32> running = emb.math.mul(emb.math.cumsum(inputMask, emb.constant(1)), inputMask); // [B, T]
      Operand<TInt32> positionIds = emb.withName("position_ids").math.add(running,
          emb.constant(cfg.positionPaddingIdx())); // [B, T]
      positions = emb.gather(positionTable, positionIds, emb.constant(0)); // [B, T, E]
    }
    Operand<TFloat32> embedded = emb.math.add(emb.math.add(words, types), positions); // [B, T, E]
    Operand<TFloat32> embedded2d = emb.reshape(embedded, emb.constant(new int[] {-1, e})); // [B*T, E]
    Operand<TFloat32> hidden = layers.layerNorm(emb.withSubScope("LayerNorm"), embedded2d, e,
        cfg.layerNormEps()); // [B*T, E]
    hidden = layers.dropout(emb, hidden, cfg.hiddenDropoutProb()); // [B*T, E]
    if (cfg.projectsEmbeddings()) {
      // modeling_electra.py: ElectraModel.embeddings_project
      hidden = layers.dense(bert.withSubScope("embeddings_project"), hidden, e, h); // [B*T, H]
    }

    // modeling.py: create_attention_mask_from_input_mask + attention_layer's adder, broadcast over heads and
    // query positions instead of materialising [B, T, T]
    Ops enc = bert.withSubScope("encoder");
    Operand<TFloat32> mask = enc.dtypes.cast(inputMask, TFloat32.class); // [B, T]
    Operand<TFloat32> mask4d = enc.expandDims(enc.expandDims(mask, enc.constant(1)), enc.constant(1)); // [B, 1, 1, T]
    Operand<TFloat32> adder = enc.withName("attention_mask_adder").math.mul(
        enc.math.sub(enc.constant(1f), mask4d), enc.constant(MASK_ADDER)); // [B, 1, 1, T]
    Operand<TFloat32> scale = enc.constant((float) (1.0 / Math.sqrt(d))); // []
    Operand<TInt32> toHeads = enc.constant(new int[] {0, 2, 1, 3}); // [4]

    List<Operand<TFloat32>> layerOutputs = new ArrayList<>();
    for (int i = 0; i < cfg.numHiddenLayers(); i++) {
      // modeling.py: transformer_model
      Ops layer = enc.withSubScope("layer_" + i);
      Ops attention = layer.withSubScope("attention");
      Ops self = attention.withSubScope("self");
      boolean fused = layers.int8Matmuls(); // one int8 product for q, k and v, with the 1 / sqrt(D) folded in
      Operand<TFloat32> qh;
      Operand<TFloat32> kh;
      Operand<TFloat32> vh;
      if (fused) {
        Operand<TFloat32> qkv = layers.encoderQueryKeyValue(self, hidden, h,
            (float) (1.0 / Math.sqrt(d))); // [B*T, 3H]
        Operand<TInt32> bt3nd = self.stack(List.of(batch, seqLen, self.constant(3), self.constant(n),
            self.constant(d))); // [5]
        Operand<TFloat32> heads3 = self.linalg.transpose(self.reshape(qkv, bt3nd),
            self.constant(new int[] {2, 0, 3, 1, 4})); // [3, B, N, T, D]
        List<Output<TFloat32>> parts = self.unstack(heads3, 3L).output(); // 3 x [B, N, T, D]
        qh = parts.get(0); // scaled by 1 / sqrt(D)
        kh = parts.get(1);
        vh = parts.get(2);
      } else {
        Operand<TFloat32> q = layers.encoderDense(self.withSubScope("query"), hidden, h, h); // [B*T, H]
        Operand<TFloat32> k = layers.encoderDense(self.withSubScope("key"), hidden, h, h); // [B*T, H]
        Operand<TFloat32> v = layers.encoderDense(self.withSubScope("value"), hidden, h, h); // [B*T, H]
        qh = self.linalg.transpose(self.reshape(q, btnd), toHeads); // [B, N, T, D]
        kh = self.linalg.transpose(self.reshape(k, btnd), toHeads); // [B, N, T, D]
        vh = self.linalg.transpose(self.reshape(v, btnd), toHeads); // [B, N, T, D]
      }
      Operand<TFloat32> scores = layers.batchMatMul(self, qh, kh, true); // [B, N, T, T]
      scores = self.math.add(fused ? scores : self.math.mul(scores, scale), adder); // [B, N, T, T]
      Operand<TFloat32> probs = self.nn.softmax(scores); // [B, N, T, T]
      probs = layers.dropout(self, probs, cfg.attentionProbsDropoutProb()); // [B, N, T, T]
      Operand<TFloat32> context = layers.batchMatMul(self, probs, vh, false); // [B, N, T, D]
      Operand<TFloat32> context2d = self.reshape(self.linalg.transpose(context, toHeads), rowsH); // [B*T, H]

      Ops attOut = attention.withSubScope("output");
      Operand<TFloat32> attended = layers.encoderDense(attOut.withSubScope("dense"), context2d, h, h); // [B*T, H]
      attended = layers.dropout(attOut, attended, cfg.hiddenDropoutProb()); // [B*T, H]
      attended = layers.layerNorm(attOut.withSubScope("LayerNorm"),
          attOut.math.add(attended, hidden), h, cfg.layerNormEps()); // [B*T, H]

      Ops intermediate = layer.withSubScope("intermediate");
      Operand<TFloat32> inner = layers.encoderActivation(intermediate, cfg.hiddenAct(),
          layers.encoderDense(intermediate.withSubScope("dense"), attended, h, cfg.intermediateSize())); // [B*T, I]
      Ops out = layer.withSubScope("output");
      Operand<TFloat32> ff = layers.encoderDense(out.withSubScope("dense"), inner, cfg.intermediateSize(), h,
          Layers.activationFloor(cfg.hiddenAct())); // [B*T, H]
      ff = layers.dropout(out, ff, cfg.hiddenDropoutProb()); // [B*T, H]
      hidden = layers.layerNorm(out.withSubScope("LayerNorm"), out.math.add(ff, attended), h,
          cfg.layerNormEps()); // [B*T, H]
      layerOutputs.add(layer.withName("layer_output").reshape(hidden, bth)); // [B, T, H]
    }

    Operand<TFloat32> sequenceOutput = tf.withName(SEQUENCE_OUTPUT_NAME)
        .identity(layerOutputs.get(layerOutputs.size() - 1)); // [B, T, H]

    // modeling.py: pooler. The same dense layer on the first token is RoBERTa's and ELECTRA's classification head
    // dense and DistilBERT's pre_classifier; only the activation differs (cfg.headAct()). HF applies dropout before
    // that dense in RoBERTa/ELECTRA and after it in DistilBERT; training here keeps BERT's (after the head's dense).
    Ops pooler = bert.withSubScope("pooler");
    Operand<TFloat32> first = pooler.stridedSlice(sequenceOutput, Indices.all(), Indices.at(0),
        Indices.all()); // [B, H]
    Operand<TFloat32> pooled = Layers.activation(pooler, cfg.headAct(),
        layers.dense(pooler.withSubScope("dense"), first, h, h)); // [B, H]
    Operand<TFloat32> pooledOutput = tf.withName(POOLED_OUTPUT_NAME).identity(pooled); // [B, H]

    Operand<TFloat32> classLogits = null;
    Operand<TFloat32> classProbs = null;
    if (heads.hasClassHead()) {
      // run_classifier.py: create_model
      Ops cls = tf.withSubScope("cls_head");
      Variable<TFloat32> w = layers.variable(cls, "output_weights", Shape.of(heads.numClasses(), h)); // [C, H]
      Variable<TFloat32> b = layers.variable(cls, "output_bias", Shape.of(heads.numClasses())); // [C]
      Operand<TFloat32> x = layers.dropout(cls, pooledOutput, cfg.hiddenDropoutProb()); // [B, H]
      classLogits = tf.withName(CLASS_LOGITS_NAME).identity(Layers.denseTransposed(cls, x, w, b)); // [B, C]
      classProbs = heads.multiLabel()
          ? tf.withName(CLASS_PROBS_NAME).math.sigmoid(classLogits) // [B, C]
          : tf.withName(CLASS_PROBS_NAME).nn.softmax(classLogits); // [B, C]
    }
    Operand<TFloat32> tokenLogits = null;
    Operand<TFloat32> tokenProbs = null;
    if (heads.hasTokenHead()) {
      Ops tok = tf.withSubScope("token_head");
      int kLabels = heads.numTokenLabels();
      Variable<TFloat32> w = layers.variable(tok, "output_weights", Shape.of(kLabels, h)); // [K, H]
      Variable<TFloat32> b = layers.variable(tok, "output_bias", Shape.of(kLabels)); // [K]
      Operand<TFloat32> x = layers.dropout(tok, hidden, cfg.hiddenDropoutProb()); // [B*T, H]
      Operand<TFloat32> logits2d = Layers.denseTransposed(tok, x, w, b); // [B*T, K]
      Operand<TInt32> btk = tok.stack(List.of(batch, seqLen, tok.constant(kLabels))); // [3]
      tokenLogits = tf.withName(TOKEN_LOGITS_NAME).reshape(logits2d, btk); // [B, T, K]
      tokenProbs = tf.withName(TOKEN_PROBS_NAME).nn.softmax(tokenLogits); // [B, T, K]
    }
    return new BertGraph(cfg, heads, training, inputIds, inputMask, segmentIds, List.copyOf(layerOutputs),
        sequenceOutput, pooledOutput, classLogits, classProbs, tokenLogits, tokenProbs, layers.variables(),
        layers.kernelConversions());
  }

  /**
   * Names and shapes of the variables {@link #build} creates for {@code cfg} and {@code heads}, in creation order,
   * without building anything (for importers that must know what to read). Computed from the config alone, so that
   * checking a file against a config at the caps (H 8192, L 128) costs microseconds, not a graph build of tens of
   * seconds; {@code BertGraphTest} compares it with the variables of a built graph.
   */
  public static Map<String, Shape> variableShapes(BertConfig cfg, HeadsSpec heads) {
    int h = cfg.hiddenSize();
    int inner = cfg.intermediateSize();
    Map<String, Shape> out = new LinkedHashMap<>();
    int e = cfg.embeddingSize(); // E: H except for ELECTRA
    out.put("bert/embeddings/word_embeddings", Shape.of(cfg.vocabSize(), e)); // [V, E]
    out.put("bert/embeddings/token_type_embeddings", Shape.of(cfg.typeVocabSize(), e)); // [S, E]
    out.put("bert/embeddings/position_embeddings", Shape.of(cfg.maxPositionEmbeddings(), e)); // [P, E]
    layerNormShapes(out, "bert/embeddings/LayerNorm", e);
    if (cfg.projectsEmbeddings()) {
      denseShapes(out, "bert/embeddings_project", e, h);
    }
    for (int i = 0; i < cfg.numHiddenLayers(); i++) {
      String layer = "bert/encoder/layer_" + i + "/";
      denseShapes(out, layer + "attention/self/query", h, h);
      denseShapes(out, layer + "attention/self/key", h, h);
      denseShapes(out, layer + "attention/self/value", h, h);
      denseShapes(out, layer + "attention/output/dense", h, h);
      layerNormShapes(out, layer + "attention/output/LayerNorm", h);
      denseShapes(out, layer + "intermediate/dense", h, inner);
      denseShapes(out, layer + "output/dense", inner, h);
      layerNormShapes(out, layer + "output/LayerNorm", h);
    }
    denseShapes(out, "bert/pooler/dense", h, h);
    if (heads.hasClassHead()) {
      out.put("cls_head/output_weights", Shape.of(heads.numClasses(), h)); // [C, H]
      out.put("cls_head/output_bias", Shape.of(heads.numClasses())); // [C]
    }
    if (heads.hasTokenHead()) {
      out.put("token_head/output_weights", Shape.of(heads.numTokenLabels(), h)); // [K, H]
      out.put("token_head/output_bias", Shape.of(heads.numTokenLabels())); // [K]
    }
    return out;
  }

  /** {@link Layers#dense}'s variables. */
  private static void denseShapes(Map<String, Shape> out, String scope, int in, int width) {
    out.put(scope + "/kernel", Shape.of(in, width)); // [I, O]
    out.put(scope + "/bias", Shape.of(width)); // [O]
  }

  /** {@link Layers#layerNorm}'s variables. */
  private static void layerNormShapes(Map<String, Shape> out, String scope, int width) {
    out.put(scope + "/beta", Shape.of(width)); // [H]
    out.put(scope + "/gamma", Shape.of(width)); // [H]
  }

  /**
   * Assigns every variable its value from {@code source}, one variable per run so at most one weight is held
   * twice. Call before the first forward run, and before concurrent use.
   *
   * @throws IllegalArgumentException when the source lacks a weight or has it with the wrong shape (names it)
   */
  public void initialize(Session session, WeightSource source) {
    Objects.requireNonNull(session, "session");
    Objects.requireNonNull(source, "source");
    BertVariable.initializeAll(session, variables, source, name -> {
      for (Operation op : kernelConversions.getOrDefault(name, List.of())) {
        session.runner().addTarget(op).run(); // write the kernel's bf16 or int8 twin, then free the float kernel
      }
    });
  }


  /**
   * Whether this is a {@link #buildBf16Inference} or {@link #buildInt8Inference} graph (its float kernels are released
   * by {@link #initialize}).
   */
  public boolean bf16Matmuls() {
    return !kernelConversions.isEmpty();
  }

  /** Current values of every variable, by name (row-major copies). */
  public Map<String, float[]> readWeights(Session session) {
    if (bf16Matmuls()) {
      throw new IllegalStateException("a bf16 or int8 inference graph has released its float kernels");
    }
    return BertVariable.readAll(session, variables);
  }


  /**
   * The serving signature ({@link #SERVING_SIGNATURE_KEY}): inputs {@code input_ids}, {@code input_mask},
   * {@code segment_ids}; outputs {@code sequence_output}, {@code pooled_output} and the heads' logits and
   * probabilities.
   */
  public Signature servingSignature() {
    Signature.Builder b = Signature.builder().key(SERVING_SIGNATURE_KEY)
        .input(INPUT_IDS_NAME, inputIds).input(INPUT_MASK_NAME, inputMask).input(SEGMENT_IDS_NAME, segmentIds)
        .output(SEQUENCE_OUTPUT_NAME, sequenceOutput).output(POOLED_OUTPUT_NAME, pooledOutput);
    if (classLogits != null) {
      b.output(CLASS_LOGITS_NAME, classLogits).output(CLASS_PROBS_NAME, classProbs);
    }
    if (tokenLogits != null) {
      b.output(TOKEN_LOGITS_NAME, tokenLogits).output(TOKEN_PROBS_NAME, tokenProbs);
    }
    return b.build();
  }

  public BertConfig config() {
    return config;
  }

  public HeadsSpec heads() {
    return heads;
  }

  /** Whether dropout is in the graph. */
  public boolean training() {
    return training;
  }

  /** [B, T] int32 input ids placeholder. */
  public Placeholder<TInt32> inputIds() {
    return inputIds;
  }

  /** [B, T] int32 input mask placeholder. */
  public Placeholder<TInt32> inputMask() {
    return inputMask;
  }

  /** [B, T] int32 segment ids placeholder. */
  public Placeholder<TInt32> segmentIds() {
    return segmentIds;
  }

  /** Output of every encoder layer, [B, T, H] each, first layer first. */
  public List<Operand<TFloat32>> layerOutputs() {
    return layerOutputs;
  }

  /** [B, T, H] last encoder layer. */
  public Operand<TFloat32> sequenceOutput() {
    return sequenceOutput;
  }

  /** [B, H] pooled output. */
  public Operand<TFloat32> pooledOutput() {
    return pooledOutput;
  }

  /** [B, C] class logits, empty without a classification head. */
  public Optional<Operand<TFloat32>> classLogits() {
    return Optional.ofNullable(classLogits);
  }

  /** [B, C] class probabilities, empty without a classification head. */
  public Optional<Operand<TFloat32>> classProbs() {
    return Optional.ofNullable(classProbs);
  }

  /** [B, T, K] token logits, empty without a token head. */
  public Optional<Operand<TFloat32>> tokenLogits() {
    return Optional.ofNullable(tokenLogits);
  }

  /** [B, T, K] token probabilities, empty without a token head. */
  public Optional<Operand<TFloat32>> tokenProbs() {
    return Optional.ofNullable(tokenProbs);
  }

  /** Every trainable variable, embeddings first, heads last. */
  public List<BertVariable> variables() {
    return variables;
  }

  /** Total number of parameters. */
  public long parameterCount() {
    return variables.stream().mapToLong(BertVariable::size).sum();
  }

  @Override
  public String toString() {
    return "BertGraph" + Arrays.asList(config, heads, training ? "training" : "inference");
  }
}
