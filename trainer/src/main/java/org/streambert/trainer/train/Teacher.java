package org.streambert.trainer.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.streambert.bert.bundle.BertBundles;
import org.streambert.bert.bundle.ModelBundle;
import org.streambert.bert.bundle.ModelDescriptor;
import org.streambert.bert.heads.ClassificationHead;
import org.streambert.bert.heads.HeadSpec;
import org.streambert.bert.heads.TokenClassificationHead;
import org.streambert.bert.inference.BertPredictor;
import org.streambert.bert.inference.PredictorConfig;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.BertModel;
import org.streambert.bert.model.BertSavedModel;
import org.streambert.bert.model.HeadsSpec;
import org.streambert.bert.tokenizer.Vocab;
import org.streambert.bert.tokenizer.WordPieceTokenizer;

/**
 * A fine-tuned bundle loaded as the teacher of a distillation: its forward pass (dropout off), its heads and labels,
 * and the predictor that serves it (for its dev figures as served). Owns the loaded SavedModel; {@link #close()}
 * frees it.
 */
public final class Teacher implements AutoCloseable {

  private final ModelDescriptor model;
  private final Path vocabFile;
  private final Vocab vocab;
  private final BertModel forward;
  private final BertPredictor predictor;

  private Teacher(ModelDescriptor model, Path vocabFile, Vocab vocab, BertModel forward, BertPredictor predictor) {
    this.model = model;
    this.vocabFile = vocabFile;
    this.vocab = vocab;
    this.forward = forward;
    this.predictor = predictor;
  }

  /**
   * Opens a verified bundle directory (a run directory's {@code bundle}, or the run directory itself); its
   * predictor serves with the bundle's own settings (max length), as the app would.
   *
   * @throws IllegalArgumentException when it is not a bundle, or has no classification (single-label) or token head
   */
  public static Teacher open(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException("teacher bundle " + dir + " is not a directory");
    }
    if (!Files.exists(dir.resolve(ModelBundle.MANIFEST_FILE)) && Files.isDirectory(dir.resolve("bundle"))) {
      dir = dir.resolve("bundle");
    }
    ModelBundle bundle = ModelBundle.open(dir);
    ModelDescriptor model = bundle.model();
    HeadsSpec heads = BertBundles.headsSpec(model);
    if (heads.multiLabel()) {
      throw new IllegalArgumentException("teacher " + dir + " has a multi-label head; distillation supports "
          + "single-label classification and token classification heads");
    }
    if (!heads.hasClassHead() && !heads.hasTokenHead()) {
      throw new IllegalArgumentException("teacher " + dir + " has no head to distil (a bundle from `import` "
          + "without heads?)");
    }
    BertConfig cfg = BertBundles.bertConfig(model);
    Vocab vocab = Vocab.load(bundle.vocabFile());
    BertModel forward = BertSavedModel.load(bundle.savedModelDir(), cfg, heads);
    try {
      WordPieceTokenizer tokenizer = new WordPieceTokenizer(vocab, model.tokenizer().doLowerCase());
      ClassificationHead classHead = model.classificationHead().orElse(null);
      TokenClassificationHead tokenHead = model.tokenClassificationHead().orElse(null);
      // The predictor owns the forward pass; close() closes it once, through the predictor.
      BertPredictor predictor = BertPredictor.create(tokenizer, forward, classHead, tokenHead,
          BertBundles.defaultPredictorConfig(bundle));
      return new Teacher(model, bundle.vocabFile(), vocab, forward, predictor);
    } catch (RuntimeException e) {
      forward.close();
      throw e;
    }
  }

  /** The bundle's name, version, config, tokenizer settings and heads. */
  public ModelDescriptor model() {
    return model;
  }

  public BertConfig config() {
    return BertBundles.bertConfig(model);
  }

  /** The bundle's vocab.txt (a student with a fresh --bert-config reads it). */
  public Path vocabFile() {
    return vocabFile;
  }

  public Vocab vocab() {
    return vocab;
  }

  public boolean lowerCase() {
    return model.tokenizer().doLowerCase();
  }

  /** Classification labels in the head's order; empty without that head. */
  public List<String> classLabels() {
    return model.classificationHead().map(HeadSpec::labels).orElse(List.of());
  }

  /** Token labels in the head's order; empty without that head. */
  public List<String> tokenLabels() {
    return model.tokenClassificationHead().map(HeadSpec::labels).orElse(List.of());
  }

  /** Its forward pass (probabilities; dropout off). */
  BertModel forward() {
    return forward;
  }

  /** The predictor serving it, as the app would. */
  BertPredictor predictor() {
    return predictor;
  }

  @Override
  public void close() {
    predictor.close();
  }
}
