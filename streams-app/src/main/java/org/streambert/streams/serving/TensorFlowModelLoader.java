package org.streambert.streams.serving;

import java.io.IOException;
import java.util.Objects;
import org.streambert.bert.bundle.BertBundles;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.bundle.ModelDescriptor;
import org.streambert.bert.model.BertSavedModel;
import org.streambert.bert.model.Precision;
import org.streambert.bert.model.ModelMemory;
import org.streambert.bert.tokenizer.TextTokenizer;

/**
 * The default {@link ModelLoader}: the bundle's WordPiece vocabulary (with its {@code do_lower_case}) and its
 * SavedModel opened as a TensorFlow forward pass, with the BERT config and heads its {@code model.json} declares, at
 * the configured {@link Precision} ({@code nlp.model.precision}; {@link Precision#AUTO} resolved for this CPU).
 */
public final class TensorFlowModelLoader implements ModelLoader {

  private final Precision precision;

  /** A loader at {@link Precision#FP32}. */
  public TensorFlowModelLoader() {
    this(Precision.FP32);
  }

  /** A loader at {@code precision} ({@link Precision#AUTO} is resolved now, once). */
  public TensorFlowModelLoader(Precision precision) {
    this.precision = Objects.requireNonNull(precision, "precision").resolve();
  }

  /** The resolved precision every model is loaded at. */
  public Precision precision() {
    return precision;
  }

  @Override
  public LoadedModel load(ModelBundle bundle) throws IOException {
    ModelDescriptor model = bundle.model();
    // refuse what would not fit beside the serving model before allocating anything (ModelMemory)
    ModelMemory.estimate(BertBundles.bertConfig(model), BertBundles.headsSpec(model), ModelMemory.Engine.TENSORFLOW)
        .requireFitsHere(BertBundles.describe(bundle), ModelMemory.LIVE_MODELS_DURING_SWAP);
    TextTokenizer tokenizer = BertBundles.openTokenizer(bundle); // tokenizer.json (RoBERTa, XLM-R) or vocab.txt
    try {
      return new LoadedModel(tokenizer, BertSavedModel.load(bundle.savedModelDir(), BertBundles.bertConfig(model),
          BertBundles.headsSpec(model), precision), precision);
    } catch (RuntimeException | Error e) {
      tokenizer.close();
      throw e;
    }
  }
}
