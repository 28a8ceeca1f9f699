package org.streambert.bert.tokenizer;

import java.util.Arrays;
import org.streambert.bert.tokenizer.internals.UnicodeRules;

/**
 * The words of a text: its maximal runs of non-whitespace code points. This is the project's one definition of a word,
 * shared by training (the trainer labels the first word piece of each word) and serving (entities are aggregated per
 * word): a CoNLL token such as {@code AL-AIN}, {@code U.S.} or {@code O'Neil} is one word, and the pieces after
 * punctuation inside it belong to it, although the tokenizer splits them off as separate basic tokens.
 *
 * <p>Whitespace is what the tokenizer splits on (Unicode White_Space, except the control characters it deletes such as
 * U+000B and U+000C), so every word piece lies inside exactly one word; spaces, tabs, newlines and runs of them are all
 * just separators. Offsets are Unicode code points, end exclusive. Immutable.
 */
public final class TextWords {

  private final int[] starts;
  private final int[] ends;

  private TextWords(int[] starts, int[] ends) {
    this.starts = starts;
    this.ends = ends;
  }

  /** The words of {@code text}, in order. */
  public static TextWords of(String text) {
    if (text == null) {
      throw new IllegalArgumentException("text is null");
    }
    int[] starts = new int[8];
    int[] ends = new int[8];
    int n = 0;
    int cp = 0;
    int wordStart = -1;
    for (int i = 0; i < text.length(); cp++) {
      int c = text.codePointAt(i);
      i += Character.charCount(c);
      if (isSeparator(c)) {
        if (wordStart >= 0) {
          if (n == starts.length) {
            starts = Arrays.copyOf(starts, 2 * n);
            ends = Arrays.copyOf(ends, 2 * n);
          }
          starts[n] = wordStart;
          ends[n++] = cp;
          wordStart = -1;
        }
      } else if (wordStart < 0) {
        wordStart = cp;
      }
    }
    if (wordStart >= 0) {
      starts = Arrays.copyOf(starts, n + 1);
      ends = Arrays.copyOf(ends, n + 1);
      starts[n] = wordStart;
      ends[n++] = cp;
    }
    return new TextWords(Arrays.copyOf(starts, n), Arrays.copyOf(ends, n));
  }

  /** Whether a code point separates words (the tokenizer's whitespace). */
  public static boolean isSeparator(int codePoint) {
    return UnicodeRules.isWhitespace(codePoint) && !UnicodeRules.isControl(codePoint);
  }

  /** Number of words. */
  public int size() {
    return starts.length;
  }

  /** Code point offset of the first character of word {@code w}. */
  public int start(int w) {
    return starts[w];
  }

  /** Code point offset after the last character of word {@code w}. */
  public int end(int w) {
    return ends[w];
  }

  /** The word containing code point {@code offset}, or -1 when it is whitespace or outside the text. */
  public int wordAt(int offset) {
    int i = Arrays.binarySearch(starts, offset);
    if (i >= 0) {
      return i;
    }
    int w = -i - 2; // the last word starting before offset
    return w >= 0 && offset < ends[w] ? w : -1;
  }

  /**
   * The word of each token, given the tokens' start offsets (e.g. {@link WordPieces#starts()}): tokens of one word
   * share its index; -1 for a token that starts on whitespace (a tokenizer never produces one).
   */
  public int[] wordsOf(int[] tokenStarts) {
    int[] words = new int[tokenStarts.length];
    for (int t = 0; t < tokenStarts.length; t++) {
      words[t] = wordAt(tokenStarts[t]);
    }
    return words;
  }
}
