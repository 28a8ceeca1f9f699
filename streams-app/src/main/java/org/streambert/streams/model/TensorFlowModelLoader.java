package org.streambert.streams.model;

import java.io.IOException;
import org.streambert.bert.bundle.BertBundles;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.bundle.ModelDescriptor;
import org.streambert.bert.model.BertSavedModel;
import org.streambert.bert.tokenizer.WordPieceTokenizer;

/**
 * The default {@link ModelLoader}: the bundle's WordPiece vocabulary (with its {@code do_lower_case}) and its
 * SavedModel opened as a TensorFlow forward pass, with the BERT config and heads its {@code model.json} declares.
 */
public final class TensorFlowModelLoader implements ModelLoader {

  @Override
  public LoadedModel load(ModelBundle bundle) throws IOException {
    ModelDescriptor model = bundle.model();
    WordPieceTokenizer tokenizer =
        WordPieceTokenizer.fromVocabFile(bundle.vocabFile(), model.tokenizer().doLowerCase());
    return new LoadedModel(tokenizer, BertSavedModel.load(bundle.savedModelDir(), BertBundles.bertConfig(model),
        BertBundles.headsSpec(model)));
  }
}
