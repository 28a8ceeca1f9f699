package org.streambert.bert.tokenizer;

import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * The encoder's three inputs for a batch of B sequences padded to their longest, T positions, row-major [B, T]: token
 * ids (padding is the tokenizer's pad id), the attention mask (1 on real positions, 0 on padding) and the segment
 * (token type) ids (0 on padding). This is the project's one input builder (issue 30): serving
 * ({@code BertPredictor}), embeddings ({@code TextEmbedder}), QA ({@code BertQa}) and every training batch pad here,
 * so a model reads in training exactly what it reads when served; Hugging Face's {@code BatchEncoding} with
 * {@code padding="longest"}. The arrays are handed over, not copied: nobody changes them after building.
 *
 * @param size     B
 * @param seqLen   T, the longest sequence of the batch (at least 1)
 * @param ids      [B, T] token ids
 * @param mask     [B, T] attention mask
 * @param segments [B, T] segment ids
 */
public record BatchEncoding(int size, int seqLen, int[] ids, int[] mask, int[] segments) {

  public BatchEncoding {
    if (size < 0 || seqLen < 1) {
      throw new IllegalArgumentException("a batch needs size >= 0 and seqLen >= 1, got " + size + " x " + seqLen);
    }
    if (ids.length != (long) size * seqLen || mask.length != ids.length || segments.length != ids.length) {
      throw new IllegalArgumentException("inputs of " + ids.length + "/" + mask.length + "/" + segments.length
          + " values for a batch of " + size + " x " + seqLen);
    }
  }

  /**
   * One window of a tokenized text: word pieces {@code [from, from + count)} of {@code pieces}, to be framed by the
   * model family's special tokens.
   */
  public record Window(int[] pieces, int from, int count) {

    public Window {
      if (from < 0 || count < 0 || from > pieces.length - count) {
        throw new IllegalArgumentException("window [" + from + ", " + from + " + " + count + ") outside "
            + pieces.length + " word pieces");
      }
    }
  }

  /**
   * Single-text windows, each framed as {@code prefix A suffix} by {@code special} ({@code [CLS] A [SEP]} for BERT),
   * all in segment 0, padded to the longest.
   */
  public static BatchEncoding ofWindows(List<Window> windows, SpecialTokens special, int padId) {
    int b = windows.size();
    int t = 1;
    for (Window w : windows) {
      t = Math.max(t, w.count() + special.singleCount());
    }
    int[] ids = new int[b * t];
    int[] mask = new int[b * t];
    Arrays.fill(ids, padId);
    for (int r = 0; r < b; r++) {
      Window w = windows.get(r);
      int written = special.putSingle(ids, r * t, w.pieces(), w.from(), w.count()); // [CLS] A [SEP]
      Arrays.fill(mask, r * t, r * t + written, 1);
    }
    return new BatchEncoding(b, t, ids, mask, new int[b * t]);
  }

  /**
   * Sequences already framed with their special tokens (pairs, SQuAD windows, pre-training instances), padded to the
   * longest.
   *
   * @param ids      a sequence's token ids
   * @param segments a sequence's segment ids (same length), or null when every sequence is in segment 0
   * @throws IllegalArgumentException when a sequence's segment ids differ in length from its token ids
   */
  public static <T> BatchEncoding pad(List<T> sequences, Function<T, int[]> ids, Function<T, int[]> segments,
      int padId) {
    int b = sequences.size();
    int t = 1;
    for (T e : sequences) {
      t = Math.max(t, ids.apply(e).length);
    }
    int[] idsOut = new int[b * t];
    int[] maskOut = new int[b * t];
    int[] segOut = new int[b * t];
    Arrays.fill(idsOut, padId);
    for (int i = 0; i < b; i++) {
      int[] x = ids.apply(sequences.get(i));
      System.arraycopy(x, 0, idsOut, i * t, x.length);
      Arrays.fill(maskOut, i * t, i * t + x.length, 1);
      int[] s = segments == null ? null : segments.apply(sequences.get(i));
      if (s != null) {
        if (s.length != x.length) {
          throw new IllegalArgumentException("sequence " + i + ": " + s.length + " segment ids for " + x.length
              + " tokens");
        }
        System.arraycopy(s, 0, segOut, i * t, s.length);
      }
    }
    return new BatchEncoding(b, t, idsOut, maskOut, segOut);
  }
}
