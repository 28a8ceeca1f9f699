package org.streambert.bert.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.bert.bundle.BertBundles;
import org.streambert.bert.bundle.BundleException;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.bundle.ModelDescriptor;
import org.streambert.bert.bundle.TokenizerSettings;
import org.streambert.bert.heads.ClassificationHead;
import org.streambert.bert.heads.TokenClassificationHead;
import org.streambert.bert.inference.BertPredictor;
import org.streambert.bert.inference.Prediction;
import org.streambert.bert.model.BertModel;
import org.streambert.bert.model.ForwardPass;
import org.streambert.bert.model.ForwardResult;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.model.TinyBert;
import org.streambert.bert.model.WeightSource;
import org.streambert.bert.onnx.internals.OnnxModel;
import org.streambert.bert.onnx.internals.OnnxProtoReader;
import org.streambert.bert.onnx.internals.OnnxProtoWriter;
import org.streambert.bert.tokenizer.Vocab;

class OnnxBundlesTest {
  static final ClassificationHead TOPIC = new ClassificationHead("topic", List.of("sports", "politics", "tech"), false);
  static final TokenClassificationHead NER =
      new TokenClassificationHead("ner", List.of("O", "B-LOC", "I-LOC", "B-PER", "I-PER"));
  static final HeadsSpec HEADS = new HeadsSpec(3, false, 5);
  static final List<String> TEXTS = List.of("Alice met Bob in Paris, France.", "the cat sat on the mat",
      "Bob is in France. Alice is in Paris; the cat is on the mat, and Bob met the cat.");

  @TempDir
  Path dir;

  private ModelBundle tinyBundle() throws Exception {
    return tinyBundle(dir);
  }

  /** A tiny multi-task bundle (topic and NER heads, random weights) written under {@code dir}. */
  static ModelBundle tinyBundle(Path dir) throws Exception {
    List<String> tokens = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"));
    String[] words = {"the", "cat", "sat", "on", "mat", "paris", "is", "in", "france", "alice", "met", "bob", ".",
        ",", ";", "and"};
    tokens.addAll(List.of(words));
    while (tokens.size() < TinyBert.CONFIG.vocabSize()) {
      tokens.add("w" + tokens.size());
    }
    ModelDescriptor descriptor = new ModelDescriptor("tiny", "1", Instant.parse("2026-12-06T00:00:00Z"),
        BertBundles.bertConfigJson(TinyBert.CONFIG), new TokenizerSettings(true, 16), List.of(TOPIC, NER));
    try (BertModel model = BertModel.create(TinyBert.CONFIG, HEADS,
        WeightSource.ofArrays(TinyBert.randomWeights(TinyBert.CONFIG, HEADS, 21)))) {
      return BertBundles.write(dir.resolve("bundle"), model, Vocab.of(tokens), descriptor);
    }
  }

  @Test
  void shouldServeTheSamePredictionsThroughOnnxRuntimeAsThroughTensorFlow() throws Exception {
    ModelBundle bundle = OnnxBundles.writeWithOnnx(tinyBundle(), dir.resolve("with-onnx"));
    assertTrue(OnnxBundles.hasOnnx(bundle));
    assertTrue(bundle.files().containsKey(OnnxBundles.ONNX_FILE));
    ModelBundle reopened = ModelBundle.open(bundle.dir()); // the manifest lists and hashes the ONNX file
    List<Prediction> tf;
    List<Prediction> ort;
    try (BertPredictor p = BertBundles.openPredictor(reopened, BertBundles.defaultPredictorConfig(reopened))) {
      tf = p.predict(TEXTS);
    }
    try (BertPredictor p = OnnxBundles.openPredictor(reopened, BertBundles.defaultPredictorConfig(reopened),
        OnnxPrecision.FP32, 1)) {
      ort = p.predict(TEXTS);
    }
    for (int i = 0; i < TEXTS.size(); i++) {
      assertEquals(tf.get(i).label().label(), ort.get(i).label().label());
      assertEquals(tf.get(i).entities().stream().map(e -> e.type() + e.start() + "-" + e.end()).toList(),
          ort.get(i).entities().stream().map(e -> e.type() + e.start() + "-" + e.end()).toList());
      assertArrayEquals(tf.get(i).embedding(), ort.get(i).embedding(), 1e-5f);
    }
    assertTrue(tf.get(2).windowed(), "the long text runs as several windows on both engines");
  }

  @Test
  void shouldRefuseAnOnnxFileWhoseHashDiffersFromTheManifest() throws Exception {
    ModelBundle bundle = OnnxBundles.writeWithOnnx(tinyBundle(), dir.resolve("with-onnx"));
    Path file = bundle.dir().resolve(OnnxBundles.ONNX_FILE);
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length - 1] ^= 1;
    Files.write(file, bytes);
    BundleException e = assertThrows(BundleException.class,
        () -> OnnxBundles.load(bundle, OnnxPrecision.FP32, 1));
    assertTrue(e.getMessage().contains("hash mismatch"), e.getMessage());
  }

  @Test
  void shouldRefuseOutOfRangeInputsAndRunsAfterClose() throws Exception {
    ModelBundle bundle = OnnxBundles.writeWithOnnx(tinyBundle(), dir.resolve("with-onnx"));
    ForwardPass pass = OnnxBundles.load(bundle, OnnxPrecision.INT8, 1);
    int[] ids = {2, 7, 3};
    int[] ones = {1, 1, 1};
    int[] zeros = {0, 0, 0};
    ForwardResult r = pass.run(1, 3, ids, ones, zeros);
    assertEquals(3, r.classProbs().length);
    assertEquals(3 * 5, r.tokenProbs().length);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> pass.run(1, 3, new int[] {2, TinyBert.CONFIG.vocabSize(), 3}, ones, zeros));
    assertTrue(e.getMessage().contains("inputIds[1]"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> pass.run(1, 3, ids, new int[] {1, 2, 1}, zeros));
    assertThrows(IllegalArgumentException.class, () -> pass.run(1, 4, ids, ones, zeros));
    pass.close();
    pass.close(); // idempotent
    assertThrows(IllegalStateException.class, () -> pass.run(1, 3, ids, ones, zeros));
  }

  @Test
  void shouldRefuseAnOpOutsideTheAllowList() {
    byte[] model = withNode(new OnnxModel.Node("Loop", "", "loop", List.of("x"), List.of("y"), List.of()));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> OnnxOps.check(model, HEADS, 32));
    assertTrue(e.getMessage().contains("'Loop'"), e.getMessage());
  }

  @Test
  void shouldRefuseACustomOpDomain() {
    byte[] model = withNode(new OnnxModel.Node("MatMul", "com.example.evil", "mm", List.of("x"), List.of("y"),
        List.of()));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> OnnxOps.check(model, HEADS, 32));
    assertTrue(e.getMessage().contains("com.example.evil"), e.getMessage());
  }

  @Test
  void shouldRefuseWeightsStoredOutsideTheFile() throws Exception {
    // TensorProto{dims: 1, data_type: FLOAT, name: "w", data_location: EXTERNAL} as the first initializer
    ByteArrayOutputStream tensor = new ByteArrayOutputStream();
    CodedOutputStream t = CodedOutputStream.newInstance(tensor);
    t.writeInt64(1, 1);
    t.writeInt32(2, OnnxModel.FLOAT);
    t.writeString(8, "w");
    t.writeInt32(14, 1);
    t.flush();
    ByteArrayOutputStream graph = new ByteArrayOutputStream();
    CodedOutputStream g = CodedOutputStream.newInstance(graph);
    g.writeByteArray(5, tensor.toByteArray());
    g.flush();
    ByteArrayOutputStream model = new ByteArrayOutputStream();
    CodedOutputStream m = CodedOutputStream.newInstance(model);
    m.writeInt64(1, 8);
    m.writeByteArray(7, graph.toByteArray());
    m.flush();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> OnnxOps.check(model.toByteArray(), HEADS, 32));
    assertTrue(e.getMessage().contains("external data"), e.getMessage());
  }

  @Test
  void shouldRefuseAModelWhoseHeadsDoNotMatchTheBundle() throws Exception {
    byte[] bytes;
    try (BertModel model = BertModel.create(TinyBert.CONFIG, HEADS,
        WeightSource.ofArrays(TinyBert.randomWeights(TinyBert.CONFIG, HEADS, 2)))) {
      bytes = OnnxExporter.toBytes(model);
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> OnnxOps.check(bytes, new HeadsSpec(4, false, 5), 32));
    assertTrue(e.getMessage().contains("class_probs"), e.getMessage());
  }

  @Test
  void shouldRefuseAGraphWithMoreNodesThanTheBoundBeforeHoldingThemAll() throws Exception {
    ByteArrayOutputStream node = new ByteArrayOutputStream();
    CodedOutputStream n = CodedOutputStream.newInstance(node);
    n.writeString(4, "Add"); // NodeProto.op_type
    n.flush();
    ByteArrayOutputStream graph = new ByteArrayOutputStream();
    CodedOutputStream g = CodedOutputStream.newInstance(graph);
    for (int i = 0; i <= OnnxProtoReader.MAX_NODES; i++) {
      g.writeByteArray(1, node.toByteArray());
    }
    g.flush();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> OnnxOps.check(model(graph.toByteArray()), HEADS, 32));
    assertTrue(e.getMessage().contains("more than " + OnnxProtoReader.MAX_NODES + " nodes"), e.getMessage());
  }

  @Test
  void shouldRefuseAnAttributeListOverTheBound() throws Exception {
    ByteArrayOutputStream attribute = new ByteArrayOutputStream();
    CodedOutputStream a = CodedOutputStream.newInstance(attribute);
    a.writeString(1, "perm");
    for (int i = 0; i <= OnnxProtoReader.MAX_LIST_VALUES; i++) {
      a.writeInt64(8, i); // AttributeProto.ints, one value per field (unpacked)
    }
    a.flush();
    ByteArrayOutputStream node = new ByteArrayOutputStream();
    CodedOutputStream n = CodedOutputStream.newInstance(node);
    n.writeString(4, "Transpose");
    n.writeByteArray(5, attribute.toByteArray());
    n.flush();
    ByteArrayOutputStream graph = new ByteArrayOutputStream();
    CodedOutputStream g = CodedOutputStream.newInstance(graph);
    g.writeByteArray(1, node.toByteArray());
    g.flush();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> OnnxOps.check(model(graph.toByteArray()), HEADS, 32));
    assertTrue(e.getMessage().contains("values in a list"), e.getMessage());
  }

  /** ModelProto{ir_version: 8, graph: graph}. */
  private static byte[] model(byte[] graph) throws Exception {
    ByteArrayOutputStream model = new ByteArrayOutputStream();
    CodedOutputStream m = CodedOutputStream.newInstance(model);
    m.writeInt64(1, 8);
    m.writeByteArray(7, graph);
    m.flush();
    return model.toByteArray();
  }

  @Test
  void shouldRefuseBytesThatAreNotAModel() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> OnnxOps.check(new byte[] {(byte) 0xff, (byte) 0xff, 0x7f}, HEADS, 32));
    assertTrue(e.getMessage().startsWith("onnx:"), e.getMessage());
  }

  /** The tiny exported model with one more node. */
  private static byte[] withNode(OnnxModel.Node extra) {
    byte[] bytes;
    try (BertModel model = BertModel.create(TinyBert.CONFIG, HEADS,
        WeightSource.ofArrays(TinyBert.randomWeights(TinyBert.CONFIG, HEADS, 2)))) {
      bytes = OnnxExporter.toBytes(model);
    }
    OnnxModel.Model m = OnnxProtoReader.read(bytes, true);
    List<OnnxModel.Node> nodes = new ArrayList<>(m.graph().nodes());
    nodes.add(extra);
    OnnxModel.Graph g = new OnnxModel.Graph(m.graph().name(), nodes, m.graph().initializers(), m.graph().inputs(),
        m.graph().outputs());
    return OnnxProtoWriter.toBytes(new OnnxModel.Model(m.irVersion(), m.opsets(), m.producerName(),
        m.producerVersion(), g, Map.copyOf(m.metadata())));
  }
}
