package org.streambert.bert.weights;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.streambert.bert.embeddings.EmbeddingPooling;
import org.streambert.bert.embeddings.EmbeddingSpec;
import org.streambert.bert.model.Activation;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.BertGraph;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.model.ModelFamily;
import org.streambert.bert.model.WeightSource;
import org.streambert.bert.model.internals.TensorData;
import org.streambert.bert.model.internals.Layers;
import org.streambert.bert.tokenizer.TextTokenizers;
import org.streambert.bert.tokenizer.TokenizerKind;
import org.streambert.bert.tokenizer.Vocab;
import org.streambert.bert.weights.internals.HfFiles;
import org.streambert.bert.weights.internals.HfNames;
import org.streambert.bert.weights.internals.HfNames.Mapping;
import org.streambert.bert.weights.internals.Safetensors;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * A Hugging Face model directory as {@code save_pretrained} writes it: {@code config.json}, {@code model.safetensors},
 * {@code vocab.txt} and/or {@code tokenizer.json}, {@code tokenizer_config.json}, and for sentence-transformers models
 * {@code modules.json} with its pooling module. Reads the {@code model_type}s {@code bert} (MiniLM and
 * sentence-transformers BERT models too), {@code roberta}, {@code xlm-roberta}, {@code camembert}, {@code distilbert}
 * and {@code electra}, each as {@code <Family>Model}, {@code ...ForSequenceClassification},
 * {@code ...ForTokenClassification}, {@code ...ForQuestionAnswering} and the {@code ...ForMaskedLM}/
 * {@code ...ForPreTraining} encoders; the config's family options ({@code BertConfig#family()}) rebuild each family's
 * graph. Weights are
 * served by this project's names ({@link WeightSource}, names mapped and dense kernels transposed by
 * {@link HfNames}).
 *
 * <p>Everything is attacker input. {@link #open} refuses {@code pytorch_model.bin} (pickle: code runs on loading) with
 * how to convert it, bounds every file (see {@link HfFiles}, {@link Safetensors}), maps {@code hidden_act} with HF's
 * meaning ({@code gelu} is the exact erf GELU there, {@code gelu_new} the tanh one), and checks every tensor the graph
 * needs against the config (present, float dtype, shape) before anything is allocated; errors are
 * {@link IllegalArgumentException}s naming the file and the tensor.
 *
 * <p>Owns the open safetensors file; {@link #close()} releases it. Thread-safe.
 */
public final class HuggingFaceCheckpoint implements WeightSource {
  public static final String CONFIG_FILE = "config.json";
  public static final String WEIGHTS_FILE = "model.safetensors";
  public static final String VOCAB_FILE = "vocab.txt";
  public static final String TOKENIZER_FILE = "tokenizer.json";
  public static final String TOKENIZER_CONFIG_FILE = "tokenizer_config.json";
  public static final String SPECIAL_TOKENS_FILE = "special_tokens_map.json";
  /** sentence-transformers: the modules of the pipeline. */
  public static final String ST_MODULES_FILE = "modules.json";
  /** sentence-transformers: {@code max_seq_length} and casing of the Transformer module. */
  public static final String ST_CONFIG_FILE = "sentence_bert_config.json";

  /** Largest value accepted per config field (far above any BERT; the weights must match anyway). */
  static final int MAX_VOCAB = 1_000_000;
  static final int MAX_HIDDEN = 8_192;
  static final int MAX_LAYERS = 128;
  static final int MAX_HEADS = 256;
  static final int MAX_INTERMEDIATE = 65_536;
  static final int MAX_POSITIONS = 65_536;
  static final int MAX_TYPES = 1_024;
  /** Most labels of a head from {@code id2label}. */
  public static final int MAX_LABELS = 10_000;

  /** What the checkpoint's architecture puts on top of the encoder. */
  public enum Task {
    /** Encoder (and pooler) only: {@code BertModel}, MLM/pre-training checkpoints, sentence-transformers models. */
    ENCODER,
    /** {@code BertForSequenceClassification}: a classification head on the pooled output. */
    SEQUENCE_CLASSIFICATION,
    /** {@code BertForTokenClassification}: a token head on the sequence output. */
    TOKEN_CLASSIFICATION,
    /** {@code BertForQuestionAnswering}: start/end logits ({@code cls/squad/*} here). */
    QUESTION_ANSWERING
  }

  private final Path dir;
  private final Safetensors.Reader weights;
  private final ModelFamily family;
  private final String prefix;
  private final String architecture;
  private final Task task;
  private final BertConfig config;
  private final List<String> labels;
  private final boolean multiLabel;
  private final Vocab vocab;
  private final List<String> tokens;
  private final byte[] tokenizerJson;
  private final boolean lowerCase;
  private final int maxLength;
  private final Optional<EmbeddingSpec> embeddings;
  private final Set<String> freshWeights;

  private HuggingFaceCheckpoint(Path dir, Safetensors.Reader weights, ModelFamily family, String prefix,
      String architecture, Task task, BertConfig config, List<String> labels, boolean multiLabel, Vocab vocab,
      List<String> tokens, byte[] tokenizerJson, boolean lowerCase, int maxLength, Optional<EmbeddingSpec> embeddings, Set<String> freshWeights) {
    this.dir = dir;
    this.weights = weights;
    this.family = family;
    this.prefix = prefix;
    this.architecture = architecture;
    this.task = task;
    this.config = config;
    this.labels = labels;
    this.multiLabel = multiLabel;
    this.vocab = vocab;
    this.tokens = tokens;
    this.tokenizerJson = tokenizerJson;
    this.lowerCase = lowerCase;
    this.maxLength = maxLength;
    this.embeddings = embeddings;
    this.freshWeights = freshWeights;
  }

  /**
   * A tokenizer file on its own (e.g. beside an ONNX export): its vocabulary, casing when it says, and WordPiece's
   * longest word.
   */
  public record TokenizerFile(Vocab vocab, Optional<Boolean> lowerCase, int maxInputCharsPerWord) {}

  /**
   * Reads a {@code tokenizer.json} (WordPiece only; any other model type is refused naming it) or, for any other file
   * name, a {@code vocab.txt} (casing unknown, WordPiece's default longest word of 100 characters). Bounded as
   * {@link #open}.
   */
  public static TokenizerFile readTokenizer(Path file) throws IOException {
    if (file.getFileName().toString().endsWith(".json")) {
      HfFiles.TokenizerJson t = HfFiles.readTokenizerJson(file);
      return new TokenizerFile(t.vocab(), t.lowercase(), t.maxInputCharsPerWord());
    }
    return new TokenizerFile(HfFiles.readVocabTxt(file), Optional.empty(), 100);
  }

  /** Whether {@code dir} looks like a Hugging Face model directory (has {@code config.json}). */
  public static boolean isHuggingFaceDir(Path dir) {
    return Files.isDirectory(dir) && Files.isRegularFile(dir.resolve(CONFIG_FILE));
  }

  /**
   * Opens and validates a model directory.
   *
   * @throws IllegalArgumentException naming the file (and tensor or key) for anything missing, refused, out of bounds
   *                                  or not matching the config
   */
  public static HuggingFaceCheckpoint open(Path dir) throws IOException {
    Objects.requireNonNull(dir, "dir");
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException(dir + " is not a directory");
    }
    Path configFile = HfFiles.file(dir, CONFIG_FILE).orElseThrow(() -> new IllegalArgumentException(
        dir + " has no " + CONFIG_FILE + " (not a Hugging Face model directory)"));
    Optional<Path> weightsFile = HfFiles.file(dir, WEIGHTS_FILE);
    if (weightsFile.isEmpty()) {
      throw new IllegalArgumentException(refusalWithoutSafetensors(dir));
    }
    JsonNode cfg = HfFiles.readJsonObject(configFile, HfFiles.MAX_JSON_BYTES);
    String modelType = HfFiles.strictText(configFile, cfg, "model_type").orElse("bert").toLowerCase(Locale.ROOT);
    ModelFamily family = switch (modelType) {
      case "bert" -> ModelFamily.BERT;
      case "distilbert" -> ModelFamily.DISTILBERT;
      case "roberta" -> ModelFamily.ROBERTA;
      case "xlm-roberta" -> ModelFamily.XLM_ROBERTA;
      case "camembert" -> ModelFamily.CAMEMBERT;
      case "electra" -> ModelFamily.ELECTRA;
      default -> throw new IllegalArgumentException(configFile + ": model_type \"" + HfFiles.printable(modelType)
          + "\" is not supported; " + outOfScope(modelType));
    };
    List<String> architectures = HfFiles.texts(cfg, "architectures");
    String architecture = architectures.isEmpty() ? family.hfClassPrefix() + "Model" : architectures.get(0);
    Task task = task(configFile, family, architecture);
    BertConfig config = family == ModelFamily.DISTILBERT ? distilbertConfig(configFile, cfg)
        : bertConfig(configFile, cfg, family);

    List<String> labels = List.of();
    boolean multiLabel = false;
    if (task == Task.SEQUENCE_CLASSIFICATION || task == Task.TOKEN_CLASSIFICATION) {
      labels = labels(configFile, cfg);
      multiLabel = task == Task.SEQUENCE_CLASSIFICATION
          && HfFiles.strictText(configFile, cfg, "problem_type").orElse("").equals("multi_label_classification");
    }

    // Tokenizer: a tokenizer.json that is not BERT's WordPiece pipeline (RoBERTa's byte-level BPE, XLM-R's and
    // CamemBERT's Unigram) is the tokenizer, carried into the bundle whole; otherwise vocab.txt wins when both are
    // present (it is what BertTokenizer reads), tokenizer.json's WordPiece vocabulary otherwise.
    Optional<Path> vocabTxt = HfFiles.file(dir, VOCAB_FILE);
    Optional<Path> tokenizerJson = HfFiles.file(dir, TOKENIZER_FILE);
    Vocab vocab = null;
    List<String> tokens;
    byte[] tokenizerBytes = null;
    Optional<Boolean> jsonLower = Optional.empty();
    TextTokenizers.TokenizerInfo info = tokenizerJson.isPresent() ? TextTokenizers.describe(tokenizerJson.get())
        : null;
    if (info != null && info.kind() != TokenizerKind.WORD_PIECE) {
      if (info.vocabSize() > config.vocabSize()) {
        throw new IllegalArgumentException(dir + ": " + TOKENIZER_FILE + " uses ids up to " + (info.vocabSize() - 1)
            + " but " + CONFIG_FILE + " vocab_size is " + config.vocabSize());
      }
      tokenizerBytes = Files.readAllBytes(tokenizerJson.get()); // bounded by describe (TokenizerJsonReader)
      tokens = tokenList(tokenizerJson.get(), tokenizerBytes, config.vocabSize());
    } else {
      if (tokenizerJson.isPresent()) {
        HfFiles.TokenizerJson t = HfFiles.readTokenizerJson(tokenizerJson.get());
        jsonLower = t.lowercase();
        vocab = vocabTxt.isPresent() ? HfFiles.readVocabTxt(vocabTxt.get()) : t.vocab();
        if (vocabTxt.isPresent() && !vocab.tokens().equals(t.vocab().tokens())) {
          throw new IllegalArgumentException(dir + ": " + VOCAB_FILE + " and " + TOKENIZER_FILE
              + " hold different vocabularies");
        }
      } else if (vocabTxt.isPresent()) {
        vocab = HfFiles.readVocabTxt(vocabTxt.get());
      } else {
        throw new IllegalArgumentException(dir + " has neither " + VOCAB_FILE + " nor " + TOKENIZER_FILE);
      }
      if (vocab.size() != config.vocabSize()) {
        throw new IllegalArgumentException(dir + ": the vocabulary has " + vocab.size() + " entries but "
            + CONFIG_FILE + " vocab_size is " + config.vocabSize());
      }
      tokens = vocab.tokens();
    }
    Optional<JsonNode> tokenizerConfig = optionalJson(dir, TOKENIZER_CONFIG_FILE);
    Optional<JsonNode> stConfig = optionalJson(dir, ST_CONFIG_FILE);
    boolean lowerCase = tokenizerBytes == null && casing(dir, tokenizerConfig, stConfig, jsonLower);
    int maxLength = maxLength(config, tokenizerConfig, stConfig);
    Optional<EmbeddingSpec> embeddings = sentenceTransformersPooling(dir, config.hiddenSize());

    Safetensors.Reader reader = Safetensors.Reader.open(weightsFile.get());
    try {
      String prefix = prefix(reader, family);
      HuggingFaceCheckpoint ckpt = new HuggingFaceCheckpoint(dir, reader, family, prefix, architecture, task, config,
          labels, multiLabel, vocab, tokens, tokenizerBytes, lowerCase, maxLength, embeddings,
          new LinkedHashSet<>());
      ckpt.validate();
      return ckpt;
    } catch (RuntimeException | Error e) {
      reader.close();
      throw e;
    }
  }

  /** The directory. */
  public Path dir() {
    return dir;
  }

  /** {@code architectures[0]} of {@code config.json} (or the family's base model when absent). */
  public String architecture() {
    return architecture;
  }

  public Task task() {
    return task;
  }

  /** The encoder's config (Google's fields; {@code hidden_act} already mapped with HF's meaning). */
  public BertConfig config() {
    return config;
  }

  /**
   * The graph outputs this checkpoint's head needs: a classification or token head of {@link #labels()}; none for
   * encoders and question answering (whose {@code cls/squad/*} weights are read separately).
   */
  public HeadsSpec heads() {
    return switch (task) {
      case SEQUENCE_CLASSIFICATION -> new HeadsSpec(labels.size(), multiLabel, 0);
      case TOKEN_CLASSIFICATION -> HeadsSpec.tokenClassification(labels.size());
      default -> HeadsSpec.NONE;
    };
  }

  /** The head's labels in output order ({@code id2label} by id); empty for encoders and question answering. */
  public List<String> labels() {
    return labels;
  }

  /** Whether the classification head is multi-label ({@code problem_type = multi_label_classification}). */
  public boolean multiLabel() {
    return multiLabel;
  }

  /**
   * The WordPiece vocabulary.
   *
   * @throws IllegalStateException for a model whose tokenizer is a {@code tokenizer.json} of another kind (see
   *                               {@link #tokenizerJson()}, {@link #tokens()})
   */
  public Vocab vocab() {
    if (vocab == null) {
      throw new IllegalStateException(dir + ": the tokenizer is " + TOKENIZER_FILE + " (not WordPiece); use "
          + "tokens() and tokenizerJson()");
    }
    return vocab;
  }

  /** Every token in id order, {@code vocab_size} of them (ids the tokenizer does not use read {@code [unused<id>]}). */
  public List<String> tokens() {
    return tokens;
  }

  /**
   * The bytes of the directory's {@code tokenizer.json} when it is the tokenizer (byte-level BPE, Unigram: not
   * BERT's WordPiece pipeline); empty for a WordPiece model.
   */
  public Optional<byte[]> tokenizerJson() {
    return Optional.ofNullable(tokenizerJson).map(byte[]::clone);
  }

  /** The tokenizer's lower-casing (see {@link #open}: tokenizer_config.json, then tokenizer.json's normalizer). */
  public boolean lowerCase() {
    return lowerCase;
  }

  /**
   * The sequence length to serve with: sentence-transformers' {@code max_seq_length}, else the tokenizer's
   * {@code model_max_length}, else 128; never above {@code max_position_embeddings}.
   */
  public int maxLength() {
    return maxLength;
  }

  /** A sentence-transformers model's pooling (and normalisation), when the directory holds its modules. */
  public Optional<EmbeddingSpec> embeddings() {
    return embeddings;
  }

  /**
   * Graph weights the file does not have and that start fresh (e.g. the pooler of a token classification or MLM
   * checkpoint, saved without one); the caller fills them, e.g. with {@link WeightSource#random}.
   */
  public Set<String> freshWeights() {
    return Set.copyOf(freshWeights);
  }

  /** Tensor names in the file that no graph weight reads (other heads, buffers such as position_ids). */
  public List<String> unusedTensors() {
    Set<String> used = new LinkedHashSet<>();
    for (String google : expectedShapes().keySet()) {
      Mapping m = HfNames.toHf(family, google, sequenceHead());
      if (m != null) {
        used.add(fileName(m));
        String legacy = HfNames.legacyLayerNormName(fileName(m));
        if (legacy != null) {
          used.add(legacy);
        }
      }
    }
    return weights.entries().keySet().stream().filter(n -> !used.contains(n)).toList();
  }

  @Override
  public Optional<TFloat32> read(String name, Shape expectedShape) {
    if (family == ModelFamily.DISTILBERT && name.equals("bert/embeddings/token_type_embeddings")) {
      return Optional.of(TensorData.floats(expectedShape, new float[(int) expectedShape.size()])); // no segments
    }
    if ((name.startsWith("cls_head/") && task != Task.SEQUENCE_CLASSIFICATION)
        || (name.startsWith("token_head/") && task != Task.TOKEN_CLASSIFICATION)
        || (name.startsWith("cls/squad/") && task != Task.QUESTION_ANSWERING)) {
      return Optional.empty(); // HF's classifier.* is one head: serve it only as the head it is
    }
    Mapping m = HfNames.toHf(family, name, sequenceHead());
    if (m == null) {
      return Optional.empty();
    }
    Optional<Safetensors.Entry> entry = find(m);
    if (entry.isEmpty()) {
      return Optional.empty();
    }
    Safetensors.Entry e = entry.get();
    checkShape(e, name, expectedShape, m.transposed());
    float[] values;
    try {
      values = weights.readFloats(e.name());
    } catch (IOException ex) {
      throw new UncheckedIOException("cannot read tensor " + e.name() + " of " + weights.file(), ex);
    }
    if (m.transposed()) {
      values = transpose(values, (int) e.shape()[0], (int) e.shape()[1]); // [out, in] -> [in, out]
    }
    return Optional.of(TensorData.floats(expectedShape, values));
  }

  @Override
  public void close() {
    try {
      weights.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String toString() {
    return "Hugging Face " + architecture + " at " + dir;
  }

  /** Names and shapes of every graph weight this checkpoint supplies (encoder, pooler, its head). */
  Map<String, Shape> expectedShapes() {
    Map<String, Shape> shapes = new LinkedHashMap<>(BertGraph.variableShapes(config, heads()));
    if (task == Task.QUESTION_ANSWERING) {
      shapes.put("cls/squad/output_weights", Shape.of(2, config.hiddenSize()));
      shapes.put("cls/squad/output_bias", Shape.of(2));
    }
    return shapes;
  }

  /** Every expected tensor present (or allowed fresh), float, with the config's shape. */
  private void validate() {
    for (Map.Entry<String, Shape> w : expectedShapes().entrySet()) {
      String google = w.getKey();
      Mapping m = HfNames.toHf(family, google, sequenceHead());
      if (m == null) {
        if (!(family == ModelFamily.DISTILBERT && google.equals("bert/embeddings/token_type_embeddings"))) {
          freshWeights.add(google); // the pooler of DistilBERT and ELECTRA encoders
        }
        continue;
      }
      Optional<Safetensors.Entry> e = find(m);
      if (e.isEmpty()) {
        if (google.startsWith("bert/pooler/") && !(sequenceHead() && family != ModelFamily.BERT)) {
          freshWeights.add(google); // ...ForTokenClassification/QA/MaskedLM save no pooler
          continue;
        }
        throw new IllegalArgumentException(weights.file() + ": no tensor " + fileName(m) + " (" + architecture
            + " with " + config.numHiddenLayers() + " layers needs it for " + google + ")");
      }
      if (!e.get().dtype().isFloat()) {
        throw new IllegalArgumentException(weights.file() + ": tensor " + e.get().name() + " has dtype "
            + e.get().dtype() + "; weights must be F32, F16 or BF16");
      }
      checkShape(e.get(), google, w.getValue(), m.transposed()); // a classifier of another size than id2label too
    }
  }

  private void checkShape(Safetensors.Entry e, String google, Shape expected, boolean transposed) {
    long[] want = expected.asArray();
    if (transposed) {
      want = new long[] {want[1], want[0]};
    }
    if (!java.util.Arrays.equals(e.shape(), want)) {
      throw new IllegalArgumentException(weights.file() + ": tensor " + e.name() + " has shape " + e.shapeString()
          + ", but " + CONFIG_FILE + " (" + architecture + ", hidden " + config.hiddenSize() + ", vocab "
          + config.vocabSize() + (labels.isEmpty() ? "" : ", " + labels.size() + " labels") + ") needs "
          + java.util.Arrays.toString(want) + " for " + google);
    }
  }

  private boolean sequenceHead() {
    return task == Task.SEQUENCE_CLASSIFICATION;
  }

  /** The model family ({@code model_type}) of the directory. */
  public ModelFamily family() {
    return family;
  }

  private Optional<Safetensors.Entry> find(Mapping m) {
    String name = fileName(m);
    Optional<Safetensors.Entry> e = weights.entry(name);
    if (e.isEmpty()) {
      String legacy = HfNames.legacyLayerNormName(name);
      if (legacy != null) {
        e = weights.entry(legacy);
      }
    }
    return e;
  }

  private String fileName(Mapping m) {
    return m.encoder() ? prefix + m.hfName() : m.hfName();
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

  private static String prefix(Safetensors.Reader reader, ModelFamily family) {
    String familyPrefix = family.hfPrefix();
    String word = "embeddings.word_embeddings.weight";
    if (reader.entry(familyPrefix + word).isPresent()) {
      return familyPrefix;
    }
    if (reader.entry(word).isPresent()) {
      return "";
    }
    throw new IllegalArgumentException(reader.file() + ": no tensor " + word + " (with or without the "
        + familyPrefix + " prefix): not a " + family.hfModelType() + " checkpoint");
  }

  private static Task task(Path configFile, ModelFamily family, String architecture) {
    String base = family.hfClassPrefix();
    if (architecture.equals(base + "Model") || architecture.equals(base + "ForMaskedLM")
        || architecture.equals(base + "ForPreTraining")) {
      return Task.ENCODER; // ElectraForPreTraining: the discriminator, its prediction head ignored
    }
    if (architecture.equals(base + "ForSequenceClassification")) {
      return Task.SEQUENCE_CLASSIFICATION;
    }
    if (architecture.equals(base + "ForTokenClassification")) {
      return Task.TOKEN_CLASSIFICATION;
    }
    if (architecture.equals(base + "ForQuestionAnswering")) {
      return Task.QUESTION_ANSWERING;
    }
    throw new IllegalArgumentException(configFile + ": architecture \"" + HfFiles.printable(architecture)
        + "\" is not supported for model_type " + family.hfModelType() + "; accepted: " + base + "Model, " + base
        + "ForSequenceClassification, " + base + "ForTokenClassification, " + base + "ForQuestionAnswering, " + base
        + "ForMaskedLM, " + base + "ForPreTraining (the encoder)");
  }

  /**
   * BERT, RoBERTa (XLM-R, CamemBERT) and ELECTRA configs: BERT's keys, {@code layer_norm_eps}, RoBERTa's
   * {@code pad_token_id} as the position offset, ELECTRA's {@code embedding_size}; defaults as in transformers'
   * configuration classes.
   */
  private static BertConfig bertConfig(Path file, JsonNode cfg, ModelFamily family) {
    refuseTrue(file, cfg, "is_decoder", "a decoder (causal attention) is not BERT's encoder");
    refuseTrue(file, cfg, "add_cross_attention", "cross-attention layers are not in this graph");
    String positions = HfFiles.strictText(file, cfg, "position_embedding_type").orElse("absolute");
    if (!positions.equals("absolute")) {
      throw new IllegalArgumentException(file + ": position_embedding_type \"" + HfFiles.printable(positions)
          + "\" is not supported (only absolute position embeddings)");
    }
    boolean roberta = family.offsetPositions();
    int hidden = bounded(file, cfg, "hidden_size", family == ModelFamily.ELECTRA ? 256 : 768, MAX_HIDDEN);
    int maxPositions = bounded(file, cfg, "max_position_embeddings", roberta ? 514 : 512, MAX_POSITIONS);
    BertConfig base = new BertConfig(
        bounded(file, cfg, "vocab_size", null, MAX_VOCAB),
        hidden,
        bounded(file, cfg, "num_hidden_layers", 12, MAX_LAYERS),
        bounded(file, cfg, "num_attention_heads", 12, MAX_HEADS),
        bounded(file, cfg, "intermediate_size", 3072, MAX_INTERMEDIATE),
        activation(file, HfFiles.strictText(file, cfg, "hidden_act").orElse("gelu"), "hidden_act"),
        probability(file, cfg, "hidden_dropout_prob", 0.1),
        probability(file, cfg, "attention_probs_dropout_prob", 0.1),
        maxPositions,
        bounded(file, cfg, "type_vocab_size", roberta ? 1 : 2, MAX_TYPES),
        positiveDouble(file, cfg, "initializer_range", 0.02)).asFamily(family);
    double eps = layerNormEps(file, cfg, base.layerNormEps());
    int paddingIdx = base.positionPaddingIdx();
    if (roberta) {
      JsonNode pad = cfg.get("pad_token_id");
      paddingIdx = pad == null || pad.isNull() ? BertConfig.ROBERTA_PADDING_IDX : pad.isIntegralNumber()
          && pad.canConvertToInt() && pad.intValue() >= 0 && pad.intValue() < maxPositions - 1 ? pad.intValue() : -2;
      if (paddingIdx == -2) {
        throw new IllegalArgumentException(file + ": pad_token_id must be an integer in [0, max_position_embeddings"
            + " - 1), got " + pad + " (RoBERTa's position ids start after it)");
      }
    }
    int embedding = family == ModelFamily.ELECTRA ? bounded(file, cfg, "embedding_size", 128, MAX_HIDDEN) : hidden;
    return base.withOptions(family, eps, paddingIdx, embedding, base.headAct());
  }

  private static BertConfig distilbertConfig(Path file, JsonNode cfg) {
    checkLayerNormEps(file, cfg, "layer_norm_eps");
    return new BertConfig(
        bounded(file, cfg, "vocab_size", null, MAX_VOCAB),
        bounded(file, cfg, "dim", 768, MAX_HIDDEN),
        bounded(file, cfg, "n_layers", 6, MAX_LAYERS),
        bounded(file, cfg, "n_heads", 12, MAX_HEADS),
        bounded(file, cfg, "hidden_dim", 3072, MAX_INTERMEDIATE),
        activation(file, HfFiles.strictText(file, cfg, "activation").orElse("gelu"), "activation"),
        probability(file, cfg, "dropout", 0.1),
        probability(file, cfg, "attention_dropout", 0.1),
        bounded(file, cfg, "max_position_embeddings", 512, MAX_POSITIONS),
        1, // no token type table: one zero row
        positiveDouble(file, cfg, "initializer_range", 0.02)).asFamily(ModelFamily.DISTILBERT);
  }

  /**
   * {@code hidden_act} with Hugging Face's meaning (transformers' ACT2FN): {@code gelu} is the exact erf GELU;
   * {@code gelu_new}, {@code gelu_pytorch_tanh}, {@code gelu_fast} the tanh approximation.
   */
  public static Activation activation(Path file, String name, String key) {
    return switch (name) {
      case "gelu", "gelu_python" -> Activation.GELU_ERF;
      case "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> Activation.GELU_TANH;
      case "relu" -> Activation.RELU;
      case "tanh" -> Activation.TANH;
      default -> throw new IllegalArgumentException(file + ": " + key + " \"" + HfFiles.printable(name)
          + "\" is not supported; accepted: gelu (exact), gelu_new, gelu_pytorch_tanh, gelu_fast (tanh GELU), relu, "
          + "tanh");
    };
  }

  /** The {@code hidden_act} Hugging Face reads as this activation. */
  public static String hfActivationName(Activation act) {
    return switch (act) {
      case GELU_ERF -> "gelu";
      case GELU_TANH -> "gelu_new";
      case RELU -> "relu";
      case TANH -> "tanh";
    };
  }

  /** DistilBERT's LayerNorms are built with eps 1e-12 whatever its config says; refuse a file that says otherwise. */
  private static void checkLayerNormEps(Path file, JsonNode cfg, String key) {
    JsonNode n = cfg.get(key);
    if (n == null || n.isNull()) {
      return;
    }
    if (!n.isNumber() || !(Math.abs(n.doubleValue() - Layers.LAYER_NORM_EPSILON) <= 1e-15)) {
      throw new IllegalArgumentException(file + ": " + key + " " + n + " is not supported; this graph's LayerNorm "
          + "uses " + Layers.LAYER_NORM_EPSILON + " (BERT's)");
    }
  }

  private static double layerNormEps(Path file, JsonNode cfg, double dflt) {
    JsonNode n = cfg.get("layer_norm_eps");
    if (n == null || n.isNull()) {
      return dflt;
    }
    if (!n.isNumber() || !(n.doubleValue() > 0 && n.doubleValue() < 1)) {
      throw new IllegalArgumentException(file + ": layer_norm_eps must be a number in (0, 1), got " + n);
    }
    return n.doubleValue();
  }

  private static void refuseTrue(Path file, JsonNode cfg, String key, String why) {
    JsonNode n = cfg.get(key);
    if (n != null && n.isBoolean() && n.booleanValue()) {
      throw new IllegalArgumentException(file + ": " + key + " is true: " + why);
    }
  }

  private static int bounded(Path file, JsonNode cfg, String key, Integer dflt, int max) {
    JsonNode n = cfg.get(key);
    if (n == null || n.isNull()) {
      if (dflt == null) {
        throw new IllegalArgumentException(file + " has no " + key);
      }
      return dflt;
    }
    if (!n.isIntegralNumber() || !n.canConvertToInt() || n.intValue() < 1 || n.intValue() > max) {
      throw new IllegalArgumentException(file + ": " + key + " must be an integer in [1, " + max + "], got " + n);
    }
    return n.intValue();
  }

  private static double probability(Path file, JsonNode cfg, String key, double dflt) {
    JsonNode n = cfg.get(key);
    if (n == null || n.isNull()) {
      return dflt;
    }
    if (!n.isNumber() || !(n.doubleValue() >= 0 && n.doubleValue() < 1)) {
      throw new IllegalArgumentException(file + ": " + key + " must be a number in [0, 1), got " + n);
    }
    return n.doubleValue();
  }

  private static double positiveDouble(Path file, JsonNode cfg, String key, double dflt) {
    JsonNode n = cfg.get(key);
    if (n == null || n.isNull()) {
      return dflt;
    }
    if (!n.isNumber() || !(n.doubleValue() > 0) || Double.isInfinite(n.doubleValue())) {
      throw new IllegalArgumentException(file + ": " + key + " must be a positive number, got " + n);
    }
    return n.doubleValue();
  }

  /** {@code id2label} as a list by id: keys exactly "0".."n-1", labels unique non-blank strings. */
  private static List<String> labels(Path file, JsonNode cfg) {
    JsonNode map = cfg.get("id2label");
    if (map == null || !map.isObject() || map.isEmpty()) {
      throw new IllegalArgumentException(file + " has no id2label for its head");
    }
    int n = map.size();
    if (n > MAX_LABELS) {
      throw new IllegalArgumentException(file + ": id2label has " + n + " labels, more than " + MAX_LABELS);
    }
    String[] labels = new String[n];
    for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      int id;
      try {
        id = Integer.parseInt(e.getKey());
      } catch (NumberFormatException ex) {
        id = -1;
      }
      if (id < 0 || id >= n || !e.getKey().equals(Integer.toString(id)) || labels[id] != null) {
        throw new IllegalArgumentException(file + ": id2label key \"" + HfFiles.printable(e.getKey())
            + "\" is not one of the ids 0.." + (n - 1) + " (each once)");
      }
      if (!e.getValue().isTextual() || e.getValue().textValue().isBlank() || e.getValue().textValue().length() > 200) {
        throw new IllegalArgumentException(file + ": id2label[" + id + "] is not a non-blank string of at most 200 "
            + "characters");
      }
      labels[id] = e.getValue().textValue();
    }
    if (new LinkedHashSet<>(List.of(labels)).size() != n) {
      throw new IllegalArgumentException(file + ": id2label has duplicate labels");
    }
    JsonNode numLabels = cfg.get("num_labels");
    if (numLabels != null && numLabels.canConvertToInt() && numLabels.intValue() != n) {
      throw new IllegalArgumentException(file + ": num_labels " + numLabels + " differs from id2label's " + n);
    }
    return List.of(labels);
  }

  /**
   * Casing: {@code tokenizer_config.json}'s {@code do_lower_case}, else sentence-transformers'
   * {@code do_lower_case}, else {@code tokenizer.json}'s BertNormalizer {@code lowercase}, else true (BertTokenizer's
   * default).
   */
  private static boolean casing(Path dir, Optional<JsonNode> tokenizerConfig, Optional<JsonNode> stConfig,
      Optional<Boolean> jsonLower) {
    for (Optional<JsonNode> source : List.of(tokenizerConfig, stConfig)) {
      if (source.isPresent()) {
        JsonNode lc = source.get().get("do_lower_case");
        if (lc != null && lc.isBoolean()) {
          if (source == tokenizerConfig && jsonLower.isPresent() && jsonLower.get() != lc.booleanValue()) {
            throw new IllegalArgumentException(dir + ": " + TOKENIZER_CONFIG_FILE + " do_lower_case "
                + lc.booleanValue() + " contradicts " + TOKENIZER_FILE + "'s normalizer lowercase " + jsonLower.get());
          }
          return lc.booleanValue();
        }
      }
    }
    return jsonLower.orElse(true);
  }

  private static int maxLength(BertConfig config, Optional<JsonNode> tokenizerConfig, Optional<JsonNode> stConfig) {
    int positions = config.maxSequenceLength();
    for (var source : List.of(stConfig.map(c -> c.get("max_seq_length")),
        tokenizerConfig.map(c -> c.get("model_max_length")))) {
      if (source.isPresent() && source.get() != null && source.get().isIntegralNumber()
          && source.get().canConvertToLong() && source.get().longValue() >= 3) {
        return (int) Math.min(source.get().longValue(), positions); // HF writes 1e30 for "no limit"
      }
    }
    return Math.min(128, positions);
  }

  /**
   * Tokens of a {@code tokenizer.json} in id order: {@code model.vocab} (an object token to id for BPE and WordPiece, a
   * list of [piece, score] for Unigram) and {@code added_tokens}; unused ids and tokens that cannot be a line of
   * {@code vocab.txt} read {@code [unused<id>]}.
   */
  private static List<String> tokenList(Path file, byte[] bytes, int size) throws IOException {
    JsonNode root = new com.fasterxml.jackson.databind.ObjectMapper().readTree(bytes); // checked and bounded
    String[] out = new String[size];
    JsonNode vocab = root.path("model").path("vocab");
    if (vocab.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        put(file, out, e.getValue().asInt(-1), e.getKey());
      }
    } else if (vocab.isArray()) {
      for (int id = 0; id < vocab.size(); id++) {
        put(file, out, id, vocab.get(id).path(0).asText(""));
      }
    }
    for (JsonNode added : root.path("added_tokens")) {
      put(file, out, added.path("id").asInt(-1), added.path("content").asText(""));
    }
    List<String> tokens = new ArrayList<>(size);
    for (int id = 0; id < size; id++) {
      String t = out[id];
      tokens.add(t == null || t.isEmpty() || t.indexOf('\n') >= 0 || t.indexOf('\r') >= 0 ? "[unused" + id + "]" : t);
    }
    return tokens;
  }

  private static void put(Path file, String[] out, int id, String token) {
    if (id < 0 || id >= out.length) {
      throw new IllegalArgumentException(file + ": token id " + id + " is outside the embedding table [0, "
          + out.length + ")");
    }
    out[id] = token;
  }

  private static Optional<JsonNode> optionalJson(Path dir, String name) throws IOException {
    Optional<Path> f = HfFiles.file(dir, name);
    return f.isEmpty() ? Optional.empty() : Optional.of(HfFiles.readJsonObject(f.get(), HfFiles.MAX_JSON_BYTES));
  }

  /**
   * sentence-transformers' pooling: {@code modules.json} lists {@code sentence_transformers.models.Pooling} with its
   * {@code path} (e.g. {@code 1_Pooling}) holding {@code config.json}, and optionally a {@code Normalize} module.
   * Mean, CLS and max pooling are read; other modes (weighted mean, last token, mean of square root length, several
   * modes concatenated) and modules (Dense) are refused, since the served vector would not be the model's.
   */
  private static Optional<EmbeddingSpec> sentenceTransformersPooling(Path dir, int hidden) throws IOException {
    Optional<Path> modulesFile = HfFiles.file(dir, ST_MODULES_FILE);
    if (modulesFile.isEmpty()) {
      return Optional.empty();
    }
    JsonNode modules = HfFiles.readJson(modulesFile.get(), HfFiles.MAX_JSON_BYTES);
    if (!modules.isArray() || modules.size() > 16) {
      throw new IllegalArgumentException(modulesFile.get() + " is not an array of at most 16 modules");
    }
    EmbeddingPooling pooling = null;
    boolean normalize = false;
    for (JsonNode m : modules) {
      String type = m.isObject() ? HfFiles.text(m, "type").orElse("") : "";
      if (type.endsWith(".Transformer")) {
        continue;
      }
      if (type.endsWith(".Normalize")) {
        normalize = true;
        continue;
      }
      if (!type.endsWith(".Pooling")) {
        throw new IllegalArgumentException(modulesFile.get() + ": module " + HfFiles.printable(type)
            + " is not supported (only Transformer, Pooling and Normalize)");
      }
      String path = HfFiles.text(m, "path").orElse("");
      if (!path.matches("[A-Za-z0-9_.-]{1,100}") || path.contains("..")) {
        throw new IllegalArgumentException(modulesFile.get() + ": pooling module path \"" + HfFiles.printable(path)
            + "\" is not a plain directory name");
      }
      Path poolingConfig = HfFiles.file(dir.resolve(path), CONFIG_FILE).orElseThrow(() ->
          new IllegalArgumentException(dir.resolve(path) + " has no " + CONFIG_FILE));
      if (!poolingConfig.toRealPath().startsWith(dir.toRealPath())) {
        throw new IllegalArgumentException(poolingConfig + " leads outside " + dir);
      }
      pooling = poolingMode(poolingConfig, HfFiles.readJsonObject(poolingConfig, HfFiles.MAX_JSON_BYTES), hidden);
    }
    if (pooling == null) {
      throw new IllegalArgumentException(modulesFile.get() + " lists no Pooling module");
    }
    return Optional.of(new EmbeddingSpec(pooling, normalize));
  }

  private static EmbeddingPooling poolingMode(Path file, JsonNode cfg, int hidden) {
    JsonNode dim = cfg.get("word_embedding_dimension");
    if (dim != null && dim.canConvertToInt() && dim.intValue() != hidden) {
      throw new IllegalArgumentException(file + ": word_embedding_dimension " + dim + " differs from hidden_size "
          + hidden);
    }
    List<EmbeddingPooling> on = new ArrayList<>();
    List<String> unsupported = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = cfg.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getKey().startsWith("pooling_mode") || !e.getValue().isBoolean() || !e.getValue().booleanValue()) {
        continue;
      }
      switch (e.getKey()) {
        case "pooling_mode_mean_tokens" -> on.add(EmbeddingPooling.MEAN);
        case "pooling_mode_cls_token" -> on.add(EmbeddingPooling.CLS);
        case "pooling_mode_max_tokens" -> on.add(EmbeddingPooling.MAX);
        default -> unsupported.add(e.getKey());
      }
    }
    if (!unsupported.isEmpty() || on.size() != 1) {
      throw new IllegalArgumentException(file + ": pooling " + (unsupported.isEmpty() ? on : unsupported)
          + " is not supported; exactly one of pooling_mode_mean_tokens, pooling_mode_cls_token, "
          + "pooling_mode_max_tokens must be true");
    }
    return on.get(0);
  }

  private static String refusalWithoutSafetensors(Path dir) {
    for (String pickle : List.of("pytorch_model.bin", "pytorch_model.bin.index.json")) {
      if (Files.exists(dir.resolve(pickle))) {
        return dir + " has " + pickle + " but no " + WEIGHTS_FILE + ": PyTorch .bin files are Python pickles, which "
            + "run code when loaded, and are refused. Convert it where you trust it: in Python, "
            + "AutoModel.from_pretrained(DIR).save_pretrained(OUT, safe_serialization=True) (transformers >= 4.35 "
            + "writes safetensors by default), or the safetensors \"convert\" space/script";
      }
    }
    if (Files.exists(dir.resolve("model.safetensors.index.json"))) {
      return dir + " holds a sharded checkpoint (model.safetensors.index.json): merge it into one " + WEIGHTS_FILE
          + " (save_pretrained(OUT, max_shard_size=\"10GB\")); BERT-sized models fit in one file";
    }
    for (String other : List.of("tf_model.h5", "flax_model.msgpack")) {
      if (Files.exists(dir.resolve(other))) {
        return dir + " has " + other + " but no " + WEIGHTS_FILE + ": only safetensors weights are read; convert "
            + "with transformers' save_pretrained(OUT, safe_serialization=True)";
      }
    }
    return dir + " has no " + WEIGHTS_FILE;
  }

  private static String outOfScope(String modelType) {
    return switch (modelType) {
      case "albert" -> "ALBERT factorises its embeddings and shares one layer's weights across layers";
      case "deberta", "deberta-v2" -> "DeBERTa's disentangled relative attention is not this graph's";
      default -> "accepted: bert (BERT, MiniLM, sentence-transformers BERT models), roberta, xlm-roberta, camembert, "
          + "distilbert, electra";
    };
  }
}
