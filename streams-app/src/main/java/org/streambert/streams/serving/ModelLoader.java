package org.streambert.streams.serving;

import java.io.IOException;
import java.util.List;
import org.streambert.bert.bundle.ModelBundle;

/**
 * The seam between this application and the model code: turns a verified bundle into the tokenizer and forward pass
 * that {@link org.streambert.bert.inference.BertPredictor} runs. Called on the model loader thread only, never on a
 * stream thread, so it may take as long as loading a graph takes.
 *
 * <p>A loader may know several ways to serve a bundle (engines and precisions, fastest first: {@link #options}); the
 * rollout loads them in that order and serves the first whose golden check passes. The default is
 * {@link ModelLoaders#create}'s choice from {@code nlp.model.engine}; another loader can be named in
 * {@code nlp.model.loader.class} (public no-argument constructor). Tests plug in small deterministic loaders.
 */
@FunctionalInterface
public interface ModelLoader {

  /**
   * Loads the bundle the first way this loader knows. The caller owns the returned forward pass and closes it (also
   * when it refuses the model).
   *
   * @throws IOException or a RuntimeException when the bundle cannot be loaded; the model is then refused
   */
  LoadedModel load(ModelBundle bundle) throws IOException;

  /**
   * The ways to serve {@code bundle}, in the order the rollout tries them: it loads one, warms it up and checks the
   * golden examples, and goes on to the next only when that fails. A
   * {@link org.streambert.bert.bundle.BundleException} from an option (the bundle itself is bad, e.g. its ONNX file
   * fails its checks) refuses the checkpoint at once. Default: {@link #load} alone.
   *
   * @throws IOException when the bundle cannot be served by this loader in any way (the checkpoint is refused)
   */
  default List<LoadOption> options(ModelBundle bundle) throws IOException {
    return List.of(new LoadOption(null, () -> load(bundle)));
  }

  /**
   * One way to serve a bundle.
   *
   * @param engine what it will run on, for logs and reports before it is loaded; null when only loading tells
   * @param opener loads it (the caller owns the result)
   */
  record LoadOption(ServingEngine engine, Opener opener) {

    /** Loads the option. */
    public LoadedModel open() throws IOException {
      return opener.open();
    }
  }

  /** Loads one option. */
  @FunctionalInterface
  interface Opener {
    LoadedModel open() throws IOException;
  }
}
