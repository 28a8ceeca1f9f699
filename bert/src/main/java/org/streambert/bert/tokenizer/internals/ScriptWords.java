package org.streambert.bert.tokenizer.internals;

import java.lang.Character.UnicodeScript;
import java.util.EnumSet;
import java.util.Set;

/**
 * Splits a Penn-Treebank word further where other scripts need it: every character of a script written without
 * spaces is a word with its trailing combining marks and modifier letters, and each run of one non-ASCII sentence or
 * clause punctuation mark (Unicode "other punctuation", Po) is a word. Text in Latin, Cyrillic, Greek, Arabic,
 * Hebrew, Devanagari, Hangul and the other spaced scripts is only touched at such punctuation. Stateless.
 */
public final class ScriptWords {

  /** Scripts written without spaces between words: each character is a word. */
  private static final Set<UnicodeScript> UNSPACED = EnumSet.of(UnicodeScript.HAN, UnicodeScript.HIRAGANA,
      UnicodeScript.KATAKANA, UnicodeScript.THAI, UnicodeScript.LAO, UnicodeScript.KHMER, UnicodeScript.MYANMAR,
      UnicodeScript.TIBETAN, UnicodeScript.YI, UnicodeScript.BOPOMOFO);

  private ScriptWords() {}

  /** Emits the words of {@code cps[from, to)}, one PTB word, in order. */
  public static void split(int[] cps, int from, int to, PtbSplitter.Sink sink) {
    int wordStart = from;
    int i = from;
    while (i < to) {
      int c = cps[i];
      if (c < 0x80) {
        i++;
        continue;
      }
      if (isSplitPunctuation(cps, i, from, to)) {
        if (wordStart < i) {
          sink.word(wordStart, i);
        }
        int j = i + 1;
        while (j < to && cps[j] == c) {
          j++;
        }
        sink.word(i, j);
        wordStart = j;
        i = j;
      } else if (isUnspaced(c)) {
        if (wordStart < i) {
          sink.word(wordStart, i);
        }
        int j = i + 1;
        while (j < to && attaches(cps[j])) {
          j++;
        }
        sink.word(i, j);
        wordStart = j;
        i = j;
      } else {
        i++;
      }
    }
    if (wordStart < to) {
      sink.word(wordStart, to);
    }
  }

  /** Whether {@code c} belongs to a script written without spaces (each character a word). */
  public static boolean isUnspaced(int c) {
    return c >= 0x0E00 && UNSPACED.contains(UnicodeScript.of(c)) && !attaches(c);
  }

  /** Combining marks and modifier letters ({@code ー 々 ๆ}) stay with the character before them. */
  private static boolean attaches(int c) {
    int type = Character.getType(c);
    return type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK
        || type == Character.ENCLOSING_MARK || type == Character.MODIFIER_LETTER;
  }

  /**
   * Non-ASCII other punctuation (Po) that ends or separates clauses: {@code 。、！？}, {@code ، ؟}, {@code ।} ...
   * Not the marks that live inside words or numbers: middle dots ({@code l·l}, {@code ‧}), Hebrew geresh and
   * gershayim, Arabic percent and decimal/thousands separators, per mille and primes, and the marks the PTB rules
   * already place ({@code … ¡ ¿}).
   */
  static boolean isSplitPunctuation(int[] cps, int i, int from, int to) {
    int c = cps[i];
    if (Character.getType(c) != Character.OTHER_PUNCTUATION) {
      return false;
    }
    switch (c) {
      case 0x00A1, 0x00BF, 0x00B7, 0x2026, 0x2027, 0x05F3, 0x05F4, 0x066A, 0x2030, 0x2031, 0x2032, 0x2033, 0x2034,
          0x2035, 0x2036, 0x2037:
        return false;
      case 0x066B, 0x066C: // Arabic decimal and thousands separators stay between digits
        return !(i > from && i + 1 < to && Character.isDigit(cps[i - 1]) && Character.isDigit(cps[i + 1]));
      default:
        return true;
    }
  }
}
