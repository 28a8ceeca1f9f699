package org.streambert.bert.bundle;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import org.streambert.bert.embeddings.EmbeddingSpec;
import org.streambert.bert.heads.ClassificationHead;
import org.streambert.bert.heads.TokenClassificationHead;
import org.streambert.bert.inference.BertPredictor;
import org.streambert.bert.inference.PredictorConfig;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.BertModel;
import org.streambert.bert.model.BertSavedModel;
import org.streambert.bert.model.ForwardPass;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.model.ModelMemory;
import org.streambert.bert.model.Precision;
import org.streambert.bert.tokenizer.TextTokenizer;
import org.streambert.bert.tokenizer.TextTokenizers;
import org.streambert.bert.tokenizer.WordPieceTokenizer;
import org.streambert.bert.tokenizer.Vocab;

/**
 * Joins the bundle format to the TF graph and the tokenizer: {@link #write} exports a {@link BertModel} as a bundle,
 * {@link #openPredictor} turns a verified bundle into a ready {@link BertPredictor}. Both programs (the trainer writes,
 * the streams app reads) go through here, so the two sides cannot disagree on how heads and configs map.
 */
public final class BertBundles {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private BertBundles() {
  }

  /**
   * Writes {@code model} as a bundle at {@code target} (atomically; refuses an existing directory).
   *
   * @param descriptor name, version, tokenizer settings and heads; its {@code bert_config} is replaced by
   *                   {@code model.config()} so that the two cannot differ
   * @throws IllegalArgumentException when the descriptor's heads do not match the model's outputs or the vocabulary
   *                                  size differs from the config's
   */
  public static ModelBundle write(Path target, BertModel model, Vocab vocab, ModelDescriptor descriptor)
      throws IOException {
    return write(target, model, vocab.tokens(), null, descriptor);
  }

  /**
   * {@link #write(Path, BertModel, Vocab, ModelDescriptor)} for any tokenizer: {@code tokens} in id order become
   * {@code vocab.txt}, and {@code tokenizerJson} (a Hugging Face {@code tokenizer.json}, or null for WordPiece from
   * {@code vocab.txt}) is what the loaders tokenize with.
   */
  public static ModelBundle write(Path target, BertModel model, List<String> tokens, byte[] tokenizerJson,
      ModelDescriptor descriptor) throws IOException {
    ModelDescriptor withConfig = new ModelDescriptor(descriptor.name(), descriptor.version(), descriptor.created(),
        bertConfigJson(model.config()), descriptor.tokenizer(), descriptor.heads(), descriptor.embeddings());
    HeadsSpec expected = headsSpec(withConfig);
    if (!expected.equals(model.heads())) {
      throw new IllegalArgumentException("bundle heads " + descriptor.heads() + " need model outputs " + expected
          + " but the model has " + model.heads());
    }
    return ModelBundle.write(target, new BundleContents(withConfig, tokens, tokenizerJson),
        dir -> BertSavedModel.export(model, dir));
  }

  /**
   * Loads a verified bundle (refused first, with every figure, when {@link ModelMemory} estimates that it would not
   * fit beside a second live model, as during a hot swap): tokenizer from its {@code vocab.txt} with its
   * {@code do_lower_case}, graph from its
   * SavedModel, heads and labels from its {@code model.json}, and its embedding ({@code "embeddings"}) unless
   * {@code config} sets one ({@link PredictorConfig#embeddings()}). The caller closes the returned predictor.
   */
  public static BertPredictor openPredictor(ModelBundle bundle, PredictorConfig config) throws IOException {
    return openPredictor(bundle, config, Precision.FP32);
  }

  /** {@link #openPredictor(ModelBundle, PredictorConfig)} with the graph run at {@code precision}. */
  public static BertPredictor openPredictor(ModelBundle bundle, PredictorConfig config, Precision precision)
      throws IOException {
    ModelDescriptor model = bundle.model();
    BertConfig bertConfig = bertConfig(model);
    ModelMemory.estimate(bertConfig, headsSpec(model), ModelMemory.Engine.TENSORFLOW)
        .requireFitsHere(describe(bundle), ModelMemory.LIVE_MODELS_DURING_SWAP);
    TextTokenizer tokenizer = openTokenizer(bundle);
    return openPredictor(bundle, tokenizer,
        b -> BertSavedModel.load(b.savedModelDir(), bertConfig, headsSpec(model), precision), config);
  }

  /**
   * A predictor for a verified bundle over any engine: heads from its {@code model.json}, forward pass from
   * {@code loader}, and the bundle's own embedding ({@code model.json} {@code "embeddings"}) unless {@code config} sets
   * one ({@link PredictorConfig#embeddings()}). The predictor owns {@code tokenizer} (closed here if this method
   * throws) and the loaded pass; the caller closes the returned predictor.
   *
   * @throws IllegalArgumentException if {@code config.maxLength()} exceeds the model's max_position_embeddings, the
   *                                  tokenizer's vocabulary size differs from the bundle's, or the loaded pass does
   *                                  not match the heads
   */
  public static BertPredictor openPredictor(ModelBundle bundle, TextTokenizer tokenizer, ForwardPassLoader loader,
      PredictorConfig config) throws IOException {
    ForwardPass pass;
    PredictorConfig withEmbeddings;
    try {
      int maxPositions = bundle.model().maxPositionEmbeddings();
      if (config.maxLength() > maxPositions) {
        throw new IllegalArgumentException("maxLength " + config.maxLength() + " exceeds the model's "
            + "max_position_embeddings " + maxPositions + " (bundle " + bundle.dir() + ")");
      }
      if (tokenizer.vocabSize() != bundle.model().vocabSize()) {
        throw new IllegalArgumentException("tokenizer has " + tokenizer.vocabSize() + " vocabulary entries but bundle "
            + bundle.dir() + " has vocab_size " + bundle.model().vocabSize());
      }
      withEmbeddings = config.embeddings().isPresent() ? config
          : config.toBuilder().embeddings(bundle.model().embeddings()).build();
      pass = loader.load(bundle);
    } catch (IOException | RuntimeException e) {
      try {
        tokenizer.close();
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    return BertPredictor.create(tokenizer, pass, bundle.model().classificationHead().orElse(null),
        bundle.model().tokenClassificationHead().orElse(null), withEmbeddings);
  }

  /**
   * The bundle's tokenizer: its {@code tokenizer.json} when it has one (RoBERTa's BPE, XLM-R's Unigram, with their
   * special-token template), else WordPiece from {@code vocab.txt} with {@code do_lower_case}. The caller closes it
   * (a predictor made from it closes it).
   */
  public static TextTokenizer openTokenizer(ModelBundle bundle) {
    boolean lower = bundle.model().tokenizer().doLowerCase();
    return bundle.tokenizerFile().isPresent() ? TextTokenizers.load(bundle.tokenizerFile().get(), lower)
        : WordPieceTokenizer.fromVocabFile(bundle.vocabFile(), lower);
  }

  /** "bundle DIR (xlm-roberta L=12 H=768 V=250002)", for messages. */
  public static String describe(ModelBundle bundle) {
    BertConfig c = bertConfig(bundle.model());
    return "bundle " + bundle.dir() + " (" + c.family().configName() + " L=" + c.numHiddenLayers() + " H="
        + c.hiddenSize() + " V=" + c.vocabSize() + ")";
  }

  /** The bundle's embedding: pooling and normalisation ({@code model.json} {@code "embeddings"}). */
  public static EmbeddingSpec embeddings(ModelDescriptor model) {
    return model.embeddings();
  }

  /** A predictor configuration with the bundle's own maximum length and the other defaults. */
  public static PredictorConfig defaultPredictorConfig(ModelBundle bundle) {
    return PredictorConfig.builder().maxLength(bundle.model().tokenizer().maxLength()).build();
  }

  /** The graph's outputs that the descriptor's heads need. */
  public static HeadsSpec headsSpec(ModelDescriptor model) {
    int classes = model.classificationHead().map(ClassificationHead::size).orElse(0);
    boolean multiLabel = model.classificationHead().map(ClassificationHead::multiLabel).orElse(false);
    int tokenLabels = model.tokenClassificationHead().map(TokenClassificationHead::size).orElse(0);
    return new HeadsSpec(classes, multiLabel, tokenLabels);
  }

  /** The descriptor's {@code bert_config} as a typed config. */
  public static BertConfig bertConfig(ModelDescriptor model) {
    return BertConfig.fromJson(model.bertConfig().toString());
  }

  /** A typed config as the JSON object model.json holds. */
  public static ObjectNode bertConfigJson(BertConfig config) {
    try {
      return (ObjectNode) MAPPER.readTree(config.toJson());
    } catch (IOException e) {
      throw new UncheckedIOException("BertConfig.toJson produced invalid JSON", e);
    }
  }
}
