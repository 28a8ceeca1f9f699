package org.streambert.bert.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.bert.embeddings.EmbeddingPooling;
import org.streambert.bert.embeddings.EmbeddingSpec;
import org.streambert.bert.heads.ClassificationHead;
import org.streambert.bert.heads.TokenClassificationHead;
import org.streambert.bert.model.Activation;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.BertGraph;
import org.streambert.bert.model.BertModel;
import org.streambert.bert.model.ForwardResult;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.model.ModelFamily;
import org.streambert.bert.model.TinyBert;
import org.streambert.bert.model.WeightSource;
import org.streambert.bert.tokenizer.Vocab;
import org.streambert.bert.weights.internals.HfNames;
import org.streambert.bert.weights.internals.Safetensors;
import org.tensorflow.ndarray.Shape;

class HuggingFaceCheckpointTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final BertConfig ERF = TinyBert.CONFIG.withHiddenAct(Activation.GELU_ERF);

  @TempDir Path tmp;

  static Vocab vocab(int size) {
    List<String> tokens = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"));
    for (int i = tokens.size(); i < size; i++) {
      tokens.add(i % 2 == 0 ? "w" + i : "##p" + i);
    }
    return Vocab.of(tokens);
  }

  /** Writes an HF directory through the exporter (the files a from_pretrained user would have). */
  Path hfDir(String name, BertConfig cfg, Map<String, float[]> weights,
      org.streambert.bert.heads.HeadSpec head, EmbeddingSpec spec) throws IOException {
    Path out = tmp.resolve(name);
    HuggingFaceExport.write(out, cfg, weights, vocab(cfg.vocabSize()), true, 32, head, spec);
    return out;
  }

  static ForwardResult run(BertModel m) {
    TinyBert.Inputs in = TinyBert.inputs(2, 8, new int[] {8, 5}, 3);
    return m.run(in.batch(), in.seqLen(), in.ids(), in.mask(), new int[in.ids().length], true);
  }

  @Test
  void shouldReadBackExactlyTheWeightsItExportedForEveryHead() throws Exception {
    for (var head : List.<org.streambert.bert.heads.HeadSpec>of(
        new ClassificationHead("sentiment", List.of("NEG", "POS", "NEU"), false),
        new ClassificationHead("tags", List.of("a", "b"), true),
        new TokenClassificationHead("ner", List.of("O", "B-PER", "I-PER", "S-LOC", "E-LOC")))) {
      HeadsSpec spec = head instanceof ClassificationHead c ? new HeadsSpec(c.size(), c.multiLabel(), 0)
          : HeadsSpec.tokenClassification(head.size());
      Map<String, float[]> weights = TinyBert.randomWeights(ERF, spec, 11);
      Path dir = hfDir(head.name(), ERF, weights, head, null);
      try (HuggingFaceCheckpoint ckpt = HuggingFaceCheckpoint.open(dir);
          BertModel original = BertModel.create(ERF, spec, WeightSource.ofArrays(weights));
          BertModel imported = BertModel.create(ckpt.config(), ckpt.heads(),
              ckpt.orElse(WeightSource.random(0.02, 5)))) {
        assertEquals(ERF, ckpt.config());
        assertEquals(head.labels(), ckpt.labels());
        assertEquals(spec, ckpt.heads());
        ForwardResult a = run(original);
        ForwardResult b = run(imported);
        assertArrayEquals(a.sequence(), b.sequence(), head.name());
        if (spec.hasClassHead()) {
          assertArrayEquals(a.classProbs(), b.classProbs());
          assertArrayEquals(a.pooled(), b.pooled());
          assertTrue(ckpt.freshWeights().isEmpty());
        } else {
          assertArrayEquals(a.tokenProbs(), b.tokenProbs());
          assertTrue(ckpt.freshWeights().contains("bert/pooler/dense/kernel"),
              "BertForTokenClassification carries no pooler");
        }
      }
    }
  }

  @Test
  void shouldWriteHuggingFaceNamesLayoutsAndConfig() throws Exception {
    Map<String, float[]> weights = TinyBert.randomWeights(ERF, HeadsSpec.classification(2), 3);
    Path dir = hfDir("cls", ERF, weights, new ClassificationHead("s", List.of("neg", "pos"), false), null);
    ObjectNode config = (ObjectNode) JSON.readTree(dir.resolve("config.json").toFile());
    assertEquals("BertForSequenceClassification", config.get("architectures").get(0).asText());
    assertEquals("gelu", config.get("hidden_act").asText(), "exact GELU is HF's gelu");
    assertEquals("pos", config.get("id2label").get("1").asText());
    assertEquals(0, config.get("label2id").get("neg").asInt());
    try (Safetensors.Reader r = Safetensors.Reader.open(dir.resolve("model.safetensors"))) {
      assertEquals("pt", r.metadata().get("format"));
      Safetensors.Entry q = r.entry("bert.encoder.layer.0.attention.self.query.weight").orElseThrow();
      assertArrayEquals(new long[] {32, 32}, q.shape());
      Safetensors.Entry inter = r.entry("bert.encoder.layer.1.intermediate.dense.weight").orElseThrow();
      assertArrayEquals(new long[] {64, 32}, inter.shape(), "nn.Linear weight is [out, in]");
      float[] kernel = weights.get("bert/encoder/layer_1/intermediate/dense/kernel"); // [32, 64]
      float[] hf = r.readFloats(inter.name()); // [64, 32]
      assertEquals(kernel[3 * 64 + 5], hf[5 * 32 + 3]);
      assertTrue(r.entry("bert.embeddings.LayerNorm.weight").isPresent());
      assertTrue(r.entry("classifier.weight").isPresent());
      assertTrue(r.entry("bert.pooler.dense.bias").isPresent());
    }
    ObjectNode tok = (ObjectNode) JSON.readTree(dir.resolve("tokenizer_config.json").toFile());
    assertTrue(tok.get("do_lower_case").asBoolean());
    assertEquals(100, Files.readAllLines(dir.resolve("vocab.txt")).size());
  }

  @Test
  void shouldReadGeluNamesWithHuggingFaceMeaning() throws Exception {
    Map<String, float[]> weights = TinyBert.randomWeights(ERF, HeadsSpec.NONE, 3);
    Path dir = hfDir("enc", ERF, weights, null, null);
    for (var e : Map.of("gelu", Activation.GELU_ERF, "gelu_new", Activation.GELU_TANH, "gelu_pytorch_tanh",
        Activation.GELU_TANH, "relu", Activation.RELU).entrySet()) {
      editConfig(dir, c -> c.put("hidden_act", e.getKey()));
      try (HuggingFaceCheckpoint ckpt = HuggingFaceCheckpoint.open(dir)) {
        assertEquals(e.getValue(), ckpt.config().hiddenAct(), e.getKey());
      }
    }
    editConfig(dir, c -> c.put("hidden_act", "silu"));
    assertRefused(dir, "hidden_act \"silu\"");
  }

  @Test
  void shouldRefuseAnActivationOrOtherChoiceThatIsNotAString() throws Exception {
    Path dir = hfDir("act-type", ERF, TinyBert.randomWeights(ERF, HeadsSpec.NONE, 3), null, null);
    editConfig(dir, c -> c.putObject("hidden_act").put("a", 1));
    assertRefused(dir, "hidden_act must be a string, got OBJECT");
    editConfig(dir, c -> c.put("hidden_act", 5));
    assertRefused(dir, "hidden_act must be a string, got NUMBER");
    editConfig(dir, c -> {
      c.put("hidden_act", "gelu");
      c.putArray("position_embedding_type").add("absolute");
    });
    assertRefused(dir, "position_embedding_type must be a string");
    editConfig(dir, c -> {
      c.remove("position_embedding_type");
      c.put("model_type", true);
    });
    assertRefused(dir, "model_type must be a string");
    editConfig(dir, c -> c.putNull("model_type")); // JSON null: absent, the default applies
    try (HuggingFaceCheckpoint ckpt = HuggingFaceCheckpoint.open(dir)) {
      assertEquals(Activation.GELU_ERF, ckpt.config().hiddenAct());
    }
  }

  @Test
  void shouldRefuseAConfigAtTheCapsByItsShapesWithoutBuildingAGraph() throws Exception {
    Path dir = hfDir("caps", ERF, TinyBert.randomWeights(ERF, HeadsSpec.NONE, 3), null, null);
    editConfig(dir, c -> {
      c.put("hidden_size", 8_192);
      c.put("num_hidden_layers", 128);
      c.put("num_attention_heads", 128);
      c.put("intermediate_size", 32_768);
    });
    long start = System.nanoTime();
    assertRefused(dir, "tensor embeddings.word_embeddings.weight has shape [100, 32]");
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertTrue(millis < 5_000, "refused after " + millis + " ms (a graph build at the caps took 40 s)");
  }

  @Test
  void shouldCarrySentenceTransformersPoolingBothWays() throws Exception {
    Map<String, float[]> weights = TinyBert.randomWeights(ERF, HeadsSpec.NONE, 3);
    for (EmbeddingSpec spec : List.of(new EmbeddingSpec(EmbeddingPooling.MEAN, true),
        new EmbeddingSpec(EmbeddingPooling.CLS, false), new EmbeddingSpec(EmbeddingPooling.MAX, true))) {
      Path dir = hfDir("st-" + spec.pooling() + spec.normalize(), ERF, weights, null, spec);
      assertTrue(Files.isRegularFile(dir.resolve("1_Pooling/config.json")));
      try (HuggingFaceCheckpoint ckpt = HuggingFaceCheckpoint.open(dir)) {
        assertEquals(java.util.Optional.of(spec), ckpt.embeddings());
        assertEquals(32, ckpt.maxLength());
      }
    }
    Path plain = hfDir("plain", ERF, weights, null, EmbeddingSpec.DEFAULT);
    try (HuggingFaceCheckpoint ckpt = HuggingFaceCheckpoint.open(plain)) {
      assertTrue(ckpt.embeddings().isEmpty(), "BERT's pooled output is not a sentence-transformers model");
    }
  }

  @Test
  void shouldRefusePickleWeightsSayingHowToConvert() throws Exception {
    Path dir = hfDir("pickle", ERF, TinyBert.randomWeights(ERF, HeadsSpec.NONE, 3), null, null);
    Files.delete(dir.resolve("model.safetensors"));
    Files.write(dir.resolve("pytorch_model.bin"), new byte[] {(byte) 0x80, 2, 'c', 'o', 's', '\n'});
    String msg = assertRefused(dir, "pytorch_model.bin");
    assertTrue(msg.contains("pickle") && msg.contains("safe_serialization=True"), msg);
  }

  @Test
  void shouldNameTheTensorWhoseShapeDoesNotFitTheConfig() throws Exception {
    Path dir = hfDir("shape", ERF, TinyBert.randomWeights(ERF, HeadsSpec.NONE, 3), null, null);
    editConfig(dir, c -> c.put("intermediate_size", 48));
    assertRefused(dir, "tensor encoder.layer.0.intermediate.dense.weight has shape [64, 32]");
    editConfig(dir, c -> {
      c.put("intermediate_size", 64);
      c.put("num_hidden_layers", 3);
    });
    assertRefused(dir, "no tensor encoder.layer.2.attention.self.query.weight");
  }

  @Test
  void shouldRefuseOutOfScopeModelsAndConfigs() throws Exception {
    Path dir = hfDir("scope", ERF, TinyBert.randomWeights(ERF, HeadsSpec.NONE, 3), null, null);
    editConfig(dir, c -> c.put("model_type", "albert"));
    assertRefused(dir, "ALBERT factorises its embeddings");
    editConfig(dir, c -> c.put("model_type", "roberta"));
    assertRefused(dir, "architecture \"BertModel\" is not supported for model_type roberta");
    editConfig(dir, c -> {
      c.put("model_type", "bert");
      c.put("layer_norm_eps", -1e-5);
    });
    assertRefused(dir, "layer_norm_eps must be a number in (0, 1)");
    editConfig(dir, c -> {
      c.remove("layer_norm_eps");
      c.put("position_embedding_type", "relative_key");
    });
    assertRefused(dir, "position_embedding_type");
    editConfig(dir, c -> {
      c.remove("position_embedding_type");
      c.put("vocab_size", 2_000_000_000);
    });
    assertRefused(dir, "vocab_size must be an integer in [1, 1000000]");
    editConfig(dir, c -> {
      c.put("vocab_size", 100);
      c.putArray("architectures").add("BertLMHeadModel");
    });
    assertRefused(dir, "architecture \"BertLMHeadModel\" is not supported");
  }

  @Test
  void shouldRefuseBadId2Label() throws Exception {
    Path dir = hfDir("labels", ERF, TinyBert.randomWeights(ERF, HeadsSpec.classification(2), 3),
        new ClassificationHead("s", List.of("neg", "pos"), false), null);
    editConfig(dir, c -> c.putObject("id2label").put("0", "neg").put("2", "pos"));
    assertRefused(dir, "id2label key \"2\"");
    editConfig(dir, c -> c.putObject("id2label").put("0", "neg").put("1", "neg"));
    assertRefused(dir, "duplicate labels");
    editConfig(dir, c -> c.putObject("id2label").put("0", "neg").put("1", "pos").put("2", "neu"));
    assertRefused(dir, "tensor classifier.weight has shape [2, 32]");
  }

  @Test
  void shouldRefuseHostileSafetensors() throws Exception {
    Path dir = hfDir("hostile", ERF, TinyBert.randomWeights(ERF, HeadsSpec.NONE, 3), null, null);
    Path file = dir.resolve("model.safetensors");
    byte[] good = Files.readAllBytes(file);
    // A header length of 2^62: refused before anything is allocated.
    byte[] huge = good.clone();
    ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 62);
    Files.write(file, huge);
    assertRefused(dir, "header length");
    // Truncated data section.
    Files.write(file, java.util.Arrays.copyOf(good, good.length - 100));
    assertRefused(dir, "outside the");
    // Overlapping tensors and a shape that does not match its bytes.
    writeRaw(file, "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12);
    assertThrows(Safetensors.SafetensorsException.class, () -> Safetensors.Reader.open(file), "overlaps");
    writeRaw(file, "{\"a\":{\"dtype\":\"F32\",\"shape\":[1000000,1000000],\"data_offsets\":[0,8]}}", 8);
    var e = assertThrows(Safetensors.SafetensorsException.class, () -> Safetensors.Reader.open(file));
    assertTrue(e.getMessage().contains("tensor a"), e.getMessage());
    writeRaw(file, "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
        + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8);
    assertThrows(Safetensors.SafetensorsException.class, () -> Safetensors.Reader.open(file), "duplicate key");
    writeRaw(file, "{\"a\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8);
    try (Safetensors.Reader r = Safetensors.Reader.open(file)) {
      var ex = assertThrows(Safetensors.SafetensorsException.class, () -> r.readFloats("a"));
      assertTrue(ex.getMessage().contains("dtype I64"), ex.getMessage());
    }
  }

  @Test
  void shouldWidenHalfAndBfloat16Exactly() throws Exception {
    Path file = tmp.resolve("half.safetensors");
    // F16: 1.0 (0x3C00), -2.5 (0xC100), smallest subnormal (0x0001); BF16: 1.0 (0x3F80), -0.5 (0xBF00).
    ByteBuffer data = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
    data.putShort((short) 0x3C00).putShort((short) 0xC100).putShort((short) 0x0001);
    data.putShort((short) 0x3F80).putShort((short) 0xBF00);
    writeRaw(file, "{\"h\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,6]},"
        + "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[6,10]}}", data.array());
    try (Safetensors.Reader r = Safetensors.Reader.open(file)) {
      assertArrayEquals(new float[] {1f, -2.5f, 0x1p-24f}, r.readFloats("h"));
      assertArrayEquals(new float[] {1f, -0.5f}, r.readFloats("b"));
    }
  }

  @Test
  void shouldRefuseNonWordPieceTokenizersAndFilesLeadingOutside() throws Exception {
    Path dir = hfDir("tok", ERF, TinyBert.randomWeights(ERF, HeadsSpec.NONE, 3), null, null);
    Files.delete(dir.resolve("vocab.txt"));
    Files.writeString(dir.resolve("tokenizer.json"), "{\"model\":{\"type\":\"BPE\",\"vocab\":{}}}");
    assertRefused(dir, "model.vocab is not a non-empty object");
    Files.delete(dir.resolve("tokenizer.json"));
    Path outside = tmp.resolve("outside-vocab.txt");
    Files.write(outside, vocab(100).tokens());
    Files.createSymbolicLink(dir.resolve("vocab.txt"), outside);
    assertRefused(dir, "symbolic link leading outside");
    Files.delete(dir.resolve("vocab.txt"));
    Files.write(dir.resolve("vocab.txt"), vocab(100).tokens());
    Files.writeString(dir.resolve("modules.json"), "[{\"type\":\"sentence_transformers.models.Pooling\","
        + "\"path\":\"../../etc\"}]");
    assertRefused(dir, "not a plain directory name");
  }

  @Test
  void shouldReadTheTokenizerJsonVocabularyAndCasing() throws Exception {
    Path dir = hfDir("tokjson", ERF, TinyBert.randomWeights(ERF, HeadsSpec.NONE, 3), null, null);
    Vocab v = vocab(100);
    Files.delete(dir.resolve("vocab.txt"));
    Files.delete(dir.resolve("tokenizer_config.json"));
    ObjectNode root = JSON.createObjectNode();
    root.putObject("normalizer").put("type", "BertNormalizer").put("lowercase", false);
    ObjectNode model = root.putObject("model");
    model.put("type", "WordPiece").put("unk_token", "[UNK]").put("continuing_subword_prefix", "##");
    ObjectNode ids = model.putObject("vocab");
    for (int i = v.size() - 1; i >= 0; i--) { // any order: ids decide
      ids.put(v.token(i), i);
    }
    JSON.writeValue(dir.resolve("tokenizer.json").toFile(), root);
    try (HuggingFaceCheckpoint ckpt = HuggingFaceCheckpoint.open(dir)) {
      assertEquals(v.tokens(), ckpt.vocab().tokens());
      assertFalse(ckpt.lowerCase());
    }
    ids.put("extra", 100); // ids must be exactly 0..n-1
    ids.remove("w6");
    JSON.writeValue(dir.resolve("tokenizer.json").toFile(), root);
    assertRefused(dir, "is not in [0, 100)");
  }

  @Test
  void shouldImportDistilBertEncoderAndTokenHead() throws Exception {
    BertConfig cfg = new BertConfig(100, 32, 2, 2, 64, Activation.GELU_ERF, 0.1, 0.1, 64, 1, 0.02);
    HeadsSpec heads = HeadsSpec.tokenClassification(3);
    Map<String, float[]> weights = TinyBert.randomWeights(cfg, heads, 9);
    weights.put("bert/embeddings/token_type_embeddings", new float[32]); // DistilBERT has no segment table
    Map<String, float[]> tensors = new LinkedHashMap<>();
    Map<String, long[]> shapes = new LinkedHashMap<>();
    for (var v : BertGraph.variableShapes(cfg, heads).entrySet()) {
      HfNames.Mapping m = HfNames.toHf(HfNames.Family.DISTILBERT, v.getKey());
      if (m == null) {
        continue;
      }
      long[] shape = v.getValue().asArray();
      float[] values = weights.get(v.getKey());
      if (m.transposed()) {
        float[] t = new float[values.length];
        for (int r = 0; r < shape[0]; r++) {
          for (int c = 0; c < shape[1]; c++) {
            t[(int) (c * shape[0] + r)] = values[(int) (r * shape[1] + c)];
          }
        }
        values = t;
        shape = new long[] {shape[1], shape[0]};
      }
      String name = m.encoder() ? "distilbert." + m.hfName() : m.hfName();
      tensors.put(name, values);
      shapes.put(name, shape);
    }
    assertTrue(tensors.containsKey("distilbert.transformer.layer.1.ffn.lin1.weight"));
    assertTrue(tensors.containsKey("distilbert.transformer.layer.0.sa_layer_norm.weight"));
    Path dir = Files.createDirectories(tmp.resolve("distil"));
    Safetensors.write(dir.resolve("model.safetensors"), tensors, shapes, Map.of("format", "pt"));
    Files.write(dir.resolve("vocab.txt"), vocab(100).tokens());
    Files.writeString(dir.resolve("config.json"), "{\"model_type\":\"distilbert\",\"architectures\":"
        + "[\"DistilBertForTokenClassification\"],\"vocab_size\":100,\"dim\":32,\"n_layers\":2,\"n_heads\":2,"
        + "\"hidden_dim\":64,\"activation\":\"gelu\",\"max_position_embeddings\":64,"
        + "\"id2label\":{\"0\":\"O\",\"1\":\"B-X\",\"2\":\"I-X\"}}");
    try (HuggingFaceCheckpoint ckpt = HuggingFaceCheckpoint.open(dir);
        BertModel original = BertModel.create(cfg, heads, WeightSource.ofArrays(weights));
        BertModel imported = BertModel.create(ckpt.config(), ckpt.heads(), ckpt.orElse(WeightSource.random(0.02,
            1)))) {
      assertEquals(cfg.asFamily(ModelFamily.DISTILBERT), ckpt.config());
      TinyBert.Inputs in = TinyBert.inputs(2, 8, new int[] {8, 5}, 3);
      int[] seg = new int[in.ids().length];
      assertArrayEquals(original.run(2, 8, in.ids(), in.mask(), seg).tokenProbs(),
          imported.run(2, 8, in.ids(), in.mask(), seg).tokenProbs());
    }
    Files.writeString(dir.resolve("config.json"), Files.readString(dir.resolve("config.json"))
        .replace("DistilBertForTokenClassification", "DistilBertForSequenceClassification"));
    assertRefused(dir, "pre_classifier");
  }

  private void editConfig(Path dir, java.util.function.Consumer<ObjectNode> edit) throws IOException {
    ObjectNode c = (ObjectNode) JSON.readTree(dir.resolve("config.json").toFile());
    edit.accept(c);
    JSON.writeValue(dir.resolve("config.json").toFile(), c);
  }

  private static String assertRefused(Path dir, String fragment) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> {
      try (HuggingFaceCheckpoint c = HuggingFaceCheckpoint.open(dir)) {
        // opened: not refused
      }
    });
    assertTrue(e.getMessage().contains(fragment), "expected '" + fragment + "' in: " + e.getMessage());
    return e.getMessage();
  }

  private static void writeRaw(Path file, String header, int dataBytes) throws IOException {
    writeRaw(file, header, new byte[dataBytes]);
  }

  private static void writeRaw(Path file, String header, byte[] data) throws IOException {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h).put(data);
    Files.write(file, b.array());
  }
}
