package org.streambert.bert.tokenizer;

import java.util.Arrays;

/**
 * A model-ready sequence, {@code [CLS] A [SEP]} or {@code [CLS] A [SEP] B [SEP]}, as parallel arrays with one entry
 * per token: vocabulary id, segment id (0 up to and including the first [SEP], 1 after it), attention mask (1 for
 * tokens, 0 for padding), the span of the token in its own text (A or B) as Unicode code point offsets
 * ({@code start} inclusive, {@code end} exclusive; {@code (0, 0)} for special tokens and padding, as Hugging Face
 * does), and the index of the word the token belongs to within its text (-1 for special tokens and padding).
 *
 * @param truncated number of word pieces dropped to fit the maximum length
 */
public record Encoding(int[] inputIds, int[] segmentIds, int[] attentionMask, int[] starts, int[] ends,
    int[] wordIndex, int truncated) {

  public Encoding {
    int n = inputIds.length;
    if (segmentIds.length != n || attentionMask.length != n || starts.length != n || ends.length != n
        || wordIndex.length != n) {
      throw new IllegalArgumentException("parallel arrays differ in length");
    }
    if (truncated < 0) {
      throw new IllegalArgumentException("truncated must be >= 0, got " + truncated);
    }
  }

  /** Number of positions (tokens plus padding). */
  public int size() {
    return inputIds.length;
  }

  /** Number of real tokens (positions whose attention mask is 1). */
  public int tokenCount() {
    int n = 0;
    for (int m : attentionMask) {
      n += m;
    }
    return n;
  }

  /**
   * This encoding padded to {@code length} positions with {@code padId} (segment 0, mask 0, offsets (0, 0),
   * word -1).
   *
   * @throws IllegalArgumentException when the encoding is already longer than {@code length}
   */
  public Encoding padTo(int length, int padId) {
    int n = inputIds.length;
    if (length < n) {
      throw new IllegalArgumentException("cannot pad an encoding of " + n + " tokens to " + length);
    }
    int[] ids = Arrays.copyOf(inputIds, length);
    int[] words = Arrays.copyOf(wordIndex, length);
    Arrays.fill(ids, n, length, padId);
    Arrays.fill(words, n, length, -1);
    return new Encoding(ids, Arrays.copyOf(segmentIds, length), Arrays.copyOf(attentionMask, length),
        Arrays.copyOf(starts, length), Arrays.copyOf(ends, length), words, truncated);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Encoding e
        && truncated == e.truncated
        && Arrays.equals(inputIds, e.inputIds)
        && Arrays.equals(segmentIds, e.segmentIds)
        && Arrays.equals(attentionMask, e.attentionMask)
        && Arrays.equals(starts, e.starts)
        && Arrays.equals(ends, e.ends)
        && Arrays.equals(wordIndex, e.wordIndex);
  }

  @Override
  public int hashCode() {
    int h = Arrays.hashCode(inputIds);
    h = 31 * h + Arrays.hashCode(segmentIds);
    h = 31 * h + Arrays.hashCode(starts);
    h = 31 * h + Arrays.hashCode(ends);
    return 31 * h + truncated;
  }

  @Override
  public String toString() {
    return "Encoding[inputIds=" + Arrays.toString(inputIds) + ", segmentIds=" + Arrays.toString(segmentIds)
        + ", attentionMask=" + Arrays.toString(attentionMask) + ", starts=" + Arrays.toString(starts)
        + ", ends=" + Arrays.toString(ends) + ", wordIndex=" + Arrays.toString(wordIndex)
        + ", truncated=" + truncated + "]";
  }
}
