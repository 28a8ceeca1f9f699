package org.streambert.streams.model;

import java.io.IOException;
import org.streambert.bert.bundle.ModelBundle;

/**
 * The seam between this application and the model code: turns a verified bundle into the tokenizer and forward pass
 * that {@link org.streambert.bert.inference.BertPredictor} runs. Called on the model loader thread only, never on a
 * stream thread, so it may take as long as loading a graph takes.
 *
 * <p>Plugging in the real loader: either name the class in {@code nlp.model.loader.class} (public no-argument
 * constructor), or register it for {@link java.util.ServiceLoader} in
 * {@code META-INF/services/org.streambert.streams.model.ModelLoader}. A typical implementation reads
 * {@link ModelBundle#vocabFile()} into a WordPiece tokenizer (with {@code bundle.model().tokenizer().doLowerCase()})
 * and opens {@link ModelBundle#savedModelDir()} as a forward pass.
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
