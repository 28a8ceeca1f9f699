package org.streambert.bert.weights;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.streambert.bert.bundle.BertBundles;
import org.streambert.bert.bundle.BundleIO;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.bundle.ModelDescriptor;
import org.streambert.bert.embeddings.EmbeddingSpec;
import org.streambert.bert.heads.ClassificationHead;
import org.streambert.bert.heads.HeadSpec;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.BertGraph;
import org.streambert.bert.model.BertModel;
import org.streambert.bert.model.BertSavedModel;
import org.streambert.bert.model.FiniteWeights;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.model.ModelFamily;
import org.streambert.bert.tokenizer.Vocab;
import org.streambert.bert.weights.internals.HfNames;
import org.streambert.bert.weights.internals.Safetensors;
import org.streambert.bert.embeddings.EmbeddingPooling;
import org.tensorflow.ndarray.Shape;

/**
 * Writes a bundle as a Hugging Face model directory that transformers' {@code from_pretrained} reads by construction:
 * its file names, {@code config.json} keys, parameter names and [out, in] layouts ({@link HfNames}; the reverse of
 * {@link HuggingFaceCheckpoint}, which reads the result back to the same weights).
 *
 * <pre>
 *   config.json              model_type of the config's family (bert, roberta, xlm-roberta, camembert, distilbert,
 *                            electra), architectures [&lt;Family&gt;Model | ...ForSequenceClassification |
 *                            ...ForTokenClassification], hidden_act gelu (exact) or gelu_new (tanh), id2label/label2id,
 *                            problem_type for a classifier, layer_norm_eps, RoBERTa's pad_token_id (position offset)
 *   model.safetensors        F32; encoder under bert./roberta./distilbert./electra. for heads (no prefix for the bare
 *                            model); classifier.weight [C|K, H], or RoBERTa/ELECTRA classifier.dense + out_proj,
 *                            DistilBERT pre_classifier + classifier
 *   vocab.txt, tokenizer_config.json (do_lower_case, model_max_length, BertTokenizer), special_tokens_map.json
 *   modules.json, sentence_bert_config.json, 1_Pooling/config.json [, 2_Normalize/]
 *                            only for a bundle whose embedding is mean/cls/max pooling: a sentence-transformers model
 * </pre>
 *
 * HF models have one head; a bundle with a classification and a token head exports one of them (named by the caller).
 * A token classification model carries no pooler (as HF's {@code BertForTokenClassification}).
 */
public final class HuggingFaceExport {

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private HuggingFaceExport() {}

  /**
   * Exports a verified bundle to {@code out} (which must not exist; written to a temporary sibling and renamed).
   *
   * @param head the head to export when the bundle has two (its name); may be null when it has at most one
   * @throws IllegalArgumentException when the bundle has two heads and {@code head} names neither, or {@code out} exists
   */
  public static void write(ModelBundle bundle, String head, Path out) throws IOException {
    ModelDescriptor model = bundle.model();
    BertConfig config = BertBundles.bertConfig(model);
    HeadSpec chosen = chooseHead(model, head);
    Map<String, float[]> weights;
    try (BertModel m = BertSavedModel.load(bundle.savedModelDir(), config, BertBundles.headsSpec(model))) {
      weights = m.weights();
    }
    if (bundle.tokenizerFile().isPresent()) {
      // RoBERTa's BPE, XLM-R's Unigram: the bundle's tokenizer.json is the tokenizer; vocab.txt only lists tokens
      int pad = config.family().offsetPositions() ? config.positionPaddingIdx() : 0;
      write(out, config, weights, null, Files.readAllBytes(bundle.tokenizerFile().get()), pad,
          model.tokenizer().doLowerCase(), model.tokenizer().maxLength(), chosen, BertBundles.embeddings(model));
      return;
    }
    write(out, config, weights, Vocab.load(bundle.vocabFile()), model.tokenizer().doLowerCase(),
        model.tokenizer().maxLength(), chosen, BertBundles.embeddings(model));
  }

  /**
   * Writes the directory from parts.
   *
   * @param weights every variable by Google name ({@link BertGraph} names), at least those of {@code config} and
   *                {@code head}
   * @param head    the head to export, or null for the encoder ({@code BertModel})
   */
  public static void write(Path out, BertConfig config, Map<String, float[]> weights, Vocab vocab,
      boolean lowerCase, int maxLength, HeadSpec head, EmbeddingSpec embeddings) throws IOException {
    write(out, config, weights, vocab, null, vocab.padId(), lowerCase, maxLength, head, embeddings);
  }

  /**
   * {@link #write(Path, BertConfig, Map, Vocab, boolean, int, HeadSpec, EmbeddingSpec)} with either a WordPiece
   * {@code vocab} (vocab.txt, BertTokenizer) or, for RoBERTa's BPE and XLM-R's Unigram, the bytes of the model's
   * {@code tokenizer.json} (written as is, with a tokenizer_config.json of the fast tokenizer).
   */
  public static void write(Path out, BertConfig config, Map<String, float[]> weights, Vocab vocab,
      byte[] tokenizerJson, int padId, boolean lowerCase, int maxLength, HeadSpec head, EmbeddingSpec embeddings)
      throws IOException {
    Objects.requireNonNull(out, "out");
    if ((vocab == null) == (tokenizerJson == null)) {
      throw new IllegalArgumentException("give a WordPiece vocabulary or a tokenizer.json, not both or neither");
    }
    Path target = out.toAbsolutePath().normalize();
    if (Files.exists(target)) {
      throw new IllegalArgumentException(target + " already exists; choose a new output directory");
    }
    Files.createDirectories(target.getParent());
    Path temp = Files.createTempDirectory(target.getParent(), "." + target.getFileName() + ".tmp-");
    try {
      HeadsSpec spec = head == null ? HeadsSpec.NONE
          : head instanceof ClassificationHead c ? new HeadsSpec(c.size(), c.multiLabel(), 0)
          : HeadsSpec.tokenClassification(head.size());
      ModelFamily family = config.family();
      String architecture = architecture(family, Optional.ofNullable(head));
      String prefix = head == null ? "" : family.hfPrefix();
      boolean sequenceHead = spec.hasClassHead();
      Map<String, float[]> tensors = new LinkedHashMap<>();
      Map<String, long[]> shapes = new LinkedHashMap<>();
      for (Map.Entry<String, Shape> v : BertGraph.variableShapes(config, spec).entrySet()) {
        String google = v.getKey();
        if (spec.hasTokenHead() && google.startsWith("bert/pooler/")) {
          continue; // ...ForTokenClassification has no pooler
        }
        float[] values = weights.get(google);
        if (values == null || values.length != v.getValue().size()) {
          throw new IllegalArgumentException("no weight " + google + " of shape " + v.getValue() + " to export");
        }
        FiniteWeights.require(google, values); // NonFiniteWeightException: a diverged model is not exported
        HfNames.Mapping m = HfNames.toHf(family, google, sequenceHead);
        if (m == null) {
          continue; // DistilBERT's token type row, the pooler DistilBERT and ELECTRA encoders do not have
        }
        String name = m.encoder() ? prefix + m.hfName() : m.hfName();
        long[] shape = v.getValue().asArray();
        if (m.transposed()) {
          values = transpose(values, (int) shape[0], (int) shape[1]);
          shape = new long[] {shape[1], shape[0]};
        }
        tensors.put(name, values);
        shapes.put(name, shape);
      }
      Safetensors.write(temp.resolve(HuggingFaceCheckpoint.WEIGHTS_FILE), tensors, shapes, Map.of("format", "pt"));
      writeJson(temp.resolve(HuggingFaceCheckpoint.CONFIG_FILE), config(config, architecture, head, padId));
      if (tokenizerJson != null) {
        Files.write(temp.resolve(HuggingFaceCheckpoint.TOKENIZER_FILE), tokenizerJson);
        ObjectNode tc = JSON.createObjectNode();
        tc.put("tokenizer_class", "PreTrainedTokenizerFast");
        tc.put("model_max_length", maxLength);
        writeJson(temp.resolve(HuggingFaceCheckpoint.TOKENIZER_CONFIG_FILE), tc);
      } else {
        StringBuilder vocabText = new StringBuilder();
        vocab.tokens().forEach(t -> vocabText.append(t).append('\n'));
        Files.writeString(temp.resolve(HuggingFaceCheckpoint.VOCAB_FILE), vocabText, StandardCharsets.UTF_8);
        writeJson(temp.resolve(HuggingFaceCheckpoint.TOKENIZER_CONFIG_FILE), tokenizerConfig(lowerCase, maxLength));
        writeJson(temp.resolve(HuggingFaceCheckpoint.SPECIAL_TOKENS_FILE), specialTokens());
      }
      if (head == null && embeddings != null && embeddings.pooling() != EmbeddingPooling.POOLED) {
        writeSentenceTransformers(temp, config, embeddings, lowerCase, maxLength);
      }
      BundleIO.fsyncTree(temp);
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
      BundleIO.fsyncDirectory(target.getParent());
    } catch (IOException | RuntimeException | Error e) {
      try {
        BundleIO.deleteRecursively(temp);
      } catch (IOException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
  }

  private static HeadSpec chooseHead(ModelDescriptor model, String head) {
    List<HeadSpec> heads = model.heads();
    if (head != null) {
      return heads.stream().filter(h -> h.name().equals(head)).findFirst().orElseThrow(() ->
          new IllegalArgumentException("bundle " + model.name() + " has no head '" + head + "' (heads: "
              + heads.stream().map(HeadSpec::name).toList() + ")"));
    }
    if (heads.size() > 1) {
      throw new IllegalArgumentException("bundle " + model.name() + " has " + heads.size() + " heads "
          + heads.stream().map(HeadSpec::name).toList() + "; a Hugging Face model has one: name the one to export");
    }
    return heads.isEmpty() ? null : heads.get(0);
  }

  private static ObjectNode config(BertConfig c, String architecture, HeadSpec head, int padId) {
    ObjectNode o = JSON.createObjectNode();
    o.putArray("architectures").add(architecture);
    o.put("model_type", c.family().hfModelType());
    if (c.family() == ModelFamily.DISTILBERT) {
      // configuration_distilbert.py's names
      o.put("activation", HuggingFaceCheckpoint.hfActivationName(c.hiddenAct()));
      o.put("attention_dropout", c.attentionProbsDropoutProb());
      o.put("dim", c.hiddenSize());
      o.put("dropout", c.hiddenDropoutProb());
      o.put("hidden_dim", c.intermediateSize());
      o.put("initializer_range", c.initializerRange());
      o.put("max_position_embeddings", c.maxPositionEmbeddings());
      o.put("n_heads", c.numAttentionHeads());
      o.put("n_layers", c.numHiddenLayers());
      o.put("pad_token_id", padId);
      o.put("qa_dropout", 0.1);
      o.put("seq_classif_dropout", 0.2);
      o.put("sinusoidal_pos_embds", false);
      o.put("torch_dtype", "float32");
      o.put("vocab_size", c.vocabSize());
      labels(o, head);
      return o;
    }
    o.put("attention_probs_dropout_prob", c.attentionProbsDropoutProb());
    o.putNull("classifier_dropout");
    if (c.family() == ModelFamily.ELECTRA) {
      o.put("embedding_size", c.embeddingSize());
    }
    o.put("hidden_act", HuggingFaceCheckpoint.hfActivationName(c.hiddenAct()));
    o.put("hidden_dropout_prob", c.hiddenDropoutProb());
    o.put("hidden_size", c.hiddenSize());
    o.put("initializer_range", c.initializerRange());
    o.put("intermediate_size", c.intermediateSize());
    o.put("layer_norm_eps", c.layerNormEps());
    o.put("max_position_embeddings", c.maxPositionEmbeddings());
    o.put("num_attention_heads", c.numAttentionHeads());
    o.put("num_hidden_layers", c.numHiddenLayers());
    // RoBERTa's position ids start after pad_token_id, so it must be the config's padding index
    o.put("pad_token_id", c.family().offsetPositions() ? c.positionPaddingIdx() : padId);
    o.put("position_embedding_type", "absolute");
    o.put("torch_dtype", "float32");
    o.put("type_vocab_size", c.typeVocabSize());
    o.put("use_cache", true);
    o.put("vocab_size", c.vocabSize());
    labels(o, head);
    return o;
  }

  private static void labels(ObjectNode o, HeadSpec head) {
    if (head != null) {
      ObjectNode id2label = o.putObject("id2label");
      ObjectNode label2id = o.putObject("label2id");
      for (int i = 0; i < head.labels().size(); i++) {
        id2label.put(Integer.toString(i), head.labels().get(i));
        label2id.put(head.labels().get(i), i);
      }
      if (head instanceof ClassificationHead ch) {
        o.put("problem_type", ch.multiLabel() ? "multi_label_classification" : "single_label_classification");
      }
    }
  }

  private static ObjectNode tokenizerConfig(boolean lowerCase, int maxLength) {
    ObjectNode o = JSON.createObjectNode();
    o.put("tokenizer_class", "BertTokenizer");
    o.put("do_lower_case", lowerCase);
    o.put("tokenize_chinese_chars", true);
    o.putNull("strip_accents"); // follows do_lower_case, as tokenization.py
    o.put("model_max_length", maxLength);
    o.put("clean_up_tokenization_spaces", true);
    specialTokens().fields().forEachRemaining(e -> o.set(e.getKey(), e.getValue()));
    return o;
  }

  private static ObjectNode specialTokens() {
    ObjectNode o = JSON.createObjectNode();
    o.put("cls_token", Vocab.CLS);
    o.put("mask_token", Vocab.MASK);
    o.put("pad_token", Vocab.PAD);
    o.put("sep_token", Vocab.SEP);
    o.put("unk_token", Vocab.UNK);
    return o;
  }

  private static void writeSentenceTransformers(Path dir, BertConfig config, EmbeddingSpec embeddings,
      boolean lowerCase, int maxLength) throws IOException {
    ArrayNode modules = JSON.createArrayNode();
    modules.addObject().put("idx", 0).put("name", "0").put("path", "")
        .put("type", "sentence_transformers.models.Transformer");
    modules.addObject().put("idx", 1).put("name", "1").put("path", "1_Pooling")
        .put("type", "sentence_transformers.models.Pooling");
    if (embeddings.normalize()) {
      modules.addObject().put("idx", 2).put("name", "2").put("path", "2_Normalize")
          .put("type", "sentence_transformers.models.Normalize");
      Files.createDirectories(dir.resolve("2_Normalize"));
    }
    writeJson(dir.resolve(HuggingFaceCheckpoint.ST_MODULES_FILE), modules);
    ObjectNode st = JSON.createObjectNode();
    st.put("max_seq_length", maxLength);
    st.put("do_lower_case", lowerCase);
    writeJson(dir.resolve(HuggingFaceCheckpoint.ST_CONFIG_FILE), st);
    ObjectNode pooling = JSON.createObjectNode();
    pooling.put("word_embedding_dimension", config.hiddenSize());
    pooling.put("pooling_mode_cls_token", embeddings.pooling() == EmbeddingPooling.CLS);
    pooling.put("pooling_mode_mean_tokens", embeddings.pooling() == EmbeddingPooling.MEAN);
    pooling.put("pooling_mode_max_tokens", embeddings.pooling() == EmbeddingPooling.MAX);
    pooling.put("pooling_mode_mean_sqrt_len_tokens", false);
    Files.createDirectories(dir.resolve("1_Pooling"));
    writeJson(dir.resolve("1_Pooling").resolve(HuggingFaceCheckpoint.CONFIG_FILE), pooling);
  }

  private static void writeJson(Path file, Object node) throws IOException {
    Files.write(file, JSON.writeValueAsBytes(node));
  }

  private static float[] transpose(float[] v, int rows, int cols) {
    float[] t = new float[v.length];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        t[c * rows + r] = v[r * cols + c];
      }
    }
    return t;
  }

  /** The export's architecture for a head ({@code BertModel} for none): for messages and tests. */
  public static String architecture(Optional<HeadSpec> head) {
    return architecture(ModelFamily.BERT, head);
  }

  /** The export's architecture for a head of {@code family} ({@code RobertaModel} for none, ...). */
  public static String architecture(ModelFamily family, Optional<HeadSpec> head) {
    String base = family.hfClassPrefix();
    return head.isEmpty() ? base + "Model"
        : head.get() instanceof ClassificationHead ? base + "ForSequenceClassification"
        : base + "ForTokenClassification";
  }
}
