package org.streambert.streams.serving;

import java.io.IOException;
import org.streambert.bert.bundle.ModelBundle;

/**
 * The seam between this application and the model code: turns a verified bundle into the tokenizer and forward pass
 * that {@link org.streambert.bert.inference.BertPredictor} runs. Called on the model loader thread only, never on a
 * stream thread, so it may take as long as loading a graph takes.
 *
 * <p>The default is {@link TensorFlowModelLoader}; another can be named in {@code nlp.model.loader.class} (public
 * no-argument constructor). Tests plug in small deterministic loaders.
 */
@FunctionalInterface
public interface ModelLoader {

  /**
   * Loads the bundle. The caller owns the returned forward pass and closes it (also when it refuses the model).
   *
   * @throws IOException or a RuntimeException when the bundle cannot be loaded; the model is then refused
   */
  LoadedModel load(ModelBundle bundle) throws IOException;
}
