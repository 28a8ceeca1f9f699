package org.streambert.bert.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.streambert.bert.bundle.BertBundles;
import org.streambert.bert.bundle.BundleContents;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.bundle.ModelDescriptor;
import org.streambert.bert.model.internals.TensorData;
import org.streambert.bert.tokenizer.Vocab;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.SessionFunction;
import org.tensorflow.types.TFloat32;

/**
 * Test support: what a diverged training run leaves behind, a model whose variable holds NaN, written as a bundle by
 * going around {@link BertSavedModel#export}'s finite check (as a publisher without that check would).
 */
public final class DivergedModel {

  private DivergedModel() {}

  /** Sets element 0 of {@code variable} of {@code model} to {@code value}, in place (as a training step would). */
  public static void poison(BertModel model, String variable, float value) {
    float[] values = model.weights().get(variable).clone();
    values[0] = value;
    model.withExclusiveSession(session -> {
      try (TFloat32 t = TensorData.floats(BertGraph.variableShapes(model.config(), model.heads()).get(variable),
          values)) {
        session.runner().feed(variable + "_value", t).addTarget(variable + "_assign").run();
      }
    });
  }

  /** Writes {@code model} (already poisoned) as a bundle, without the export's finite check. */
  public static ModelBundle writeBundle(Path target, BertModel model, Vocab vocab, ModelDescriptor descriptor)
      throws IOException {
    ModelDescriptor withConfig = new ModelDescriptor(descriptor.name(), descriptor.version(), descriptor.created(),
        BertBundles.bertConfigJson(model.config()), descriptor.tokenizer(), descriptor.heads(),
        descriptor.embeddings());
    return ModelBundle.write(target, new BundleContents(withConfig, vocab.tokens()), dir ->
        model.withExclusiveSession(session -> {
          try {
            SavedModelBundle.exporter(dir.toString()).withTags(BertSavedModel.TAG)
                .withFunction(SessionFunction.create(model.signature(), session)).export();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }));
  }
}
