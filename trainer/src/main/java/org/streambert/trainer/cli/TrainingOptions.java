package org.streambert.trainer.cli;

import org.streambert.trainer.optim.WarmupLinearDecay;
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

  /** The training config at {@code length} word pieces (validated by {@link TrainingConfig}). */
  TrainingConfig config(int length) {
    return new TrainingConfig(learningRate, batchSize, epochs, length, seed, warmup, patience,
        TrainingConfig.DEFAULT_EVAL_BATCH_SIZE);
  }
}
