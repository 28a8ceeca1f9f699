package org.streambert.bert.tokenizer;

/**
 * What inference and training need of a tokenizer: word pieces with offsets, the special token ids and the family's
 * special-token template ({@link #specialTokens()}), so that a RoBERTa tokenizer builds RoBERTa inputs.
 *
 * <p>Ownership: a tokenizer may hold native memory (those of {@link TextTokenizers#load} over a BPE or Unigram
 * {@code tokenizer.json}); whoever creates it closes it, once no call is running on it (calls after {@code close}
 * fail with {@link IllegalStateException}). Closing a pure-Java tokenizer does nothing. Implementations are
 * thread-safe.
 */
public interface TextTokenizer extends AutoCloseable {

  /**
   * Tokenizes one text without adding special tokens and without truncation. Never null; empty for blank text. Spans
   * are code point offsets into {@code text} that never start or end on whitespace (a piece that is only whitespace,
   * e.g. byte-level BPE's {@code Ġ} or a lone {@code ▁}, has an empty span where its whitespace ends).
   */
  WordPieces tokenize(String text);

  /** Number of entries in the vocabulary (the embedding table's row count). */
  int vocabSize();

  /** The first special id of the template (BERT {@code [CLS]}, RoBERTa {@code <s>}), or -1 when there is none. */
  int clsId();

  /** The separator (BERT {@code [SEP]}, RoBERTa {@code </s>}), or -1 when there is none. */
  int sepId();

  /** The id padding positions carry (their attention mask is 0). */
  int padId();

  int unkId();

  /** The masked-language-model mask ({@code [MASK]}, {@code <mask>}), or -1 when there is none. */
  int maskId();

  /** The special-token template put around texts: BERT's by default. */
  default SpecialTokens specialTokens() {
    return SpecialTokens.bert(clsId(), sepId());
  }

  /** The tokenization model. */
  default TokenizerKind kind() {
    return TokenizerKind.WORD_PIECE;
  }

  /** {@code text} with the special tokens around it ({@link #specialTokens()}), keeping the first pieces that fit. */
  default Encoding encode(String text, int maxLength) {
    return specialTokens().encode(tokenize(text), maxLength);
  }

  /** A pair of texts with the special tokens ({@link SpecialTokens#encodePair}). */
  default Encoding encodePair(String a, String b, int maxLength) {
    return specialTokens().encodePair(tokenize(a), tokenize(b), maxLength);
  }

  /** Frees what the tokenizer holds outside the Java heap; nothing for pure-Java tokenizers. Idempotent. */
  @Override
  default void close() {
  }
}
