package org.streambert.trainer.pretrain;

import java.io.PrintStream;
import java.util.List;
import java.util.Objects;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.WeightSource;
import org.streambert.bert.tokenizer.TextTokenizer;

/**
 * Everything {@link Pretrainer#run} needs. Build with {@link #builder}; defaults follow run_pretraining.py where it
 * has one (learning rate 5e-5 is its fine-tuning-from-a-checkpoint value; from scratch, tiny models want ~1e-3).
 *
 * @param config          the encoder's shape (its vocabulary size must match the tokenizer)
 * @param tokenizer       turns sentences into word pieces
 * @param documents       documents, each one sentence per line (see {@link PretrainingDataGenerator#generate})
 * @param initialWeights  weights to continue from (domain-adaptive pre-training), or null to start from Google's
 *                        random initialisation; weights it lacks (e.g. the pre-training heads) start random. The
 *                        caller owns and closes it.
 * @param data            instance generation settings
 * @param batchSize       instances per update ({@code train_batch_size})
 * @param numTrainSteps   updates ({@code num_train_steps})
 * @param numWarmupSteps  linear warm-up updates ({@code num_warmup_steps})
 * @param learningRate    peak learning rate ({@code learning_rate})
 * @param evalFraction    fraction of the documents held out (at document level, so no held-out sentence is trained
 *                        on) for the MLM/NSP accuracy; 0 to skip evaluation
 * @param seed            seed of the weight initialisation, the hold-out split, batching and dropout
 * @param progress        where progress lines go, or null for none
 */
public record PretrainOptions(BertConfig config, TextTokenizer tokenizer, List<String> documents,
    WeightSource initialWeights, PretrainingDataOptions data, int batchSize, long numTrainSteps,
    long numWarmupSteps, double learningRate, double evalFraction, long seed, PrintStream progress) {
  public static final int DEFAULT_BATCH_SIZE = 32;
  public static final long DEFAULT_NUM_TRAIN_STEPS = 10_000;
  public static final long DEFAULT_NUM_WARMUP_STEPS = 1_000;
  public static final double DEFAULT_LEARNING_RATE = 5e-5;
  public static final double DEFAULT_EVAL_FRACTION = 0.1;
  public static final long DEFAULT_SEED = 12345L;

  public PretrainOptions {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(tokenizer, "tokenizer");
    Objects.requireNonNull(data, "data");
    documents = List.copyOf(documents);
    if (tokenizer.vocabSize() != config.vocabSize()) {
      throw new IllegalArgumentException("the tokenizer has " + tokenizer.vocabSize() + " tokens, the config's "
          + "vocab_size is " + config.vocabSize());
    }
    if (data.maxSeqLength() > config.maxPositionEmbeddings()) {
      throw new IllegalArgumentException("maxSeqLength " + data.maxSeqLength() + " exceeds max_position_embeddings "
          + config.maxPositionEmbeddings());
    }
    if (batchSize < 1 || numTrainSteps < 1 || numWarmupSteps < 0) {
      throw new IllegalArgumentException("batchSize and numTrainSteps must be positive and numWarmupSteps >= 0, got "
          + batchSize + ", " + numTrainSteps + ", " + numWarmupSteps);
    }
    if (!(learningRate > 0)) {
      throw new IllegalArgumentException("learningRate must be positive, got " + learningRate);
    }
    if (!(evalFraction >= 0 && evalFraction < 1)) {
      throw new IllegalArgumentException("evalFraction must be in [0, 1), got " + evalFraction);
    }
  }

  /** A builder with the defaults. */
  public static Builder builder(BertConfig config, TextTokenizer tokenizer, List<String> documents) {
    return new Builder(config, tokenizer, documents);
  }

  /** Mutable builder of {@link PretrainOptions}. */
  public static final class Builder {
    private final BertConfig config;
    private final TextTokenizer tokenizer;
    private final List<String> documents;
    private WeightSource initialWeights;
    private PretrainingDataOptions data = PretrainingDataOptions.DEFAULTS;
    private int batchSize = DEFAULT_BATCH_SIZE;
    private long numTrainSteps = DEFAULT_NUM_TRAIN_STEPS;
    private long numWarmupSteps = DEFAULT_NUM_WARMUP_STEPS;
    private double learningRate = DEFAULT_LEARNING_RATE;
    private double evalFraction = DEFAULT_EVAL_FRACTION;
    private long seed = DEFAULT_SEED;
    private PrintStream progress;

    private Builder(BertConfig config, TextTokenizer tokenizer, List<String> documents) {
      this.config = config;
      this.tokenizer = tokenizer;
      this.documents = documents;
    }

    public Builder initialWeights(WeightSource v) {
      initialWeights = v;
      return this;
    }

    public Builder data(PretrainingDataOptions v) {
      data = v;
      return this;
    }

    public Builder batchSize(int v) {
      batchSize = v;
      return this;
    }

    public Builder numTrainSteps(long v) {
      numTrainSteps = v;
      return this;
    }

    public Builder numWarmupSteps(long v) {
      numWarmupSteps = v;
      return this;
    }

    public Builder learningRate(double v) {
      learningRate = v;
      return this;
    }

    public Builder evalFraction(double v) {
      evalFraction = v;
      return this;
    }

    public Builder seed(long v) {
      seed = v;
      return this;
    }

    public Builder progress(PrintStream v) {
      progress = v;
      return this;
    }

    public PretrainOptions build() {
      return new PretrainOptions(config, tokenizer, documents, initialWeights, data, batchSize, numTrainSteps,
          numWarmupSteps, learningRate, evalFraction, seed, progress);
    }
  }
}
