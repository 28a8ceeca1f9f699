package org.streambert.bert.tokenizer;

import java.nio.file.Path;
import java.util.Arrays;
import org.streambert.bert.tokenizer.internals.TokenBuffer;
import org.streambert.bert.tokenizer.internals.WordPieceEngine;

/**
 * BERT's WordPiece tokenizer (google-research/bert tokenization.py {@code FullTokenizer}), producing the same ids
 * and offsets as Hugging Face tokenizers' BERT pipeline ({@code BertNormalizer}, {@code BertPreTokenizer},
 * {@code WordPiece}, {@code BertProcessing}) over the same {@code vocab.txt}.
 *
 * <p>Every token carries the span of the original text it came from, in Unicode code points, exact even where
 * cleaning, lower-casing or accent stripping changed the text. Immutable and thread-safe: per-call scratch space
 * is thread-local, and each call returns fresh arrays.
 *
 * <p>Where Hugging Face and tokenization.py differ (private-use chars, U+2028/U+2029, final sigma), this follows
 * Hugging Face; see {@link org.streambert.bert.tokenizer.internals.UnicodeRules}.
 */
public final class WordPieceTokenizer implements TextTokenizer {

  /** tokenization.py {@code WordpieceTokenizer.max_input_chars_per_word}: longer words become one [UNK]. */
  public static final int DEFAULT_MAX_INPUT_CHARS_PER_WORD = 200;
  /** Marks a piece that continues a word. */
  public static final String CONTINUATION_PREFIX = "##";

  private final Vocab vocab;
  private final boolean doLowerCase;
  private final int maxInputCharsPerWord;
  private final WordPieceEngine engine;
  private final ThreadLocal<TokenBuffer[]> buffers =
      ThreadLocal.withInitial(() -> new TokenBuffer[] {new TokenBuffer(), new TokenBuffer()});

  /** A tokenizer with the default maximum word length (200 chars). */
  public WordPieceTokenizer(Vocab vocab, boolean doLowerCase) {
    this(vocab, doLowerCase, DEFAULT_MAX_INPUT_CHARS_PER_WORD);
  }

  /**
   * @param vocab the vocabulary
   * @param doLowerCase lower-case and strip accents (true for "uncased" models)
   * @param maxInputCharsPerWord words longer than this (in normalised code points) become one [UNK]
   */
  public WordPieceTokenizer(Vocab vocab, boolean doLowerCase, int maxInputCharsPerWord) {
    if (vocab == null) {
      throw new IllegalArgumentException("vocab is null");
    }
    if (maxInputCharsPerWord < 1) {
      throw new IllegalArgumentException("maxInputCharsPerWord must be >= 1, got " + maxInputCharsPerWord);
    }
    this.vocab = vocab;
    this.doLowerCase = doLowerCase;
    this.maxInputCharsPerWord = maxInputCharsPerWord;
    this.engine = new WordPieceEngine(vocab.tokens(), vocab.unkId(), CONTINUATION_PREFIX, doLowerCase,
        maxInputCharsPerWord);
  }

  /** Loads {@code vocab.txt} and builds a tokenizer over it. */
  public static WordPieceTokenizer fromVocabFile(Path vocabTxt, boolean doLowerCase) {
    return new WordPieceTokenizer(Vocab.load(vocabTxt), doLowerCase);
  }

  public Vocab vocab() {
    return vocab;
  }

  public boolean doLowerCase() {
    return doLowerCase;
  }

  public int maxInputCharsPerWord() {
    return maxInputCharsPerWord;
  }

  @Override
  public WordPieces tokenize(String text) {
    TokenBuffer b = run(text, 0, "text");
    int n = b.size();
    return new WordPieces(Arrays.copyOf(b.ids(), n), Arrays.copyOf(b.starts(), n), Arrays.copyOf(b.ends(), n),
        Arrays.copyOf(b.wordIndex(), n));
  }

  @Override
  public int vocabSize() {
    return vocab.size();
  }

  @Override
  public int clsId() {
    return vocab.clsId();
  }

  @Override
  public int sepId() {
    return vocab.sepId();
  }

  @Override
  public int padId() {
    return vocab.padId();
  }

  @Override
  public int unkId() {
    return vocab.unkId();
  }

  @Override
  public int maskId() {
    return vocab.maskId();
  }

  private TokenBuffer run(String text, int slot, String what) {
    if (text == null) {
      throw new IllegalArgumentException(what + " is null");
    }
    TokenBuffer b = buffers.get()[slot];
    engine.tokenize(text, b);
    return b;
  }
}
