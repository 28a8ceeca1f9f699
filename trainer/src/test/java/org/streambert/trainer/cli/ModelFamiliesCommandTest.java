package org.streambert.trainer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.streambert.trainer.cli.TinyRuns.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streambert.bert.embeddings.EmbeddingSpec;
import org.streambert.bert.heads.ClassificationHead;
import org.streambert.bert.heads.HeadSpec;
import org.streambert.bert.heads.TokenClassificationHead;
import org.streambert.bert.model.Activation;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.BertGraph;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.model.ModelFamily;
import org.streambert.bert.model.WeightSource;
import org.streambert.bert.tokenizer.Vocab;
import org.streambert.bert.weights.HuggingFaceExport;
import org.streambert.trainer.ExitCodes;
import org.streambert.trainer.cli.TinyRuns.Run;
import org.streambert.trainer.data.DemoData;
import org.streambert.trainer.publish.RunReport;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * RoBERTa-family, ELECTRA and DistilBERT models through the commands a user runs: {@code import --hf} records the
 * family in the bundle, {@code predict} serves it on TensorFlow and ONNX Runtime alike (JSON lines, code-point spans),
 * {@code export --format hf} writes the family's layout, {@code fine-tune --pretrained} trains from it. The Hugging
 * Face directories are written with random weights by {@link HuggingFaceExport} (L=2, H=32, a character vocabulary);
 * that the arithmetic is the families' own is {@code FamilyOracleTest}'s job.
 */
class ModelFamiliesCommandTest {

  static final List<String> TEXTS = List.of("The service in Lyon was quick and friendly.",
      "J'ai attendu deux heures à Paris 😀 et personne n'a répondu.", "Angela Merkel met Emmanuel Macron.");
  static final List<String> LABELS = List.of("negative", "neutral", "positive");
  static final List<String> TAGS = List.of("O", "B-PER", "I-PER", "B-LOC", "I-LOC");
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  static Path texts;
  static Vocab vocab;

  @BeforeAll
  static void writeTexts() throws Exception {
    texts = dir.resolve("texts.txt");
    Files.writeString(texts, String.join("\n", TEXTS) + "\n");
    List<String> tokens = new ArrayList<>(List.of(Vocab.PAD, Vocab.UNK, Vocab.CLS, Vocab.SEP, Vocab.MASK));
    for (char c : "abcdefghijklmnopqrstuvwxyz0123456789àéè".toCharArray()) {
      tokens.add(String.valueOf(c));
      tokens.add("##" + c);
    }
    tokens.addAll(List.of(".", ",", "'", "!", "?", "-"));
    vocab = Vocab.of(tokens);
  }

  /** A random model of {@code family} with {@code head}, written as a Hugging Face directory. */
  static Path hfDir(String name, ModelFamily family, HeadSpec head) throws Exception {
    BertConfig base = new BertConfig(vocab.size(), 32, 2, 2, 64, Activation.GELU_ERF, 0.1, 0.1, 66,
        family.offsetPositions() || family == ModelFamily.DISTILBERT ? 1 : 2, 0.02).asFamily(family);
    BertConfig cfg = family == ModelFamily.ELECTRA
        ? base.withOptions(family, 1e-12, -1, 16, Activation.GELU_ERF) : base;
    HeadsSpec heads = head instanceof ClassificationHead ? HeadsSpec.classification(head.size())
        : HeadsSpec.tokenClassification(head.size());
    Map<String, float[]> weights = randomWeights(cfg, heads, name.hashCode());
    Path out = dir.resolve(name);
    HuggingFaceExport.write(out, cfg, weights, vocab, true, 64, head, EmbeddingSpec.DEFAULT);
    return out;
  }

  /** Random weights (stddev 0.3, so predictions differ between texts) for every variable of the graph. */
  static Map<String, float[]> randomWeights(BertConfig cfg, HeadsSpec heads, long seed) {
    Map<String, float[]> weights = new LinkedHashMap<>();
    WeightSource random = WeightSource.random(0.3, seed);
    for (Map.Entry<String, Shape> v : BertGraph.variableShapes(cfg, heads).entrySet()) {
      try (TFloat32 t = random.read(v.getKey(), v.getValue()).orElseThrow()) {
        float[] values = new float[(int) v.getValue().size()];
        t.copyTo(org.tensorflow.ndarray.buffer.DataBuffers.of(values, false, false));
        weights.put(v.getKey(), values);
      }
    }
    return weights;
  }

  static List<JsonNode> lines(Run r) throws Exception {
    assertEquals(ExitCodes.OK, r.code(), r.err());
    List<JsonNode> out = new ArrayList<>();
    for (String line : r.out().split("\n")) {
      if (!line.isBlank()) {
        out.add(JSON.readTree(line));
      }
    }
    return out;
  }

  @Test
  void shouldImportAnXlmRobertaClassifierAndServeTheSameScoresOnBothEngines() throws Exception {
    Path hf = hfDir("xlmr-cls", ModelFamily.XLM_ROBERTA, new ClassificationHead("sentiment", LABELS, false));
    Path runDir = dir.resolve("xlmr-run");
    Run i = run("import", "--hf", hf.toString(), "--out", runDir.toString(), "--model-name", "xlmr", "--version", "1");
    assertEquals(ExitCodes.OK, i.code(), i.err());
    JsonNode bertConfig = JSON.readTree(runDir.resolve(RunReport.BUNDLE_DIR).resolve("model.json").toFile())
        .get("bert_config");
    assertEquals("xlm-roberta", bertConfig.get(BertConfig.MODEL_FAMILY_KEY).asText(), "the bundle records the family");
    assertEquals(1, bertConfig.get(BertConfig.POSITION_PADDING_IDX_KEY).asInt());

    List<JsonNode> tf = lines(run("predict", "--bundle", runDir.toString(), "--file", texts.toString()));
    List<JsonNode> ort = lines(run("predict", "--bundle", runDir.toString(), "--file", texts.toString(),
        "--engine", "onnxruntime"));
    List<JsonNode> direct = lines(run("predict", "--hf", hf.toString(), "--file", texts.toString()));
    assertEquals(TEXTS.size(), tf.size());
    for (int t = 0; t < TEXTS.size(); t++) {
      assertEquals(TEXTS.get(t), tf.get(t).get("text").asText());
      assertTrue(LABELS.contains(tf.get(t).get("label").asText()));
      double sum = 0;
      for (int c = 0; c < LABELS.size(); c++) {
        double a = tf.get(t).get("labels").get(c).get("score").asDouble();
        sum += a;
        assertEquals(a, ort.get(t).get("labels").get(c).get("score").asDouble(), 1e-4, "TF vs ONNX Runtime");
        assertEquals(a, direct.get(t).get("labels").get(c).get("score").asDouble(), 1e-6, "--hf vs --bundle");
      }
      assertEquals(1.0, sum, 1e-4);
    }
    assertEquals(TEXTS.size(), lines(run("predict", "--bundle", runDir.toString(), "--file", texts.toString(),
        "--engine", "onnxruntime", "--precision", "int8")).size());

    Path exported = dir.resolve("xlmr-export");
    Run e = run("export", "--format", "hf", "--bundle", runDir.toString(), "--out", exported.toString());
    assertEquals(ExitCodes.OK, e.code(), e.err());
    JsonNode config = JSON.readTree(exported.resolve("config.json").toFile());
    assertEquals("xlm-roberta", config.get("model_type").asText());
    assertEquals("XLMRobertaForSequenceClassification", config.get("architectures").get(0).asText());
    List<JsonNode> again = lines(run("predict", "--hf", exported.toString(), "--file", texts.toString()));
    for (int t = 0; t < TEXTS.size(); t++) {
      assertEquals(tf.get(t).get("labels"), again.get(t).get("labels"), "export --format hf round trip");
    }
  }

  @Test
  void shouldPrintEntitiesWithCodePointSpansForAnElectraTokenClassifier() throws Exception {
    Path hf = hfDir("electra-ner", ModelFamily.ELECTRA, new TokenClassificationHead("ner", TAGS));
    List<JsonNode> tf = lines(run("predict", "--hf", hf.toString(), "--file", texts.toString()));
    List<JsonNode> ort = lines(run("predict", "--hf", hf.toString(), "--file", texts.toString(),
        "--engine", "onnxruntime"));
    int entities = 0;
    for (int t = 0; t < TEXTS.size(); t++) {
      String text = TEXTS.get(t);
      assertEquals(tf.get(t).get("entities").size(), ort.get(t).get("entities").size(), "both engines: " + ort);
      for (int k = 0; k < tf.get(t).get("entities").size(); k++) {
        JsonNode a = tf.get(t).get("entities").get(k);
        JsonNode b = ort.get(t).get("entities").get(k);
        for (String field : List.of("type", "start", "end", "text")) {
          assertEquals(a.get(field), b.get(field), "same entity on both engines");
        }
        assertEquals(a.get("score").asDouble(), b.get("score").asDouble(), 1e-4);
      }
      for (JsonNode en : tf.get(t).get("entities")) {
        int start = text.offsetByCodePoints(0, en.get("start").asInt());
        int end = text.offsetByCodePoints(0, en.get("end").asInt());
        assertEquals(text.substring(start, end), en.get("text").asText(), "span in code points");
        assertTrue(List.of("PER", "LOC").contains(en.get("type").asText()));
        entities++;
      }
    }
    assertTrue(entities > 0, "random weights with 5 tags find some entities: " + tf);
  }

  /**
   * A character-level SentencePiece Unigram tokenizer.json shaped as XLM-R's ({@code <s> <pad> </s> <unk>}, pieces,
   * {@code <mask>}; Metaspace; template {@code <s> A </s>}): every letter alone and after {@code ▁}.
   */
  static byte[] characterUnigram() throws Exception {
    com.fasterxml.jackson.databind.node.ObjectNode root = JSON.createObjectNode();
    root.put("version", "1.0");
    com.fasterxml.jackson.databind.node.ArrayNode vocab = JSON.createArrayNode();
    List<String> specials = List.of("<s>", "<pad>", "</s>", "<unk>");
    specials.forEach(t -> vocab.addArray().add(t).add(0.0));
    for (char c : "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray()) {
      vocab.addArray().add("\u2581" + c).add(-2.0);
      vocab.addArray().add(String.valueOf(c)).add(-3.0);
    }
    vocab.addArray().add("\u2581").add(-4.0);
    vocab.addArray().add("<mask>").add(0.0);
    com.fasterxml.jackson.databind.node.ArrayNode added = root.putArray("added_tokens");
    for (int id : new int[] {0, 1, 2, 3, vocab.size() - 1}) {
      added.addObject().put("id", id).put("content", vocab.get(id).get(0).asText()).put("single_word", false)
          .put("lstrip", id == vocab.size() - 1).put("rstrip", false).put("normalized", false).put("special", true);
    }
    root.putNull("normalizer");
    root.putObject("pre_tokenizer").put("type", "Metaspace").put("replacement", "\u2581")
        .put("prepend_scheme", "always").put("split", true);
    com.fasterxml.jackson.databind.node.ObjectNode post = root.putObject("post_processor");
    post.put("type", "TemplateProcessing");
    post.putArray("single").add(special("<s>")).add(sequence("A")).add(special("</s>"));
    post.putArray("pair").add(special("<s>")).add(sequence("A")).add(special("</s>")).add(special("</s>"))
        .add(sequence("B")).add(special("</s>"));
    com.fasterxml.jackson.databind.node.ObjectNode st = post.putObject("special_tokens");
    for (int id : new int[] {0, 2}) {
      String token = specials.get(id);
      com.fasterxml.jackson.databind.node.ObjectNode entry = st.putObject(token);
      entry.put("id", token);
      entry.putArray("ids").add(id);
      entry.putArray("tokens").add(token);
    }
    root.putObject("decoder").put("type", "Metaspace").put("replacement", "\u2581").put("prepend_scheme", "always")
        .put("split", true);
    com.fasterxml.jackson.databind.node.ObjectNode model = root.putObject("model");
    model.put("type", "Unigram").put("unk_id", 3).set("vocab", vocab);
    model.put("byte_fallback", false);
    return JSON.writeValueAsBytes(root);
  }

  private static com.fasterxml.jackson.databind.node.ObjectNode special(String id) {
    com.fasterxml.jackson.databind.node.ObjectNode o = JSON.createObjectNode();
    o.putObject("SpecialToken").put("id", id).put("type_id", 0);
    return o;
  }

  private static com.fasterxml.jackson.databind.node.ObjectNode sequence(String id) {
    com.fasterxml.jackson.databind.node.ObjectNode o = JSON.createObjectNode();
    o.putObject("Sequence").put("id", id).put("type_id", 0);
    return o;
  }

  @Test
  void shouldFineTuneAnXlmRobertaWithItsUnigramTokenizerAndServeItWithThatTokenizer() throws Exception {
    byte[] tokenizer = characterUnigram();
    int vocabSize = JSON.readTree(tokenizer).get("model").get("vocab").size();
    BertConfig cfg = new BertConfig(vocabSize, 32, 2, 2, 64, Activation.GELU_ERF, 0.1, 0.1, 66, 1, 0.02)
        .asFamily(ModelFamily.XLM_ROBERTA);
    HeadsSpec heads = HeadsSpec.NONE;
    Map<String, float[]> weights = randomWeights(cfg, heads, 11);
    Path hf = dir.resolve("xlmr-encoder");
    HuggingFaceExport.write(hf, cfg, weights, null, tokenizer, 1, false, 64, null, EmbeddingSpec.DEFAULT);
    Path data = dir.resolve("data-xlmr");
    DemoData.write(data, 64, 16, 1);
    Path runDir = dir.resolve("xlmr-ft");
    Run r = run("fine-tune", "--pretrained", hf.toString(),
        "--cls-train", data.resolve(DemoData.TOPICS_TRAIN).toString(),
        "--cls-dev", data.resolve(DemoData.TOPICS_DEV).toString(), "--lr", "1e-3", "--batch-size", "16",
        "--epochs", "2", "--max-length", "32", "--golden", "2", "--out", runDir.toString(), "--model-name", "xlmr",
        "--version", "1");
    assertEquals(ExitCodes.OK, r.code(), r.err());
    Path bundle = runDir.resolve(RunReport.BUNDLE_DIR);
    assertTrue(java.util.Arrays.equals(tokenizer, Files.readAllBytes(bundle.resolve("tokenizer.json"))),
        "the bundle carries the model's tokenizer.json");
    assertEquals("xlm-roberta", JSON.readTree(bundle.resolve("model.json").toFile()).get("bert_config")
        .get(BertConfig.MODEL_FAMILY_KEY).asText());
    List<JsonNode> tf = lines(run("predict", "--bundle", runDir.toString(), "--file", texts.toString()));
    List<JsonNode> ort = lines(run("predict", "--bundle", runDir.toString(), "--file", texts.toString(),
        "--engine", "onnxruntime"));
    for (int t = 0; t < TEXTS.size(); t++) {
      assertEquals(tf.get(t).get("label"), ort.get(t).get("label"));
      assertEquals(tf.get(t).get("score").asDouble(), ort.get(t).get("score").asDouble(), 1e-4);
    }
  }

  @Test
  void shouldServeTheNormalisedMeanPoolingOfASentenceTransformersXlmRoberta() throws Exception {
    byte[] tokenizer = characterUnigram();
    int vocabSize = JSON.readTree(tokenizer).get("model").get("vocab").size();
    BertConfig cfg = new BertConfig(vocabSize, 32, 2, 2, 64, Activation.GELU_ERF, 0.1, 0.1, 66, 1, 0.02)
        .asFamily(ModelFamily.XLM_ROBERTA);
    Map<String, float[]> weights = randomWeights(cfg, HeadsSpec.NONE, 13);
    Path hf = dir.resolve("xlmr-sentence");
    HuggingFaceExport.write(hf, cfg, weights, null, tokenizer, 1, false, 64, null,
        new EmbeddingSpec(org.streambert.bert.embeddings.EmbeddingPooling.MEAN, true));
    assertTrue(Files.exists(hf.resolve("modules.json")), "written as a sentence-transformers model");
    List<JsonNode> tf = lines(run("predict", "--hf", hf.toString(), "--file", texts.toString(), "--embedding"));
    // (mean pooling reads the sequence output, which the ONNX Runtime engine does not return: TensorFlow serves it)
    for (int t = 0; t < TEXTS.size(); t++) {
      JsonNode v = tf.get(t).get("embedding");
      assertEquals(32, v.size());
      double norm = 0;
      for (int i = 0; i < v.size(); i++) {
        norm += v.get(i).asDouble() * v.get(i).asDouble();
      }
      assertEquals(1.0, Math.sqrt(norm), 1e-4, "normalised as its Normalize module says");
    }
  }

  @Test
  void shouldFineTuneFromADistilBertClassifierDirectoryAndKeepItsFamily() throws Exception {
    Path hf = hfDir("distil-cls", ModelFamily.DISTILBERT, new ClassificationHead("sentiment", LABELS, false));
    Path data = dir.resolve("data");
    DemoData.write(data, 64, 16, 1);
    Path runDir = dir.resolve("distil-run");
    Run r = run("fine-tune", "--pretrained", hf.toString(),
        "--cls-train", data.resolve(DemoData.TOPICS_TRAIN).toString(),
        "--cls-dev", data.resolve(DemoData.TOPICS_DEV).toString(), "--lr", "1e-3", "--batch-size", "16",
        "--epochs", "1", "--max-length", "24", "--golden", "2", "--out", runDir.toString(), "--model-name", "distil",
        "--version", "1");
    assertEquals(ExitCodes.OK, r.code(), r.err());
    JsonNode bertConfig = JSON.readTree(runDir.resolve(RunReport.BUNDLE_DIR).resolve("model.json").toFile())
        .get("bert_config");
    assertEquals("distilbert", bertConfig.get(BertConfig.MODEL_FAMILY_KEY).asText());
    assertEquals("relu", bertConfig.get(BertConfig.HEAD_ACT_KEY).asText(), "pre_classifier + ReLU head");
    List<JsonNode> served = lines(run("predict", "--bundle", runDir.toString(), "--file", texts.toString()));
    assertFalse(served.get(0).get("label").asText().isBlank());
  }
}
