package org.streambert.bert.tokenizer.internals;

import java.text.Normalizer;

/**
 * What BERT's text normalisation and pre-tokenisation do to each code point of the input, decided once per code
 * point. The rules are those of Hugging Face's {@code BertNormalizer} + {@code BertPreTokenizer}, which follow
 * tokenization.py's {@code BasicTokenizer} except where noted in {@link UnicodeRules}:
 *
 * <ol>
 *   <li>clean text: drop U+0000, U+FFFD and control characters; every whitespace becomes a space;</li>
 *   <li>put spaces around CJK ideographs;</li>
 *   <li>when lower-casing: NFD, drop non-spacing marks (Mn), then lower-case each char;</li>
 *   <li>split on whitespace and isolate every punctuation char.</li>
 * </ol>
 *
 * <p>The outcome for one input code point is one of a few {@link #kind kinds}; for the BMP it is precomputed into
 * flat tables (a byte and a char per code point), so the tokenizer's inner loop is two array reads. Rare
 * multi-char outcomes (Hangul syllables, some decompositions) and astral code points go through
 * {@link #expand(int)}. Immutable after construction, hence thread-safe.
 */
public final class CharNormalizer {

  /** Removed (control, U+0000, U+FFFD, or a stripped accent). */
  public static final byte DROP = 0;
  /** Whitespace: ends the current word. */
  public static final byte SPACE = 1;
  /** Appends the single char {@link #map} to the current word. */
  public static final byte WORD = 2;
  /** A one-char word of its own: punctuation or a CJK ideograph ({@link #map} gives the normalised char). */
  public static final byte ISOLATE = 3;
  /** Anything else: see {@link #expansion}. */
  public static final byte COMPLEX = 4;

  /** In an expansion, the class of an output char lives in the bits above this shift. */
  public static final int CLASS_SHIFT = 22;
  /** Mask for the code point of an expansion entry. */
  public static final int CP_MASK = (1 << CLASS_SHIFT) - 1;
  /** Flag in element 0 of an expansion: the input was a CJK ideograph, so its output is a word of its own. */
  public static final int FLAG_ISOLATE = 1;

  private static final int[] DROPPED = {0};
  private static final int BMP = 0x10000;

  private static volatile CharNormalizer lowerCasing;
  private static volatile CharNormalizer caseKeeping;

  private final boolean lowerCase;
  private final byte[] kinds = new byte[BMP];
  private final char[] maps = new char[BMP];
  private final int[][] expansions = new int[BMP][];

  private CharNormalizer(boolean lowerCase) {
    this.lowerCase = lowerCase;
    for (int cp = 0; cp < BMP; cp++) {
      if (Character.isSurrogate((char) cp)) {
        kinds[cp] = COMPLEX; // only lone surrogates reach the table; pairs are decoded before the lookup
        expansions[cp] = DROPPED;
        continue;
      }
      int[] e = expand(cp);
      int n = e.length - 1;
      boolean isolate = (e[0] & FLAG_ISOLATE) != 0;
      if (n == 0) {
        kinds[cp] = DROP;
      } else if (n == 1 && e[1] >>> CLASS_SHIFT == SPACE) {
        kinds[cp] = SPACE;
      } else if (n == 1 && e[1] >>> CLASS_SHIFT == WORD && !isolate && (e[1] & CP_MASK) < BMP) {
        kinds[cp] = WORD;
        maps[cp] = (char) (e[1] & CP_MASK);
      } else if (n == 1 && e[1] >>> CLASS_SHIFT != SPACE && (e[1] & CP_MASK) < BMP) {
        kinds[cp] = ISOLATE;
        maps[cp] = (char) (e[1] & CP_MASK);
      } else {
        kinds[cp] = COMPLEX;
        expansions[cp] = e;
      }
    }
  }

  /** The shared instance for the given casing (tables are built on first use, ~65k entries). */
  public static CharNormalizer of(boolean lowerCase) {
    if (lowerCase) {
      CharNormalizer n = lowerCasing;
      if (n == null) {
        synchronized (CharNormalizer.class) {
          if (lowerCasing == null) {
            lowerCasing = new CharNormalizer(true);
          }
          n = lowerCasing;
        }
      }
      return n;
    }
    CharNormalizer n = caseKeeping;
    if (n == null) {
      synchronized (CharNormalizer.class) {
        if (caseKeeping == null) {
          caseKeeping = new CharNormalizer(false);
        }
        n = caseKeeping;
      }
    }
    return n;
  }

  public boolean lowerCase() {
    return lowerCase;
  }

  /** The table of kinds for BMP chars, indexed by char; callers must not modify it. */
  public byte[] kinds() {
    return kinds;
  }

  /** The normalised char for {@link #WORD} and {@link #ISOLATE} entries; callers must not modify it. */
  public char[] maps() {
    return maps;
  }

  /** The expansion of a BMP char of kind {@link #COMPLEX}. */
  public int[] complexExpansion(char c) {
    return expansions[c];
  }

  /**
   * What one code point becomes: element 0 holds flags ({@link #FLAG_ISOLATE}), each further element an output
   * code point ({@code & CP_MASK}) with its pre-tokenizer class ({@code >>> CLASS_SHIFT}: {@link #SPACE},
   * {@link #WORD} or {@link #ISOLATE}). No output chars means the code point is dropped.
   */
  public int[] expand(int cp) {
    if (cp == 0 || cp == 0xFFFD || UnicodeRules.isControl(cp)) {
      return DROPPED;
    }
    if (UnicodeRules.isWhitespace(cp)) {
      return new int[] {0, ' ' | SPACE << CLASS_SHIFT};
    }
    int flags = UnicodeRules.isChineseChar(cp) ? FLAG_ISOLATE : 0;
    int[] out;
    if (lowerCase) {
      out = stripAccentsThenLowerCase(cp);
    } else {
      out = new int[] {0, cp};
    }
    out[0] = flags;
    for (int i = 1; i < out.length; i++) {
      int c = out[i];
      byte cls = UnicodeRules.isWhitespace(c) ? SPACE : UnicodeRules.isPunctuation(c) ? ISOLATE : WORD;
      out[i] = c | cls << CLASS_SHIFT;
    }
    return out;
  }

  /** BertNormalizer: strip_accents (NFD, drop Mn) before lowercase, each char lower-cased on its own. */
  private static int[] stripAccentsThenLowerCase(int cp) {
    String decomposed;
    if (cp < 0xC0) {
      decomposed = null; // Basic Latin and most of Latin-1 have no decomposition
    } else {
      String s = new String(Character.toChars(cp));
      decomposed = Normalizer.isNormalized(s, Normalizer.Form.NFD) ? null : Normalizer.normalize(s, Normalizer.Form.NFD);
    }
    int[] buf = new int[8];
    int n = 1;
    if (decomposed == null) {
      if (!UnicodeRules.isNonSpacingMark(cp)) {
        n = appendLower(cp, buf, n);
      }
    } else {
      for (int i = 0; i < decomposed.length(); ) {
        int c = decomposed.codePointAt(i);
        i += Character.charCount(c);
        if (!UnicodeRules.isNonSpacingMark(c)) {
          if (n + 3 > buf.length) {
            buf = java.util.Arrays.copyOf(buf, buf.length * 2);
          }
          n = appendLower(c, buf, n);
        }
      }
    }
    return java.util.Arrays.copyOf(buf, n);
  }

  private static int appendLower(int c, int[] buf, int n) {
    if (c == 0x130) { // the one unconditional multi-char lower-case mapping (SpecialCasing.txt)
      buf[n++] = 'i';
      buf[n++] = 0x307;
      return n;
    }
    buf[n++] = UnicodeRules.toLowerCase(c);
    return n;
  }
}
