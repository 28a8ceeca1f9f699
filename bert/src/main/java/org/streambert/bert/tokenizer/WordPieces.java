package org.streambert.bert.tokenizer;

/**
 * The WordPiece tokens of one text, without [CLS]/[SEP], in text order. Parallel arrays, one entry per token:
 * vocabulary id, the span of the <em>original</em> text it came from as Unicode code point offsets
 * ({@code start} inclusive, {@code end} exclusive), and the index of the whole word it belongs to (pieces of one
 * word share it; words are numbered from 0 in order), so that callers can label the first sub-token of a word.
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
