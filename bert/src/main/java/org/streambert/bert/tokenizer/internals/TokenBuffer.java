package org.streambert.bert.tokenizer.internals;

import java.util.Arrays;

/**
 * Per-thread scratch space of {@link WordPieceEngine}: the word being assembled (normalised code points and the
 * original code point index each came from) and the word pieces produced so far, as growable primitive arrays.
 * Not thread-safe; one instance per thread, reused across calls.
 */
public final class TokenBuffer {

  /** Normalised code points of the current word; only the first {@code maxInputCharsPerWord + 1} are kept. */
  int[] wordChars = new int[64];
  /** Original code point index of each entry of {@link #wordChars}. */
  int[] wordOrigins = new int[64];
  /** Length of the current word in normalised code points (may exceed what is stored). */
  int wordLength;
  /** Original index of the last char appended to the current word. */
  int wordLastOrigin;
  /** Number of words completed so far. */
  int words;

  int[] ids = new int[128];
  int[] starts = new int[128];
  int[] ends = new int[128];
  int[] wordIndex = new int[128];
  int size;

  /** Forgets everything (keeps the capacity). */
  public void clear() {
    wordLength = 0;
    words = 0;
    size = 0;
  }

  /** Number of word pieces produced. */
  public int size() {
    return size;
  }

  public int[] ids() {
    return ids;
  }

  public int[] starts() {
    return starts;
  }

  public int[] ends() {
    return ends;
  }

  public int[] wordIndex() {
    return wordIndex;
  }

  void add(int id, int start, int end, int word) {
    if (size == ids.length) {
      int n = size * 2;
      ids = Arrays.copyOf(ids, n);
      starts = Arrays.copyOf(starts, n);
      ends = Arrays.copyOf(ends, n);
      wordIndex = Arrays.copyOf(wordIndex, n);
    }
    ids[size] = id;
    starts[size] = start;
    ends[size] = end;
    wordIndex[size] = word;
    size++;
  }

  void growWord() {
    int n = wordChars.length * 2;
    wordChars = Arrays.copyOf(wordChars, n);
    wordOrigins = Arrays.copyOf(wordOrigins, n);
  }
}
