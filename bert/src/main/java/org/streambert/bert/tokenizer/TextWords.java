package org.streambert.bert.tokenizer;

import java.util.Arrays;
import org.streambert.bert.tokenizer.internals.PtbSplitter;
import org.streambert.bert.tokenizer.internals.ScriptWords;
import org.streambert.bert.tokenizer.internals.UnicodeRules;

/**
 * The words of a text, Penn-Treebank style: the project's one definition of a word, shared by training (the trainer
 * labels the first word piece of each word) and serving (entities are aggregated per word and span whole words).
 *
 * <p>Raw text is split like the CoNLL/PTB tokenization that NER training sets use, so that {@code Barcelona,} serves as
 * the word {@code Barcelona} followed by {@code ,}, the way the model saw it in training: whitespace separates words;
 * punctuation and quotes split off word edges; the clitics {@code 's 'm 'd 'll 're 've n't} split off
 * ({@code Bitar's} &rarr; {@code Bitar 's}, {@code don't} &rarr; {@code do n't}); abbreviations and initials
 * ({@code U.S.}, {@code F.A.}, {@code St.}, {@code M.}), hyphenated compounds ({@code AL-AIN}, {@code Coca-Cola}),
 * numbers, dates, times and amounts ({@code 2-1}, {@code $57,600}, {@code 1996-12-06}, {@code 5:40}), URLs, e-mail
 * addresses, {@code @mentions} and {@code #hashtags} stay whole. Text that is already tokenized keeps its tokens
 * ({@code do n't}, {@code 's}, {@code (}, {@code U.S.} are words as they stand). The rules in full, in the order they
 * apply: {@link PtbSplitter}.
 *
 * <p>Word pieces and words: BERT's basic tokenizer splits at every punctuation character, so every word boundary here
 * is a piece boundary except inside {@code n't} ({@code don't} is pieces {@code don ' t}, words {@code do n't}). A piece
 * belongs to the word in which it <em>starts</em> ({@link #wordsOf}): {@code don} to {@code do}, {@code '} and
 * {@code t} to {@code n't}; training labels and served aggregation both use this map, so they agree on every text.
 *
 * <p>Words in every language ({@link ScriptWords}): in scripts written without spaces (Han, Hiragana, Katakana, Thai,
 * Lao, Khmer, Myanmar, Tibetan, Yi) every character is a word, with the combining marks and modifier letters that
 * follow it ({@code 東京} &rarr; {@code 東 京}, Thai {@code ที่} is one word: a base and two marks), as BERT's tokenizer
 * does for CJK ideographs; the sentence and clause punctuation of every script ({@code 。、！？：；} full-width,
 * Arabic {@code ، ؛ ؟ ۔}, Devanagari {@code । ॥}, Thai {@code ๚ ๛}, Armenian, Ethiopic, Myanmar, Khmer, Tibetan ...:
 * non-ASCII "other punctuation") splits off as a word of its own, as {@code , ! ?} do; brackets and quotes of every
 * script already split by the rules above. A piece may span several such words (XLM-R's {@code 北京}): it belongs to
 * the first, and an entity made of that word covers the whole piece.
 *
 * <p>Whitespace is what the tokenizer splits on (Unicode White_Space, except the control characters it deletes such as
 * U+000B and U+000C). Offsets are Unicode code points, end exclusive. Immutable.
 */
public final class TextWords {

  private final int[] starts;
  private final int[] ends;
  private final boolean[] punctuationOrClitic;

  private TextWords(int[] starts, int[] ends, boolean[] punctuationOrClitic) {
    this.starts = starts;
    this.ends = ends;
    this.punctuationOrClitic = punctuationOrClitic;
  }

  /** The words of {@code text}, in order. */
  public static TextWords of(String text) {
    if (text == null) {
      throw new IllegalArgumentException("text is null");
    }
    int[] cps = text.codePoints().toArray();
    int[][] buf = {new int[8], new int[8]};
    int[] n = {0};
    PtbSplitter.Sink words = (s, e) -> {
      if (n[0] == buf[0].length) {
        buf[0] = Arrays.copyOf(buf[0], 2 * n[0]);
        buf[1] = Arrays.copyOf(buf[1], 2 * n[0]);
      }
      buf[0][n[0]] = s;
      buf[1][n[0]++] = e;
    };
    PtbSplitter.Sink sink = (s, e) -> ScriptWords.split(cps, s, e, words);
    int i = 0;
    while (i < cps.length) {
      if (isSeparator(cps[i])) {
        i++;
        continue;
      }
      int chunkEnd = i;
      while (chunkEnd < cps.length && !isSeparator(cps[chunkEnd])) {
        chunkEnd++;
      }
      int next = chunkEnd;
      while (next < cps.length && isSeparator(cps[next])) {
        next++;
      }
      PtbSplitter.split(cps, i, chunkEnd, next < cps.length && Character.isDigit(cps[next]), sink);
      i = chunkEnd;
    }
    int[] starts = Arrays.copyOf(buf[0], n[0]);
    int[] ends = Arrays.copyOf(buf[1], n[0]);
    boolean[] edge = new boolean[n[0]];
    for (int w = 0; w < n[0]; w++) {
      edge[w] = PtbSplitter.isPunctuationOrClitic(cps, starts[w], ends[w]);
    }
    return new TextWords(starts, ends, edge);
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

  /**
   * Whether word {@code w} is only punctuation ({@code ,}, {@code )}, {@code ...}) or a clitic ({@code 's},
   * {@code n't}): such words never start or end an entity.
   */
  public boolean isPunctuationOrClitic(int w) {
    return punctuationOrClitic[w];
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
