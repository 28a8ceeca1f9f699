package org.streambert.bert.tokenizer;

import java.util.Arrays;

/**
 * A model family's special-token template: the ids put before, between and after the word pieces of one text
 * ({@code prefix A suffix}) or of a pair ({@code prefix A middle B suffix}), and the segment (token type) of the second
 * text. BERT: {@code [CLS] A [SEP]}, pairs {@code [CLS] A [SEP] B [SEP]} with B and its [SEP] in segment 1;
 * RoBERTa, XLM-R, CamemBERT: {@code <s> A </s>}, pairs {@code <s> A </s></s> B </s>}, all in segment 0; T5-style
 * Unigram: {@code A </s>}, pairs {@code A </s> B </s>}. Hugging Face's {@code BertProcessing},
 * {@code RobertaProcessing} and {@code TemplateProcessing} all fit this shape: the prefix, A and the middle are in
 * segment 0, B and the suffix in {@link #secondSegment()}. Immutable; the accessors return copies.
 *
 * @param prefix        ids before the first text (may be empty)
 * @param middle        ids between the two texts of a pair (may be empty)
 * @param suffix        ids after the last text (may be empty)
 * @param secondSegment segment id of the second text and the suffix of a pair: 1 for BERT, 0 for RoBERTa
 */
public record SpecialTokens(int[] prefix, int[] middle, int[] suffix, int secondSegment) {

  public SpecialTokens {
    prefix = prefix.clone();
    middle = middle.clone();
    suffix = suffix.clone();
    for (int[] part : new int[][] {prefix, middle, suffix}) {
      for (int id : part) {
        if (id < 0) {
          throw new IllegalArgumentException("special token id must be >= 0, got " + id);
        }
      }
    }
    if (secondSegment != 0 && secondSegment != 1) {
      throw new IllegalArgumentException("secondSegment must be 0 or 1, got " + secondSegment);
    }
  }

  /** BERT's {@code [CLS] A [SEP]} and {@code [CLS] A [SEP] B [SEP]}, B in segment 1. */
  public static SpecialTokens bert(int clsId, int sepId) {
    return new SpecialTokens(new int[] {clsId}, new int[] {sepId}, new int[] {sepId}, 1);
  }

  /** RoBERTa's {@code <s> A </s>} and {@code <s> A </s></s> B </s>}, all in segment 0. */
  public static SpecialTokens roberta(int bosId, int eosId) {
    return new SpecialTokens(new int[] {bosId}, new int[] {eosId, eosId}, new int[] {eosId}, 0);
  }

  @Override
  public int[] prefix() {
    return prefix.clone();
  }

  @Override
  public int[] middle() {
    return middle.clone();
  }

  @Override
  public int[] suffix() {
    return suffix.clone();
  }

  /** Number of ids before the first text: the position of the first word piece. */
  public int prefixLength() {
    return prefix.length;
  }

  /** Number of special ids around one text: {@code maxLength - singleCount()} word pieces fit. */
  public int singleCount() {
    return prefix.length + suffix.length;
  }

  /** Number of special ids around a pair of texts. */
  public int pairCount() {
    return prefix.length + middle.length + suffix.length;
  }

  /** The position of the second text's first piece when the first text has {@code firstLength} pieces. */
  public int secondStart(int firstLength) {
    return prefix.length + firstLength + middle.length;
  }

  /**
   * Writes {@code prefix pieces[from, from + count) suffix} into {@code ids} at {@code at}.
   *
   * @return the number of ids written, {@code count + singleCount()}
   */
  public int putSingle(int[] ids, int at, int[] pieces, int from, int count) {
    int p = at;
    System.arraycopy(prefix, 0, ids, p, prefix.length);
    p += prefix.length;
    System.arraycopy(pieces, from, ids, p, count);
    p += count;
    System.arraycopy(suffix, 0, ids, p, suffix.length);
    return p + suffix.length - at;
  }

  /**
   * Writes {@code prefix a[aFrom, aFrom + aCount) middle b[bFrom, bFrom + bCount) suffix} into {@code ids} at
   * {@code at}, and into {@code segments} (same positions) 0 up to the middle's end and {@link #secondSegment()} after.
   *
   * @return the number of ids written, {@code aCount + bCount + pairCount()}
   */
  public int putPair(int[] ids, int[] segments, int at, int[] a, int aFrom, int aCount, int[] b, int bFrom,
      int bCount) {
    int p = at;
    System.arraycopy(prefix, 0, ids, p, prefix.length);
    p += prefix.length;
    System.arraycopy(a, aFrom, ids, p, aCount);
    p += aCount;
    System.arraycopy(middle, 0, ids, p, middle.length);
    p += middle.length;
    Arrays.fill(segments, at, p, 0);
    int second = p;
    System.arraycopy(b, bFrom, ids, p, bCount);
    p += bCount;
    System.arraycopy(suffix, 0, ids, p, suffix.length);
    p += suffix.length;
    Arrays.fill(segments, second, p, secondSegment);
    return p - at;
  }

  /**
   * {@code prefix A suffix} as an {@link Encoding}, keeping the first {@code maxLength - singleCount()} pieces.
   *
   * @throws IllegalArgumentException when {@code maxLength} cannot hold the special tokens
   */
  public Encoding encode(WordPieces a, int maxLength) {
    if (maxLength < Math.max(1, singleCount())) {
      throw new IllegalArgumentException("maxLength must be >= " + Math.max(1, singleCount())
          + " to hold the special tokens, got " + maxLength);
    }
    int keep = Math.min(a.size(), maxLength - singleCount());
    Encoding e = empty(keep + singleCount(), a.size() - keep);
    putSingle(e.inputIds(), 0, a.ids(), 0, keep);
    copySpans(a, keep, prefix.length, e);
    return e;
  }

  /**
   * {@code prefix A middle B suffix} as an {@link Encoding}. When too long, drops pieces one at a time from the end of
   * whichever text is currently longer (from B on a tie), as run_classifier.py's {@code _truncate_seq_pair} does.
   * (Hugging Face's {@code longest_first} differs when both texts are long and the budget is odd: it gives the odd
   * piece to B, this gives it to A.)
   *
   * @throws IllegalArgumentException when {@code maxLength} cannot hold the special tokens
   */
  public Encoding encodePair(WordPieces a, WordPieces b, int maxLength) {
    if (maxLength < Math.max(1, pairCount())) {
      throw new IllegalArgumentException("maxLength must be >= " + Math.max(1, pairCount())
          + " to hold the special tokens, got " + maxLength);
    }
    int budget = maxLength - pairCount();
    int keepA = a.size();
    int keepB = b.size();
    while (keepA + keepB > budget) { // run_classifier.py: _truncate_seq_pair
      if (keepA > keepB) {
        keepA--;
      } else {
        keepB--;
      }
    }
    Encoding e = empty(keepA + keepB + pairCount(), a.size() - keepA + b.size() - keepB);
    putPair(e.inputIds(), e.segmentIds(), 0, a.ids(), 0, keepA, b.ids(), 0, keepB);
    copySpans(a, keepA, prefix.length, e);
    copySpans(b, keepB, secondStart(keepA), e);
    return e;
  }

  /** An encoding of {@code n} positions to fill in: mask 1, spans (0, 0), words -1 (special tokens' values). */
  private static Encoding empty(int n, int truncated) {
    int[] mask = new int[n];
    int[] words = new int[n];
    Arrays.fill(mask, 1);
    Arrays.fill(words, -1);
    return new Encoding(new int[n], new int[n], mask, new int[n], new int[n], words, truncated);
  }

  /** Copies {@code count} pieces' spans and words into {@code e} from position {@code at}. */
  private static void copySpans(WordPieces from, int count, int at, Encoding e) {
    System.arraycopy(from.starts(), 0, e.starts(), at, count);
    System.arraycopy(from.ends(), 0, e.ends(), at, count);
    System.arraycopy(from.wordIndex(), 0, e.wordIndex(), at, count);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SpecialTokens s && secondSegment == s.secondSegment && Arrays.equals(prefix, s.prefix)
        && Arrays.equals(middle, s.middle) && Arrays.equals(suffix, s.suffix);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * (31 * Arrays.hashCode(prefix) + Arrays.hashCode(middle)) + Arrays.hashCode(suffix))
        + secondSegment;
  }

  @Override
  public String toString() {
    return "SpecialTokens[prefix=" + Arrays.toString(prefix) + ", middle=" + Arrays.toString(middle) + ", suffix="
        + Arrays.toString(suffix) + ", secondSegment=" + secondSegment + "]";
  }
}
