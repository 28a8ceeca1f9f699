package org.streambert.bert.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.BertGraph;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.model.ModelFamily;
import org.streambert.bert.model.ModelMemory;
import org.streambert.bert.tokenizer.Vocab;
import org.streambert.bert.weights.internals.HfNames;
import org.tensorflow.ndarray.Shape;

/**
 * The released configs of roberta-base, xlm-roberta-base (vocabulary 250,002), distilbert-base-uncased and
 * electra-base/small-discriminator load at their real shapes: {@code config.json} as published, a vocabulary of the
 * right size and a {@code model.safetensors} whose header lists every tensor at full size over a sparse file (no
 * weights are written or allocated); the import plan validates every shape, the graph's variables are those shapes and
 * the parameter count is Hugging Face's.
 */
class RealSizeShapesTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  @Test
  void shouldPlanTheImportOfXlmRobertaBaseAtItsRealShapes() throws Exception {
    ObjectNode cfg = robertaLike("xlm-roberta", "XLMRobertaModel", 250002);
    check(cfg, ModelFamily.XLM_ROBERTA, 278_043_648L);
  }

  @Test
  void shouldPlanTheImportOfRobertaBaseAtItsRealShapes() throws Exception {
    check(robertaLike("roberta", "RobertaModel", 50265), ModelFamily.ROBERTA, 124_645_632L);
  }

  @Test
  void shouldPlanTheImportOfDistilBertBaseAtItsRealShapes() throws Exception {
    ObjectNode cfg = JSON.createObjectNode().put("model_type", "distilbert").put("vocab_size", 30522)
        .put("dim", 768).put("n_layers", 6).put("n_heads", 12).put("hidden_dim", 3072).put("activation", "gelu")
        .put("max_position_embeddings", 512).put("pad_token_id", 0).put("sinusoidal_pos_embds", false);
    cfg.putArray("architectures").add("DistilBertModel");
    // DistilBertModel has 66,362,880; this graph adds a (fresh) first-token dense layer and a zero token-type row
    check(cfg, ModelFamily.DISTILBERT, 66_362_880L + 768 * 768 + 768 + 768);
  }

  @Test
  void shouldPlanTheImportOfElectraDiscriminatorsAtTheirRealShapes() throws Exception {
    ObjectNode base = electra(768, 768, 12, 3072);
    check(base, ModelFamily.ELECTRA, 108_891_648L + 768 * 768 + 768); // + the fresh first-token dense
    ObjectNode small = electra(128, 256, 4, 1024);
    BertConfig c = check(small, ModelFamily.ELECTRA, -1);
    assertTrue(c.projectsEmbeddings());
    assertEquals(128, c.embeddingSize());
  }

  private static ObjectNode robertaLike(String type, String arch, int vocab) {
    ObjectNode cfg = JSON.createObjectNode().put("model_type", type).put("vocab_size", vocab)
        .put("hidden_size", 768).put("num_hidden_layers", 12).put("num_attention_heads", 12)
        .put("intermediate_size", 3072).put("hidden_act", "gelu").put("max_position_embeddings", 514)
        .put("type_vocab_size", 1).put("layer_norm_eps", 1e-5).put("pad_token_id", 1).put("bos_token_id", 0)
        .put("eos_token_id", 2);
    cfg.putArray("architectures").add(arch);
    return cfg;
  }

  private static ObjectNode electra(int embedding, int hidden, int heads, int intermediate) {
    ObjectNode cfg = JSON.createObjectNode().put("model_type", "electra").put("vocab_size", 30522)
        .put("embedding_size", embedding).put("hidden_size", hidden).put("num_hidden_layers", 12)
        .put("num_attention_heads", heads).put("intermediate_size", intermediate).put("hidden_act", "gelu")
        .put("max_position_embeddings", 512).put("type_vocab_size", 2).put("layer_norm_eps", 1e-12);
    cfg.putArray("architectures").add("ElectraForPreTraining");
    return cfg;
  }

  /** Writes the directory, opens it, checks the plan; {@code hfParameters} < 0 skips the count. */
  private BertConfig check(ObjectNode hfConfig, ModelFamily family, long hfParameters) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve(hfConfig.get("model_type").asText() + "-"
        + hfConfig.path("embedding_size").asInt(0)));
    Files.write(dir.resolve("config.json"), JSON.writeValueAsBytes(hfConfig));
    int vocab = hfConfig.get("vocab_size").asInt();
    List<String> tokens = new ArrayList<>(List.of(Vocab.PAD, Vocab.UNK, Vocab.CLS, Vocab.SEP, Vocab.MASK));
    for (int i = tokens.size(); i < vocab; i++) {
      tokens.add("t" + i);
    }
    Files.write(dir.resolve("vocab.txt"), tokens, StandardCharsets.UTF_8);

    // what the family's file holds, by the one name table, at full size
    BertConfig expected = configOf(hfConfig, family);
    Map<String, long[]> tensors = new TreeMap<>();
    for (Map.Entry<String, Shape> v : BertGraph.variableShapes(expected, HeadsSpec.NONE).entrySet()) {
      HfNames.Mapping m = HfNames.toHf(family, v.getKey(), false);
      if (m == null) {
        continue;
      }
      long[] shape = v.getValue().asArray();
      tensors.put(m.hfName(), m.transposed() ? new long[] {shape[1], shape[0]} : shape);
    }
    writeSparseSafetensors(dir.resolve("model.safetensors"), tensors);

    try (HuggingFaceCheckpoint ckpt = HuggingFaceCheckpoint.open(dir)) {
      BertConfig cfg = ckpt.config();
      assertEquals(expected, cfg);
      assertEquals(512, cfg.maxSequenceLength());
      long params = ModelMemory.parameters(cfg, HeadsSpec.NONE);
      if (hfParameters >= 0) {
        assertEquals(hfParameters, params, "parameters of " + hfConfig.get("model_type"));
      }
      ModelMemory m = ModelMemory.estimate(cfg, HeadsSpec.NONE, ModelMemory.Engine.TENSORFLOW);
      assertEquals(4 * params, m.weightBytes());
      return cfg;
    }
  }

  private static BertConfig configOf(ObjectNode c, ModelFamily family) {
    if (family == ModelFamily.DISTILBERT) {
      return new BertConfig(c.get("vocab_size").asInt(), 768, 6, 12, 3072,
          org.streambert.bert.model.Activation.GELU_ERF, 0.1, 0.1, 512, 1, 0.02).asFamily(family);
    }
    BertConfig b = new BertConfig(c.get("vocab_size").asInt(), c.get("hidden_size").asInt(), 12,
        c.get("num_attention_heads").asInt(), c.get("intermediate_size").asInt(),
        org.streambert.bert.model.Activation.GELU_ERF, 0.1, 0.1, c.get("max_position_embeddings").asInt(),
        c.get("type_vocab_size").asInt(), 0.02).asFamily(family);
    return family == ModelFamily.ELECTRA ? b.withOptions(family, 1e-12, -1, c.get("embedding_size").asInt(),
        b.headAct()) : b;
  }

  /** A safetensors header over a sparse file of the full data length: shapes are real, no data is written. */
  static void writeSparseSafetensors(Path file, Map<String, long[]> tensors) throws Exception {
    ObjectNode header = JSON.createObjectNode();
    header.putObject("__metadata__").put("format", "pt");
    long offset = 0;
    for (Map.Entry<String, long[]> t : tensors.entrySet()) {
      long n = 1;
      ObjectNode e = header.putObject(t.getKey()).put("dtype", "F32");
      ArrayNode shape = e.putArray("shape");
      for (long d : t.getValue()) {
        shape.add(d);
        n *= d;
      }
      e.putArray("data_offsets").add(offset).add(offset + 4 * n);
      offset += 4 * n;
    }
    byte[] json = JSON.writeValueAsBytes(header);
    int padded = (json.length + 7) / 8 * 8;
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
      f.write(json);
      for (int i = json.length; i < padded; i++) {
        f.write(' ');
      }
      f.setLength(8 + padded + offset); // sparse: the data is a hole
    }
  }
}
