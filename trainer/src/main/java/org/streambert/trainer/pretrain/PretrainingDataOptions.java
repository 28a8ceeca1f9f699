package org.streambert.trainer.pretrain;

/**
 * Settings of {@link PretrainingDataGenerator}, with create_pretraining_data.py's flag defaults.
 *
 * @param maxSeqLength         tokens per instance including [CLS] and two [SEP] ({@code max_seq_length})
 * @param shortSeqProb         probability that a document's instances target a random shorter length, so the model
 *                             also sees short sequences ({@code short_seq_prob})
 * @param maskedLmProb         fraction of positions to predict ({@code masked_lm_prob})
 * @param maxPredictionsPerSeq cap on predictions per instance ({@code max_predictions_per_seq})
 * @param dupeFactor           passes over the documents, each with different pairs and masks ({@code dupe_factor})
 * @param wholeWordMask        mask every piece of a word together ({@code do_whole_word_mask})
 * @param seed                 seed of every random choice ({@code random_seed})
 */
public record PretrainingDataOptions(int maxSeqLength, double shortSeqProb, double maskedLmProb,
    int maxPredictionsPerSeq, int dupeFactor, boolean wholeWordMask, long seed) {
  public static final int DEFAULT_MAX_SEQ_LENGTH = 128;
  public static final double DEFAULT_SHORT_SEQ_PROB = 0.1;
  public static final double DEFAULT_MASKED_LM_PROB = 0.15;
  public static final int DEFAULT_MAX_PREDICTIONS_PER_SEQ = 20;
  public static final int DEFAULT_DUPE_FACTOR = 10;
  public static final long DEFAULT_SEED = 12345L;

  /** create_pretraining_data.py's defaults. */
  public static final PretrainingDataOptions DEFAULTS = new PretrainingDataOptions(DEFAULT_MAX_SEQ_LENGTH,
      DEFAULT_SHORT_SEQ_PROB, DEFAULT_MASKED_LM_PROB, DEFAULT_MAX_PREDICTIONS_PER_SEQ, DEFAULT_DUPE_FACTOR, false,
      DEFAULT_SEED);

  public PretrainingDataOptions {
    if (maxSeqLength < 5) {
      throw new IllegalArgumentException("maxSeqLength must be >= 5 ([CLS] A [SEP] B [SEP] with A, B of at least "
          + "two tokens), got " + maxSeqLength);
    }
    if (!(shortSeqProb >= 0 && shortSeqProb <= 1)) {
      throw new IllegalArgumentException("shortSeqProb must be in [0, 1], got " + shortSeqProb);
    }
    if (!(maskedLmProb > 0 && maskedLmProb < 1)) {
      throw new IllegalArgumentException("maskedLmProb must be in (0, 1), got " + maskedLmProb);
    }
    if (maxPredictionsPerSeq < 1) {
      throw new IllegalArgumentException("maxPredictionsPerSeq must be positive, got " + maxPredictionsPerSeq);
    }
    if (dupeFactor < 1) {
      throw new IllegalArgumentException("dupeFactor must be positive, got " + dupeFactor);
    }
  }

  public PretrainingDataOptions withMaxSeqLength(int v) {
    return new PretrainingDataOptions(v, shortSeqProb, maskedLmProb, maxPredictionsPerSeq, dupeFactor,
        wholeWordMask, seed);
  }

  public PretrainingDataOptions withShortSeqProb(double v) {
    return new PretrainingDataOptions(maxSeqLength, v, maskedLmProb, maxPredictionsPerSeq, dupeFactor,
        wholeWordMask, seed);
  }

  public PretrainingDataOptions withMaxPredictionsPerSeq(int v) {
    return new PretrainingDataOptions(maxSeqLength, shortSeqProb, maskedLmProb, v, dupeFactor, wholeWordMask, seed);
  }

  public PretrainingDataOptions withDupeFactor(int v) {
    return new PretrainingDataOptions(maxSeqLength, shortSeqProb, maskedLmProb, maxPredictionsPerSeq, v,
        wholeWordMask, seed);
  }

  public PretrainingDataOptions withWholeWordMask(boolean v) {
    return new PretrainingDataOptions(maxSeqLength, shortSeqProb, maskedLmProb, maxPredictionsPerSeq, dupeFactor, v,
        seed);
  }

  public PretrainingDataOptions withSeed(long v) {
    return new PretrainingDataOptions(maxSeqLength, shortSeqProb, maskedLmProb, maxPredictionsPerSeq, dupeFactor,
        wholeWordMask, v);
  }
}
