package org.streambert.streams.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.UnknownFieldSet;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.bert.bundle.BertBundles;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.bundle.ModelDescriptor;
import org.streambert.bert.bundle.TokenizerSettings;
import org.streambert.bert.inference.BertPredictor;
import org.streambert.bert.inference.Prediction;
import org.streambert.bert.model.BertModel;
import org.streambert.bert.model.Precision;
import org.streambert.bert.model.TinyBert;
import org.streambert.bert.model.WeightSource;
import org.streambert.bert.onnx.OnnxBundles;
import org.streambert.bert.onnx.OnnxPrecision;
import org.streambert.schemas.avro.EnrichedText;
import org.streambert.schemas.avro.Entity;
import org.streambert.schemas.avro.GoldenExample;
import org.streambert.schemas.avro.Head;
import org.streambert.schemas.avro.HeadType;
import org.streambert.schemas.avro.LabelScore;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.schemas.rollout.RolloutStatus;
import org.streambert.streams.NlpConfig;
import org.streambert.streams.serving.ModelHolder;
import org.streambert.streams.serving.ModelLoaders;
import org.streambert.streams.serving.ModelLoaders.Engine;
import org.streambert.streams.serving.ServingEngine;
import org.streambert.streams.testing.Harness;

/**
 * The engine choice end to end on the real engines: a tiny BERT (L=2, H=32) written as a bundle that carries its ONNX
 * export, golden examples computed in TensorFlow fp32 as the trainer does, rolled out through the
 * {@link ModelLoaders} loader and served through the topology ({@link Harness}, TopologyTestDriver).
 */
class EngineRolloutTest {

  static final String TEXT = TensorFlowModelRolloutTest.TEXT;

  @TempDir
  Path dir;

  private final List<RolloutStatus> statuses = new CopyOnWriteArrayList<>();
  private ModelHolder holder;
  private ModelRollout rollout;
  private Harness h;

  /** Starts an app whose loader is the engine choice of {@code settings}, with the given int8 tolerance. */
  private void start(ModelLoaders.Settings settings, double int8Tolerance) {
    holder = new ModelHolder("tiny");
    rollout = new ModelRollout("test", holder, ModelLoaders.create(null, settings), dir.resolve("cache"),
        statuses::add, 1e-3, 32).withInt8Tolerance(int8Tolerance);
    h = new Harness(dir.resolve("state"), Map.of(NlpConfig.BATCH_MAX_SIZE_CONFIG, 1), rollout, holder);
  }

  @AfterEach
  void tearDown() {
    if (rollout != null) {
      rollout.close();
      h.close();
    }
  }

  private static ModelLoaders.Settings auto(Precision tensorflow) {
    return new ModelLoaders.Settings(Engine.AUTO, tensorflow, Optional.empty(), 1, false);
  }

  /** A bundle of version {@code version} (weights from {@code seed}), with its ONNX file when {@code onnx}. */
  private ModelBundle bundle(String version, long seed, boolean onnx) throws Exception {
    return bundle(dir.resolve("bundles"), version, seed, onnx);
  }

  /**
   * A two-head tiny bundle under {@code root} (with the ONNX file when {@code onnx}): weights at a realistic scale, so
   * that int8 and bf16 move its scores a little without flipping its golden label.
   */
  static ModelBundle bundle(Path root, String version, long seed, boolean onnx) throws Exception {
    Path plain = root.resolve(version + "-tf");
    try (BertModel model = BertModel.create(TinyBert.CONFIG, TensorFlowModelRolloutTest.HEADS,
        WeightSource.ofArrays(TinyBert.realisticWeights(TinyBert.CONFIG, TensorFlowModelRolloutTest.HEADS, seed)))) {
      BertBundles.write(plain, model, TensorFlowModelRolloutTest.vocab(), new ModelDescriptor("tiny", version,
          Instant.now(), BertBundles.bertConfigJson(TinyBert.CONFIG), new TokenizerSettings(true, 32),
          List.of(TensorFlowModelRolloutTest.TOPIC, TensorFlowModelRolloutTest.NER)));
    }
    ModelBundle tf = ModelBundle.open(plain);
    return onnx ? OnnxBundles.writeWithOnnx(tf, root.resolve(version)) : tf;
  }

  /** The checkpoint of a bundle, its golden example computed as the trainer does: TensorFlow fp32. */
  static ModelCheckpoint checkpoint(ModelBundle bundle) throws Exception {
    Prediction p;
    try (BertPredictor predictor = BertBundles.openPredictor(bundle, BertBundles.defaultPredictorConfig(bundle),
        Precision.FP32)) {
      p = predictor.predict(TEXT);
    }
    List<LabelScore> scores = p.labelScores().stream().map(s -> new LabelScore(s.label(), s.score())).toList();
    List<Entity> entities = p.entities().stream()
        .map(e -> new Entity(e.type(), e.text(), e.start(), e.end(), e.score())).toList();
    return ModelCheckpoint.newBuilder().setModelName("tiny").setVersion(bundle.model().version())
        .setBundleUri(bundle.dir().toUri().toString()).setManifestSha256(bundle.manifestSha256())
        .setCreatedAt(Instant.now())
        .setHeads(List.of(new Head("topic", HeadType.CLASSIFICATION, TensorFlowModelRolloutTest.TOPIC.labels()),
            new Head("ner", HeadType.TOKEN_CLASSIFICATION, TensorFlowModelRolloutTest.NER.labels())))
        .setGoldenExamples(List.of(GoldenExample.newBuilder().setText(TEXT).setExpectedLabel(p.label().label())
            .setExpectedScores(scores).setExpectedEntities(entities).build()))
        .build();
  }

  private RolloutStatus publish(ModelCheckpoint cp) throws InterruptedException {
    int before = statuses.size();
    h.checkpoints.pipeInput(cp.getModelName(), cp);
    assertTrue(rollout.awaitIdle(Duration.ofSeconds(60)), "rollout did not finish");
    assertEquals(before + 1, statuses.size(), "one status per checkpoint");
    return statuses.get(statuses.size() - 1);
  }

  private EnrichedText serve(String id) {
    h.send(id, TEXT);
    return h.output.readRecord().value();
  }

  private static float topicScore(Prediction p, String label) {
    return p.labelScores().stream().filter(s -> s.label().equals(label)).findFirst().orElseThrow().score();
  }

  @Test
  void shouldServeThroughOnnxRuntimeInt8WhenItPassesTheGoldenCheck() throws Exception {
    start(auto(Precision.AUTO), 0.5);
    ModelBundle v1 = bundle("1", 1, true);
    RolloutStatus status = publish(checkpoint(v1));
    assertEquals(RolloutStatus.LOADED, status.status(), status.reason());
    assertEquals("onnxruntime", status.engine());
    assertEquals("int8", status.precision());
    assertEquals(List.of(), status.engineRefusals(), "the fastest engine passed first");
    assertEquals(ServingEngine.ONNXRUNTIME_INT8, holder.peek().orElseThrow().engine());

    EnrichedText out = serve("a");
    assertEquals("1", out.getModelVersion());
    Prediction int8;
    Prediction fp32;
    try (BertPredictor ort = OnnxBundles.openPredictor(v1, BertBundles.defaultPredictorConfig(v1),
        OnnxPrecision.INT8, 1);
        BertPredictor tf = BertBundles.openPredictor(v1, BertBundles.defaultPredictorConfig(v1), Precision.FP32)) {
      int8 = ort.predict(TEXT);
      fp32 = tf.predict(TEXT);
    }
    String label = out.getClassification().getLabel();
    float served = out.getClassification().getScore();
    assertEquals(int8.label().label(), label);
    assertEquals(topicScore(int8, label), served, 1e-6f, "the record was scored by ONNX Runtime int8");
    assertNotEquals(topicScore(fp32, label), served, "int8 scores differ from TensorFlow fp32's");
    assertEquals(1.0, h.metrics.registry().get("nlp.model.info").tag("engine", "onnxruntime")
        .tag("precision", "int8").tag("model_version", "1").gauge().value(), "/metrics names engine and precision");
  }

  @Test
  void shouldRefuseInt8OnAGoldenMismatchAndServeTheNextEngine() throws Exception {
    start(auto(Precision.FP32), 0.0); // int8 moves every score a little: a zero tolerance refuses it
    RolloutStatus status = publish(checkpoint(bundle("1", 1, true)));
    assertEquals(RolloutStatus.LOADED, status.status(), status.reason());
    assertEquals("tensorflow", status.engine());
    assertEquals("fp32", status.precision());
    assertEquals(1, status.engineRefusals().size(), status.engineRefusals().toString());
    String refusal = status.engineRefusals().get(0);
    assertTrue(refusal.startsWith("onnxruntime int8: golden example 0: expected score"), refusal);
    assertTrue(refusal.contains("tolerance 0.0 at int8 on onnxruntime"), refusal);
    assertEquals(ServingEngine.TENSORFLOW_FP32, holder.peek().orElseThrow().engine());
    assertEquals("1", serve("a").getModelVersion());
    assertEquals(1.0, h.metrics.registry().get("nlp.model.info").tag("engine", "tensorflow")
        .tag("precision", "fp32").gauge().value());
  }

  @Test
  void shouldServeABundleWithoutAnOnnxFileOnTensorFlow() throws Exception {
    start(auto(Precision.FP32), 0.5);
    RolloutStatus status = publish(checkpoint(bundle("1", 1, false)));
    assertEquals(RolloutStatus.LOADED, status.status(), status.reason());
    assertEquals("tensorflow", status.engine());
    assertEquals(List.of(), status.engineRefusals());
  }

  @Test
  void shouldRefuseABundleWithoutAnOnnxFileWhenOnlyOnnxRuntimeMayServe() throws Exception {
    start(new ModelLoaders.Settings(Engine.ONNXRUNTIME, Precision.AUTO, Optional.empty(), 1, false), 0.5);
    RolloutStatus status = publish(checkpoint(bundle("1", 1, false)));
    assertEquals(RolloutStatus.REFUSED, status.status());
    assertTrue(status.reason().startsWith("engine: ") && status.reason().contains("has no onnx/model.onnx"),
        status.reason());
    assertNull(status.engine());
  }

  @Test
  void shouldRefuseABundleWhoseOnnxFileFailsItsHashWhileTheOldModelKeepsServing() throws Exception {
    start(auto(Precision.FP32), 0.5);
    assertEquals(RolloutStatus.LOADED, publish(checkpoint(bundle("1", 1, true))).status());
    ModelBundle v2 = bundle("2", 2, true);
    ModelCheckpoint cp = checkpoint(v2);
    Path onnx = v2.dir().resolve(OnnxBundles.ONNX_FILE);
    byte[] bytes = Files.readAllBytes(onnx);
    bytes[bytes.length / 2] ^= 1;
    Files.write(onnx, bytes);
    RolloutStatus refused = publish(cp);
    assertEquals(RolloutStatus.REFUSED, refused.status());
    assertTrue(refused.reason().contains("onnx/model.onnx"), refused.reason());
    assertEquals("1", refused.servingVersion());
    assertEquals("1", serve("a").getModelVersion());
  }

  @Test
  void shouldRefuseABundleWhoseOnnxFileHoldsAnOpOutsideTheAllowList() throws Exception {
    start(auto(Precision.FP32), 0.5);
    assertEquals(RolloutStatus.LOADED, publish(checkpoint(bundle("1", 1, true))).status());
    ModelBundle v2 = bundle("2", 2, true);
    Path onnx = v2.dir().resolve(OnnxBundles.ONNX_FILE);
    ModelBundle resigned = rewriteOnnx(v2, withExtraNode(Files.readAllBytes(onnx), "Loop"));
    RolloutStatus refused = publish(checkpoint(resigned));
    assertEquals(RolloutStatus.REFUSED, refused.status());
    assertTrue(refused.reason().startsWith("onnx.ops: ") && refused.reason().contains("onnx/model.onnx refused")
        && refused.reason().contains("'Loop'"), refused.reason());
    assertEquals(ServingEngine.ONNXRUNTIME_INT8, holder.peek().orElseThrow().engine());
    assertEquals("1", serve("a").getModelVersion());
  }

  @Test
  void shouldRefuseABundleWhoseOnnxFileIsNotAModelEvenWhereTensorFlowWouldServe() throws Exception {
    start(auto(Precision.FP32), 0.0); // int8 would be refused by the golden check, TensorFlow fp32 would serve
    ModelBundle v1 = bundle("1", 1, true);
    ModelBundle garbage = rewriteOnnx(v1, "not a model at all, but correctly hashed".getBytes());
    RolloutStatus refused = publish(checkpoint(garbage));
    assertEquals(RolloutStatus.REFUSED, refused.status());
    assertTrue(refused.reason().startsWith("onnx.ops: ") && refused.reason().contains("onnx/model.onnx refused: onnx:"),
        refused.reason());
    assertNull(holder.peek().orElse(null), "nothing serves");
  }

  /** The ONNX model with one more node of {@code opType} (a valid graph otherwise). */
  static byte[] withExtraNode(byte[] model, String opType) throws Exception {
    UnknownFieldSet m = UnknownFieldSet.parseFrom(model);
    ByteString graph = m.getField(7).getLengthDelimitedList().get(0);
    ByteArrayOutputStream node = new ByteArrayOutputStream();
    CodedOutputStream n = CodedOutputStream.newInstance(node);
    n.writeString(1, "input_ids"); // NodeProto: input, output, name, op_type
    n.writeString(2, "evil_out");
    n.writeString(3, "evil");
    n.writeString(4, opType);
    n.flush();
    ByteArrayOutputStream g = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(g);
    out.writeRawBytes(graph);
    out.writeByteArray(1, node.toByteArray()); // GraphProto.node is repeated: appended
    out.flush();
    return UnknownFieldSet.newBuilder(m).clearField(7)
        .addField(7, UnknownFieldSet.Field.newBuilder().addLengthDelimited(ByteString.copyFrom(g.toByteArray()))
            .build())
        .build().toByteArray();
  }

  /**
   * The bundle with its ONNX file replaced and its manifest re-hashed, as a compromised or broken publisher would sign
   * it: every hash matches, only the file's content is bad.
   */
  static ModelBundle rewriteOnnx(ModelBundle bundle, byte[] onnx) throws Exception {
    Files.write(bundle.dir().resolve(OnnxBundles.ONNX_FILE), onnx);
    Path manifest = bundle.dir().resolve(ModelBundle.MANIFEST_FILE);
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = (ObjectNode) json.readTree(manifest.toFile());
    ((ObjectNode) root.get("files")).put(OnnxBundles.ONNX_FILE,
        HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(onnx)));
    Files.write(manifest, json.writeValueAsBytes(root));
    return ModelBundle.open(bundle.dir());
  }
}
