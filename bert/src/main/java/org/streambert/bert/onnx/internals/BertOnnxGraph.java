package org.streambert.bert.onnx.internals;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.streambert.bert.model.Activation;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.onnx.OnnxLayout;
import org.streambert.bert.onnx.internals.OnnxModel.Attribute;
import org.streambert.bert.onnx.internals.OnnxModel.Graph;
import org.streambert.bert.onnx.internals.OnnxModel.Model;
import org.streambert.bert.onnx.internals.OnnxModel.Node;
import org.streambert.bert.onnx.internals.OnnxModel.Tensor;
import org.streambert.bert.onnx.internals.OnnxModel.ValueInfo;

/**
 * google-research/bert {@code modeling.py} (inference: no dropout) and this project's heads as an ONNX graph of
 * standard ai.onnx ops at opset {@link #OPSET}, the same arithmetic as {@code BertGraph.build}. Shape legend as
 * there: B batch, T tokens, H hidden, N heads, D head size, I intermediate size, C classes, K token labels.
 *
 * <p>The GELU is written in the op order ONNX Runtime's FastGelu fusion recognises and LayerNorm as ONNX's own
 * {@code LayerNormalization} (the config's epsilon: 1e-12 as in {@code modeling.py}, 1e-5 for RoBERTa); the family
 * options of {@code BertConfig} (offset position ids, ELECTRA's embedding projection, the head's activation) are
 * built as in {@code BertGraph}; dense layers are {@code MatMul} + {@code Add}
 * against initializers that keep Google's checkpoint names, so the int8 pass can find them.
 */
public final class BertOnnxGraph {
  /** ai.onnx opset: 17 is the first with LayerNormalization. */
  public static final long OPSET = 17;
  /** IR version 8 (the opset-17 era; ONNX Runtime reads it from 1.12 on). */
  public static final long IR_VERSION = 8;

  private final List<Node> nodes = new ArrayList<>();
  private final List<Tensor> initializers = new ArrayList<>();
  private final Map<String, float[]> weights;
  private final Map<String, String> constants = new HashMap<>();
  private int counter;

  private final float epsilon;

  private BertOnnxGraph(Map<String, float[]> weights, float epsilon) {
    this.weights = weights;
    this.epsilon = epsilon;
  }

  /**
   * The model for {@code cfg} and {@code heads} with {@code weights} by Google checkpoint name (as
   * {@code BertModel.weights()} returns them).
   *
   * @throws IllegalArgumentException naming a missing or mis-sized weight
   */
  public static Model build(BertConfig cfg, HeadsSpec heads, Map<String, float[]> weights,
      Map<String, String> metadata, String producerVersion) {
    BertOnnxGraph g = new BertOnnxGraph(weights, (float) cfg.layerNormEps());
    List<ValueInfo> outputs = g.encode(cfg, heads);
    List<ValueInfo> inputs = List.of(
        new ValueInfo(OnnxLayout.INPUT_IDS, OnnxModel.INT64, List.of("batch", "sequence")),
        new ValueInfo(OnnxLayout.ATTENTION_MASK, OnnxModel.INT64, List.of("batch", "sequence")),
        new ValueInfo(OnnxLayout.TOKEN_TYPE_IDS, OnnxModel.INT64, List.of("batch", "sequence")));
    Graph graph = new Graph("bert", g.nodes, g.initializers, inputs, outputs);
    Map<String, Long> opsets = new LinkedHashMap<>();
    opsets.put("", OPSET);
    return new Model(IR_VERSION, opsets, OnnxLayout.PRODUCER, producerVersion, graph, metadata);
  }

  private List<ValueInfo> encode(BertConfig cfg, HeadsSpec heads) {
    final long h = cfg.hiddenSize();
    final long n = cfg.numAttentionHeads();
    final long d = cfg.headSize();
    final long i = cfg.intermediateSize();

    // modeling.py: embedding_lookup + embedding_postprocessor; E = cfg.embeddingSize() (H except for ELECTRA)
    final long e = cfg.embeddingSize();
    String words = op("Gather", List.of(weight("bert/embeddings/word_embeddings", cfg.vocabSize(), e),
        OnnxLayout.INPUT_IDS)); // [B, T, E]
    String types = op("Gather", List.of(weight("bert/embeddings/token_type_embeddings", cfg.typeVocabSize(), e),
        OnnxLayout.TOKEN_TYPE_IDS)); // [B, T, E]
    String positionIds;
    if (cfg.positionPaddingIdx() == BertConfig.NO_POSITION_OFFSET) {
      String seqLen = op("Gather", List.of(op("Shape", List.of(OnnxLayout.INPUT_IDS)), longScalar(1))); // []
      positionIds = op("Range", List.of(longScalar(0), seqLen, longScalar(1))); // [T]
    } else {
      // modeling_roberta.py: create_position_ids_from_input_ids, real tokens marked by the attention mask
      String running = op("Mul", List.of(op("CumSum", List.of(OnnxLayout.ATTENTION_MASK, longScalar(1))),
          OnnxLayout.ATTENTION_MASK)); // [B, T]
      positionIds = op("Add", List.of(running, longScalar(cfg.positionPaddingIdx()))); // [B, T]
    }
    String positions = op("Gather", List.of(weight("bert/embeddings/position_embeddings",
        cfg.maxPositionEmbeddings(), e), positionIds)); // [T, E] or [B, T, E]
    String embedded = op("Add", List.of(op("Add", List.of(words, types)), positions)); // [B, T, E]
    String hidden = layerNorm("bert/embeddings/LayerNorm", embedded, e); // [B, T, E]
    if (cfg.projectsEmbeddings()) {
      hidden = dense("bert/embeddings_project", hidden, e, h); // [B, T, H] (modeling_electra.py)
    }

    // modeling.py: attention mask adder, broadcast over heads and query positions
    String mask = op("Cast", List.of(OnnxLayout.ATTENTION_MASK), Attribute.ofInt("to", OnnxModel.FLOAT)); // [B, T]
    String mask4d = op("Unsqueeze", List.of(mask, longs(1, 2))); // [B, 1, 1, T]
    String adder = op("Mul", List.of(op("Sub", List.of(floatScalar(1f), mask4d)),
        floatScalar(-10000f))); // [B, 1, 1, T]
    String scale = floatScalar((float) (1.0 / Math.sqrt(d))); // []
    String toHeads = longs(0, 0, n, d); // [4]
    String fromHeads = longs(0, 0, h); // [3]

    for (int l = 0; l < cfg.numHiddenLayers(); l++) {
      String p = "bert/encoder/layer_" + l + "/";
      String q = dense(p + "attention/self/query", hidden, h, h); // [B, T, H]
      String k = dense(p + "attention/self/key", hidden, h, h); // [B, T, H]
      String v = dense(p + "attention/self/value", hidden, h, h); // [B, T, H]
      String qh = op("Transpose", List.of(op("Reshape", List.of(q, toHeads))),
          Attribute.ofInts("perm", 0, 2, 1, 3)); // [B, N, T, D]
      String kt = op("Transpose", List.of(op("Reshape", List.of(k, toHeads))),
          Attribute.ofInts("perm", 0, 2, 3, 1)); // [B, N, D, T]
      String vh = op("Transpose", List.of(op("Reshape", List.of(v, toHeads))),
          Attribute.ofInts("perm", 0, 2, 1, 3)); // [B, N, T, D]
      String scores = op("Add", List.of(op("Mul", List.of(op("MatMul", List.of(qh, kt)), scale)),
          adder)); // [B, N, T, T]
      String probs = op("Softmax", List.of(scores), Attribute.ofInt("axis", -1)); // [B, N, T, T]
      String context = op("Reshape", List.of(op("Transpose", List.of(op("MatMul", List.of(probs, vh))),
          Attribute.ofInts("perm", 0, 2, 1, 3)), fromHeads)); // [B, T, H]
      String attended = dense(p + "attention/output/dense", context, h, h); // [B, T, H]
      attended = layerNorm(p + "attention/output/LayerNorm", op("Add", List.of(attended, hidden)), h); // [B, T, H]
      String inner = activation(cfg.hiddenAct(), dense(p + "intermediate/dense", attended, h, i)); // [B, T, I]
      String ff = dense(p + "output/dense", inner, i, h); // [B, T, H]
      hidden = layerNorm(p + "output/LayerNorm", op("Add", List.of(ff, attended)), h); // [B, T, H]
    }
    List<ValueInfo> outputs = new ArrayList<>();
    rename(hidden, OnnxLayout.SEQUENCE_OUTPUT);
    outputs.add(new ValueInfo(OnnxLayout.SEQUENCE_OUTPUT, OnnxModel.FLOAT, List.of("batch", "sequence", h)));

    // modeling.py: pooler
    String first = op("Gather", List.of(OnnxLayout.SEQUENCE_OUTPUT, longScalar(0)),
        Attribute.ofInt("axis", 1)); // [B, H]
    String pooled = activation(cfg.headAct(), dense("bert/pooler/dense", first, h, h)); // [B, H]
    rename(pooled, OnnxLayout.POOLED_OUTPUT);
    outputs.add(new ValueInfo(OnnxLayout.POOLED_OUTPUT, OnnxModel.FLOAT, List.of("batch", h)));

    if (heads.hasClassHead()) {
      // run_classifier.py: create_model, logits = x @ output_weights^T + output_bias
      long c = heads.numClasses();
      String logits = op("Add", List.of(op("MatMul", List.of(OnnxLayout.POOLED_OUTPUT,
          transposed("cls_head/output_weights", c, h))), weight("cls_head/output_bias", c))); // [B, C]
      rename(logits, OnnxLayout.CLASS_LOGITS);
      String probs = heads.multiLabel() ? op("Sigmoid", List.of(OnnxLayout.CLASS_LOGITS))
          : op("Softmax", List.of(OnnxLayout.CLASS_LOGITS), Attribute.ofInt("axis", -1)); // [B, C]
      rename(probs, OnnxLayout.CLASS_PROBS);
      outputs.add(new ValueInfo(OnnxLayout.CLASS_LOGITS, OnnxModel.FLOAT, List.of("batch", c)));
      outputs.add(new ValueInfo(OnnxLayout.CLASS_PROBS, OnnxModel.FLOAT, List.of("batch", c)));
    }
    if (heads.hasTokenHead()) {
      long k = heads.numTokenLabels();
      String logits = op("Add", List.of(op("MatMul", List.of(OnnxLayout.SEQUENCE_OUTPUT,
          transposed("token_head/output_weights", k, h))), weight("token_head/output_bias", k))); // [B, T, K]
      rename(logits, OnnxLayout.TOKEN_LOGITS);
      rename(op("Softmax", List.of(OnnxLayout.TOKEN_LOGITS), Attribute.ofInt("axis", -1)),
          OnnxLayout.TOKEN_PROBS); // [B, T, K]
      outputs.add(new ValueInfo(OnnxLayout.TOKEN_LOGITS, OnnxModel.FLOAT, List.of("batch", "sequence", k)));
      outputs.add(new ValueInfo(OnnxLayout.TOKEN_PROBS, OnnxModel.FLOAT, List.of("batch", "sequence", k)));
    }
    return outputs;
  }

  /** {@code tf.layers.dense}: {@code x @ kernel + bias}, kernel [in, out]. */
  private String dense(String scope, String x, long in, long out) {
    String product = op("MatMul", List.of(x, weight(scope + "/kernel", in, out)));
    return op("Add", List.of(product, weight(scope + "/bias", out)));
  }

  private String layerNorm(String scope, String x, long width) {
    return op("LayerNormalization", List.of(x, weight(scope + "/gamma", width), weight(scope + "/beta", width)),
        Attribute.ofInt("axis", -1), Attribute.ofFloat("epsilon", epsilon));
  }

  private String activation(Activation act, String x) {
    switch (act) {
      case GELU_TANH -> {
        // modeling.py: gelu, x * 0.5 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))
        String cube = op("Pow", List.of(x, floatScalar(3f)));
        String inner = op("Mul", List.of(op("Add", List.of(x, op("Mul", List.of(cube, floatScalar(0.044715f))))),
            floatScalar((float) Math.sqrt(2 / Math.PI))));
        String cdf = op("Add", List.of(op("Tanh", List.of(inner)), floatScalar(1f)));
        return op("Mul", List.of(op("Mul", List.of(x, floatScalar(0.5f))), cdf));
      }
      case GELU_ERF -> {
        String erf = op("Erf", List.of(op("Div", List.of(x, floatScalar((float) Math.sqrt(2))))));
        return op("Mul", List.of(op("Mul", List.of(x, op("Add", List.of(erf, floatScalar(1f))))),
            floatScalar(0.5f)));
      }
      case RELU -> {
        return op("Relu", List.of(x));
      }
      case TANH -> {
        return op("Tanh", List.of(x));
      }
      default -> throw new IllegalArgumentException("unsupported activation " + act);
    }
  }

  /** Adds a node with one fresh output and returns that output's name. */
  private String op(String type, List<String> inputs, Attribute... attributes) {
    String out = type + "_" + counter++;
    nodes.add(new Node(type, "", out, inputs, List.of(out), List.of(attributes)));
    return out;
  }

  /** Renames the output of the last node that produced {@code from}. */
  private void rename(String from, String to) {
    for (int j = nodes.size() - 1; j >= 0; j--) {
      Node node = nodes.get(j);
      if (node.outputs().equals(List.of(from))) {
        nodes.set(j, new Node(node.opType(), node.domain(), node.name(), node.inputs(), List.of(to),
            node.attributes()));
        return;
      }
    }
    throw new IllegalStateException("no node produces " + from);
  }

  /** The weight {@code name} as an initializer of shape {@code dims}. */
  private String weight(String name, long... dims) {
    float[] w = weights.get(name);
    long size = 1;
    for (long dim : dims) {
      size *= dim;
    }
    if (w == null) {
      throw new IllegalArgumentException("weight " + name + " is missing");
    }
    if (w.length != size) {
      throw new IllegalArgumentException("weight " + name + " has " + w.length + " values, expected " + size);
    }
    initializers.add(Tensor.floats(name, w, dims));
    return name;
  }

  /** {@code name} [rows, cols] stored transposed, as initializer {@code name + "/transposed"} [cols, rows]. */
  private String transposed(String name, long rows, long cols) {
    float[] w = weights.get(name);
    if (w == null || w.length != rows * cols) {
      throw new IllegalArgumentException("weight " + name + " is missing or not [" + rows + ", " + cols + "]");
    }
    float[] t = new float[w.length];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        t[(int) (c * rows + r)] = w[(int) (r * cols + c)];
      }
    }
    String out = name + "/transposed";
    initializers.add(Tensor.floats(out, t, cols, rows));
    return out;
  }

  private String floatScalar(float v) {
    return constants.computeIfAbsent("f" + Float.floatToIntBits(v), key -> {
      String name = "const/float/" + v;
      initializers.add(Tensor.floats(name, new float[] {v}));
      return name;
    });
  }

  private String longScalar(long v) {
    return constants.computeIfAbsent("l" + v, key -> {
      String name = "const/int64/" + v;
      initializers.add(Tensor.longs(name, new long[] {v}));
      return name;
    });
  }

  private String longs(long... v) {
    StringBuilder key = new StringBuilder("ls");
    for (long x : v) {
      key.append('_').append(x);
    }
    return constants.computeIfAbsent(key.toString(), k -> {
      String name = "const/int64" + k.substring(2).replace('_', '/');
      initializers.add(Tensor.longs(name, v, v.length));
      return name;
    });
  }
}
