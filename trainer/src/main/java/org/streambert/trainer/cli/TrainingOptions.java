package org.streambert.trainer.cli;

import org.streambert.trainer.optim.WarmupLinearDecay;
import org.streambert.trainer.train.ServedText;
import org.streambert.trainer.train.TrainingConfig;
import picocli.CommandLine.Option;

/** Optimisation and batching options shared by fine-tune and distill (defaults: {@link TrainingConfig}). */
public final class TrainingOptions {

  @Option(names = "--lr", defaultValue = "5e-5", description = "Peak learning rate. Default: ${DEFAULT-VALUE}.")
  double learningRate = TrainingConfig.DEFAULT_LEARNING_RATE;

  @Option(names = "--batch-size", defaultValue = "32", description = "Default: ${DEFAULT-VALUE}.")
  int batchSize = TrainingConfig.DEFAULT_BATCH_SIZE;

  @Option(names = "--epochs", defaultValue = "3", description = "Default: ${DEFAULT-VALUE}.")
  int epochs = TrainingConfig.DEFAULT_EPOCHS;

  @Option(names = "--max-length", paramLabel = "N", description = "Word pieces per example incl. [CLS]/[SEP]; "
      + "default: 128, or the bundle's with --from-bundle (distill: the teacher's).")
  Integer maxLength;

  @Option(names = "--seed", defaultValue = "42", description = "Default: ${DEFAULT-VALUE}.")
  long seed = TrainingConfig.DEFAULT_SEED;

  @Option(names = "--warmup", defaultValue = "0.1", description = "Warm-up share of the steps. Default: "
      + "${DEFAULT-VALUE}.")
  double warmup = WarmupLinearDecay.DEFAULT_WARMUP_PROPORTION;

  @Option(names = "--patience", defaultValue = "0", description = "Stop after N epochs without a better dev score "
      + "(0: run all epochs). Default: ${DEFAULT-VALUE}.")
  int patience = TrainingConfig.DEFAULT_PATIENCE;

  @Option(names = "--ner-document-context", description = "NER: train (and score the model on dev) with each "
      + "sentence of a document packed with its neighbouring sentences up to --max-length, labels on the sentence "
      + "(documents: -DOCSTART- lines or runs of blank lines in CoNLL files), as the BERT paper's CoNLL setup and as "
      + "the app serves a paragraph or article in one record.")
  boolean documentContext;

  @Option(names = "--dev-served-text", defaultValue = "tokenized", paramLabel = "tokenized|raw|documents",
      converter = ServedTextConverter.class,
      description = "NER: the served dev figure that picks the best epoch and is published as dev_score: the dev "
          + "sentences as tokenized text (default), detokenized raw sentences, or whole raw documents. Tokenized is "
          + "always measured too; the promotion gate compares every served figure both versions report. Default: "
          + "${DEFAULT-VALUE}.")
  ServedText servedText = ServedText.TOKENIZED;

  @Option(names = "--engine", defaultValue = ServedArithmetic.AUTO, paramLabel = "auto|tensorflow|onnxruntime",
      description = "What the published dev figures (run.json, dev-metrics.json, the checkpoint's metrics and "
          + "devEngine) are measured on, after export, through the served path of trainer evaluate: auto (default) is "
          + "what an instance serves by default, onnxruntime where the bundle carries an ONNX file (--with-onnx), "
          + "else tensorflow; onnxruntime adds the ONNX file as --with-onnx does. The best epoch is still picked on "
          + "the training loop's TensorFlow fp32 figures. Default: ${DEFAULT-VALUE}.")
  String engine = ServedArithmetic.AUTO;

  @Option(names = "--precision", paramLabel = "fp32|bf16|int8|int8-per-tensor",
      description = "Arithmetic of those dev figures, as trainer evaluate --precision; default: int8 on "
          + "onnxruntime (what auto serves), fp32 on tensorflow (the reference).")
  String precision;

  /** The training config at {@code length} word pieces (validated by {@link TrainingConfig}). */
  TrainingConfig config(int length) {
    return new TrainingConfig(learningRate, batchSize, epochs, length, seed, warmup, patience,
        TrainingConfig.DEFAULT_EVAL_BATCH_SIZE, documentContext, servedText);
  }
}
