package org.streambert.bert.tokenizer.internals;

import java.util.List;

/**
 * One pass over a text that normalises, splits into words and applies greedy longest-match-first WordPiece to
 * each word as soon as it ends (tokenization.py: {@code BasicTokenizer} then {@code WordpieceTokenizer}). Every
 * normalised char remembers the original code point it came from, so each piece's span in the original text is
 * exact however normalisation changed lengths. Immutable; all mutable state lives in the caller's
 * {@link TokenBuffer}.
 */
public final class WordPieceEngine {

  private final CharNormalizer normalizer;
  private final byte[] kinds;
  private final char[] maps;
  private final VocabTrie trie;
  private final int unkId;
  private final int maxInputCharsPerWord;

  public WordPieceEngine(List<String> vocab, int unkId, String continuationPrefix, boolean lowerCase,
      int maxInputCharsPerWord) {
    this.normalizer = CharNormalizer.of(lowerCase);
    this.kinds = normalizer.kinds();
    this.maps = normalizer.maps();
    this.trie = new VocabTrie(vocab, continuationPrefix);
    this.unkId = unkId;
    this.maxInputCharsPerWord = maxInputCharsPerWord;
  }

  /** Appends the word pieces of {@code text} to {@code out} (cleared first). */
  public void tokenize(String text, TokenBuffer out) {
    out.clear();
    final byte[] kinds = this.kinds;
    final char[] maps = this.maps;
    final int length = text.length();
    int origin = 0; // index of the current code point in the original text
    for (int i = 0; i < length; origin++) {
      char c = text.charAt(i++);
      if (Character.isHighSurrogate(c) && i < length && Character.isLowSurrogate(text.charAt(i))) {
        applyExpansion(normalizer.expand(Character.toCodePoint(c, text.charAt(i++))), origin, out);
        continue;
      }
      switch (kinds[c]) {
        case CharNormalizer.WORD:
          append(maps[c], origin, out);
          break;
        case CharNormalizer.SPACE:
          endWord(out);
          break;
        case CharNormalizer.ISOLATE:
          endWord(out);
          append(maps[c], origin, out);
          endWord(out);
          break;
        case CharNormalizer.COMPLEX:
          applyExpansion(normalizer.complexExpansion(c), origin, out);
          break;
        default: // DROP
          break;
      }
    }
    endWord(out);
  }

  private void applyExpansion(int[] expansion, int origin, TokenBuffer out) {
    boolean isolate = (expansion[0] & CharNormalizer.FLAG_ISOLATE) != 0;
    if (isolate) {
      endWord(out);
    }
    for (int k = 1; k < expansion.length; k++) {
      int e = expansion[k];
      int cp = e & CharNormalizer.CP_MASK;
      switch (e >>> CharNormalizer.CLASS_SHIFT) {
        case CharNormalizer.SPACE:
          endWord(out);
          break;
        case CharNormalizer.ISOLATE:
          endWord(out);
          append(cp, origin, out);
          endWord(out);
          break;
        default:
          append(cp, origin, out);
          break;
      }
    }
    if (isolate) {
      endWord(out);
    }
  }

  private void append(int cp, int origin, TokenBuffer out) {
    int n = out.wordLength;
    if (n <= maxInputCharsPerWord) { // longer words become [UNK]: no need to keep their chars
      if (n == out.wordChars.length) {
        out.growWord();
      }
      out.wordChars[n] = cp;
      out.wordOrigins[n] = origin;
    }
    out.wordLength = n + 1;
    out.wordLastOrigin = origin;
  }

  /** Runs WordPiece over the word assembled so far, if any. */
  private void endWord(TokenBuffer out) {
    int n = out.wordLength;
    if (n == 0) {
      return;
    }
    out.wordLength = 0;
    int word = out.words++;
    int[] chars = out.wordChars;
    int[] origins = out.wordOrigins;
    int wordStart = origins[0];
    int wordEnd = out.wordLastOrigin + 1;
    if (n > maxInputCharsPerWord) {
      out.add(unkId, wordStart, wordEnd, word);
      return;
    }
    final VocabTrie trie = this.trie;
    int mark = out.size;
    int start = 0;
    while (start < n) {
      int node = start == 0 ? VocabTrie.WORD_START : VocabTrie.CONTINUATION;
      int bestEnd = -1;
      int bestId = -1;
      for (int j = start; j < n; j++) {
        node = trie.child(node, chars[j]);
        if (node < 0) {
          break;
        }
        int id = trie.tokenId(node);
        if (id >= 0) {
          bestId = id;
          bestEnd = j + 1;
        }
      }
      if (bestId < 0) { // no piece matches here: the whole word is unknown
        out.size = mark;
        out.add(unkId, wordStart, wordEnd, word);
        return;
      }
      out.add(bestId, origins[start], origins[bestEnd - 1] + 1, word);
      start = bestEnd;
    }
  }
}
