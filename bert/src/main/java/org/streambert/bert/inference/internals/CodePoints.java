package org.streambert.bert.inference.internals;

/** Code point offsets of a string mapped to char offsets once, for repeated substrings. */
public final class CodePoints {

  private final String text;
  private final int[] charIndex;

  public CodePoints(String text) {
    this.text = text;
    int count = text.codePointCount(0, text.length());
    charIndex = new int[count + 1];
    int c = 0;
    for (int cp = 0; cp < count; cp++) {
      charIndex[cp] = c;
      c += Character.charCount(text.codePointAt(c));
    }
    charIndex[count] = text.length();
  }

  /** Number of code points. */
  public int length() {
    return charIndex.length - 1;
  }

  /** The text between code point offsets {@code start} (inclusive) and {@code end} (exclusive). */
  public String substring(int start, int end) {
    return text.substring(charIndex[start], charIndex[end]);
  }
}
