package org.streambert.bert.inference;

/**
 * How per-token label probabilities become entities; the semantics of Hugging Face's TokenClassificationPipeline
 * {@code aggregation_strategy} (pipelines/token_classification.py). Tokens labelled {@code O} never form entities.
 *
 * <p>A <em>word</em> is a whitespace-delimited run of the text ({@link org.streambert.bert.tokenizer.TextWords}), the
 * unit the trainer labels: {@code AL-AIN}, {@code U.S.}, {@code O'Neil} are one word each, and their pieces after the
 * punctuation follow the word's first piece. (Deliberate difference: HF's pipeline, with a WordPiece tokenizer, starts a
 * word at every piece without {@code ##}, i.e. at punctuation, although HF's own run_ner labels whitespace words.) A
 * word entity spans whole words, in code points, end exclusive; attached punctuation ({@code Paris,}) is part of the
 * word, as in HF for non-WordPiece tokenizers.
 */
public enum AggregationStrategy {
  /** One entity per non-{@code O} token, typed with the full tag (e.g. {@code B-PER}), score = its probability. */
  NONE,
  /**
   * Each token takes its arg-max tag; adjacent tokens are joined while the tag's type is unchanged and the next tag is
   * not {@code B-} (so two consecutive {@code B-PER} stay separate, and an {@code I-PER} after {@code O} starts an
   * entity). Entity score = mean of its tokens' scores. May split a word whose pieces disagree.
   */
  SIMPLE,
  /**
   * Like SIMPLE on whole words: a word takes the arg-max tag of its first token and that probability. The default: it
   * reads the model the way it was trained (one label per word, on its first piece) and never splits a word.
   */
  FIRST,
  /** Like SIMPLE on whole words: a word takes the arg-max of its tokens' mean distribution, and that mean. */
  AVERAGE,
  /** Like SIMPLE on whole words: a word takes the tag of its single most confident token, and that probability. */
  MAX
}
