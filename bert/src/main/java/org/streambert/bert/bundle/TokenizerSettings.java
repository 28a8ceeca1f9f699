package org.streambert.bert.bundle;

/**
 * How the model's text was tokenized in training, stored in {@code model.json} under {@code "tokenizer"}.
 *
 * @param doLowerCase lower-case and strip accents before WordPiece (Google's {@code do_lower_case}); true for
 *                    uncased checkpoints
 * @param maxLength   the sequence length (including [CLS] and [SEP]) the model was trained with; at least 3 and at
 *                    most {@code max_position_embeddings}
 */
public record TokenizerSettings(boolean doLowerCase, int maxLength) {

  /** Smallest usable sequence: [CLS], one token, [SEP]. */
  public static final int MIN_MAX_LENGTH = 3;

  public TokenizerSettings {
    if (maxLength < MIN_MAX_LENGTH) {
      throw new IllegalArgumentException("tokenizer max_length must be at least " + MIN_MAX_LENGTH + ", got "
          + maxLength);
    }
  }
}
