package org.streambert.trainer.train;

import org.streambert.trainer.optim.WarmupLinearDecay;

/**
 * Fine-tuning hyper-parameters. Defaults follow the BERT paper / run_classifier.py.
 *
 * @param learningRate peak learning rate of AdamW ({@link #DEFAULT_LEARNING_RATE})
 * @param batchSize examples per batch (each batch holds one task)
 * @param epochs passes over the training data
 * @param maxLength word pieces per example including [CLS] and [SEP]; longer examples are truncated
 * @param seed seed of batching, dropout and fresh head weights: same seed + same data = same metrics
 * @param warmupProportion fraction of the steps with linear warm-up
 * @param patience stop after this many epochs without a better dev score; 0 = run every epoch
 * @param evalBatchSize examples per evaluation batch
 * @param documentContext NER: pack each sentence of a document with its neighbours' pieces ({@link Feature#ner(
 *     org.streambert.bert.tokenizer.WordPieceTokenizer, org.streambert.trainer.data.NerSentence, java.util.Map, int,
 *     boolean)}), in training and in the model's dev evaluation
 * @param servedText NER: the served dev figure that selects the epoch and is published as the dev score (tokenized is
 *     always measured too)
 */
public record TrainingConfig(double learningRate, int batchSize, int epochs, int maxLength, long seed,
    double warmupProportion, int patience, int evalBatchSize, boolean documentContext, ServedText servedText) {

  /** The paper's largest fine-tuning rate (2e-5..5e-5). */
  public static final double DEFAULT_LEARNING_RATE = 5e-5;
  public static final int DEFAULT_BATCH_SIZE = 32;
  public static final int DEFAULT_EPOCHS = 3;
  public static final int DEFAULT_MAX_LENGTH = 128;
  public static final long DEFAULT_SEED = 42;
  public static final int DEFAULT_PATIENCE = 0;
  public static final int DEFAULT_EVAL_BATCH_SIZE = 64;

  public static final TrainingConfig DEFAULTS = new TrainingConfig(DEFAULT_LEARNING_RATE, DEFAULT_BATCH_SIZE,
      DEFAULT_EPOCHS, DEFAULT_MAX_LENGTH, DEFAULT_SEED, WarmupLinearDecay.DEFAULT_WARMUP_PROPORTION, DEFAULT_PATIENCE,
      DEFAULT_EVAL_BATCH_SIZE);

  /** Without document context, selecting on the tokenized served figure. */
  public TrainingConfig(double learningRate, int batchSize, int epochs, int maxLength, long seed,
      double warmupProportion, int patience, int evalBatchSize) {
    this(learningRate, batchSize, epochs, maxLength, seed, warmupProportion, patience, evalBatchSize, false,
        ServedText.TOKENIZED);
  }

  public TrainingConfig {
    java.util.Objects.requireNonNull(servedText, "servedText");
    if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
      throw new IllegalArgumentException("learning rate must be a positive number, got " + learningRate);
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
    }
    if (epochs < 1) {
      throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
    }
    if (maxLength < 3) {
      throw new IllegalArgumentException("max length must be >= 3 ([CLS], a token, [SEP]), got " + maxLength);
    }
    if (!(warmupProportion >= 0 && warmupProportion <= 1)) {
      throw new IllegalArgumentException("warm-up proportion must be in [0, 1], got " + warmupProportion);
    }
    if (patience < 0) {
      throw new IllegalArgumentException("patience must be >= 0, got " + patience);
    }
    if (evalBatchSize < 1) {
      throw new IllegalArgumentException("evaluation batch size must be >= 1, got " + evalBatchSize);
    }
  }

  public TrainingConfig withLearningRate(double v) {
    return new TrainingConfig(v, batchSize, epochs, maxLength, seed, warmupProportion, patience, evalBatchSize,
        documentContext, servedText);
  }

  public TrainingConfig withBatchSize(int v) {
    return new TrainingConfig(learningRate, v, epochs, maxLength, seed, warmupProportion, patience, evalBatchSize,
        documentContext, servedText);
  }

  public TrainingConfig withEpochs(int v) {
    return new TrainingConfig(learningRate, batchSize, v, maxLength, seed, warmupProportion, patience, evalBatchSize,
        documentContext, servedText);
  }

  public TrainingConfig withMaxLength(int v) {
    return new TrainingConfig(learningRate, batchSize, epochs, v, seed, warmupProportion, patience, evalBatchSize,
        documentContext, servedText);
  }

  public TrainingConfig withSeed(long v) {
    return new TrainingConfig(learningRate, batchSize, epochs, maxLength, v, warmupProportion, patience, evalBatchSize,
        documentContext, servedText);
  }

  public TrainingConfig withPatience(int v) {
    return new TrainingConfig(learningRate, batchSize, epochs, maxLength, seed, warmupProportion, v, evalBatchSize,
        documentContext, servedText);
  }

  public TrainingConfig withDocumentContext(boolean v) {
    return new TrainingConfig(learningRate, batchSize, epochs, maxLength, seed, warmupProportion, patience,
        evalBatchSize, v, servedText);
  }

  public TrainingConfig withServedText(ServedText v) {
    return new TrainingConfig(learningRate, batchSize, epochs, maxLength, seed, warmupProportion, patience,
        evalBatchSize, documentContext, v);
  }
}
