package org.streambert.bert.tokenizer;

/**
 * The WordPiece tokens of one text, without [CLS]/[SEP], in text order. Parallel arrays, one entry per token:
 * vocabulary id, the span of the <em>original</em> text it came from as Unicode code point offsets
 * ({@code start} inclusive, {@code end} exclusive), and the index of the basic-tokenizer word it belongs to (pieces
 * of one word share it; words are numbered from 0 in order; Hugging Face's {@code word_ids()}), where punctuation is a
 * word of its own. That is the unit of whole-word masking in pre-training; NER labels and served entities use
 * whitespace-delimited words instead ({@link TextWords#wordsOf} maps these pieces to them).
 */
public record WordPieces(int[] ids, int[] starts, int[] ends, int[] wordIndex) {

  public WordPieces {
    if (starts.length != ids.length || ends.length != ids.length || wordIndex.length != ids.length) {
      throw new IllegalArgumentException("parallel arrays differ in length");
    }
  }

  /** Number of tokens. */
  public int size() {
    return ids.length;
  }
}
