package org.streambert.bert.tokenizer.internals;

/**
 * The character classes BERT tokenisation relies on, as Hugging Face tokenizers' {@code BertNormalizer} and
 * {@code BertPreTokenizer} define them (their ids and offsets are the reference), with the places where
 * google-research/bert tokenization.py differs noted on each method.
 */
public final class UnicodeRules {

  private UnicodeRules() {}

  /**
   * Removed by clean-text: Hugging Face's {@code is_control}, i.e. categories Cc, Cf and Co (plus U+FFFD) in the
   * Unicode tables HF uses ({@link HfCharTables}), except tab, newline and carriage return, which are whitespace.
   * tokenization.py {@code _is_control} removes only Cc and Cf, so it keeps private-use chars.
   */
  public static boolean isControl(int cp) {
    if (cp < 0x80) {
      return (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0x7F;
    }
    return inRanges(HfCharTables.CONTROL, cp) || Character.getType(cp) == Character.SURROGATE;
  }

  /**
   * Whitespace: the Unicode White_Space property (Rust {@code char::is_whitespace}). tokenization.py
   * {@code _is_whitespace} takes space, tab, newline, carriage return and category Zs only, so U+2028/U+2029 stay
   * inside a word there, and U+000B, U+000C, U+001C..U+001F, U+0085 are removed as controls (as they are here,
   * since control removal comes first).
   */
  public static boolean isWhitespace(int cp) {
    if (cp <= 0x20) {
      return cp == ' ' || (cp >= 0x09 && cp <= 0x0D);
    }
    if (cp < 0x85) {
      return false;
    }
    return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028
        || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
  }

  /**
   * CJK ideographs that get spaces around them: tokenization.py {@code _is_chinese_char}'s blocks as Hugging Face
   * writes them, which starts its Extension E range at U+2B920 where google's code has U+2B820 (so
   * U+2B820..U+2B91F are ordinary letters here, as in HF).
   */
  public static boolean isChineseChar(int cp) {
    return (cp >= 0x4E00 && cp <= 0x9FFF)
        || (cp >= 0x3400 && cp <= 0x4DBF)
        || (cp >= 0x20000 && cp <= 0x2A6DF)
        || (cp >= 0x2A700 && cp <= 0x2B73F)
        || (cp >= 0x2B740 && cp <= 0x2B81F)
        || (cp >= 0x2B920 && cp <= 0x2CEAF)
        || (cp >= 0xF900 && cp <= 0xFAFF)
        || (cp >= 0x2F800 && cp <= 0x2FA1F);
  }

  /**
   * tokenization.py {@code _is_punctuation}: the ASCII non-alphanumeric printables (33-47, 58-64, 91-96,
   * 123-126, so {@code $ + < = > ^ ` | ~} count although they are symbols) and every Unicode P* category (in the
   * tables HF uses, {@link HfCharTables}).
   */
  public static boolean isPunctuation(int cp) {
    if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) {
      return true;
    }
    return cp >= 0x80 && inRanges(HfCharTables.PUNCTUATION, cp);
  }

  /** Category Mn (in the tables HF uses, {@link HfCharTables}): the accents that strip-accents drops after NFD. */
  public static boolean isNonSpacingMark(int cp) {
    return cp >= 0x300 && inRanges(HfCharTables.NON_SPACING_MARK, cp);
  }

  /**
   * Lower-case mapping of one code point on its own (no final-sigma context; tokenization.py's {@code str.lower()}
   * would give a word-final capital sigma the final form ς, Hugging Face gives σ).
   */
  public static int toLowerCase(int cp) {
    return Character.toLowerCase(cp);
  }

  /** Whether {@code cp} lies in one of the sorted inclusive {@code [first, last]} pairs. */
  private static boolean inRanges(int[] ranges, int cp) {
    int lo = 0;
    int hi = ranges.length / 2 - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (cp < ranges[2 * mid]) {
        hi = mid - 1;
      } else if (cp > ranges[2 * mid + 1]) {
        lo = mid + 1;
      } else {
        return true;
      }
    }
    return false;
  }
}
