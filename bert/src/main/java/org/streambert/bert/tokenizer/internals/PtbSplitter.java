package org.streambert.bert.tokenizer.internals;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * Splits one whitespace-free chunk of text into Penn-Treebank-style words, the rules {@link
 * org.streambert.bert.tokenizer.TextWords} documents. Works on code points of the whole text so that offsets come out
 * in code points; stateless.
 *
 * <p>The rules in the order they apply to a chunk (each numbered rule has its own test in {@code TextWordsTest}):
 * <ol>
 *   <li>a chunk that is a clitic ({@code 's}, {@code n't}), an emoticon ({@code :)}, {@code ;-D}, {@code <3}), an
 *       HTML entity ({@code &amp;}) or only punctuation ({@code ...}, {@code !!!...}, {@code --}) is one word;</li>
 *   <li>opening brackets and quotes are split off its start ({@code (}, {@code [}, {@code "}, {@code ``}, {@code “},
 *       {@code ¿}); an apostrophe before a digit ({@code '90s}) stays;</li>
 *   <li>closing brackets, quotes, {@code , ; : ! ?} (a run of {@code !?} is one word), an ellipsis ({@code ...},
 *       {@code …}; it stays on a URL, which tweets truncate so) and a final period are split off its end, repeatedly;
 *       the period stays on an abbreviation: letter
 *       groups with periods ({@code U.S.}, {@code e.g.}, {@code Ph.D.}), a single letter ({@code M.}), a listed title or
 *       abbreviation ({@code St.}, {@code Inc.}, {@code Dr.}, {@code Jan.}), {@code No.}/{@code Vol.}/... before a
 *       number, and a hyphenated compound whose last part is one of these ({@code Russian-U.S.});</li>
 *   <li>a clitic is split off its end after a letter or digit: {@code 's 'm 'd 'll 're 've} ({@code Bitar's} →
 *       {@code Bitar 's}) and {@code n't} ({@code don't} → {@code do n't}), with {@code '} or {@code ’};</li>
 *   <li>what remains is one word when it is a URL ({@code http://…}, {@code www.…}), an e-mail address, an
 *       {@code @mention} or a {@code #hashtag};</li>
 *   <li>else it splits at inner separators: a comma not between digits, a semicolon (not one ending an HTML entity,
 *       {@code AT&amp;T}), brackets and double quotes, runs
 *       of {@code !?}, two or more periods, {@code …}, em dashes and {@code --}; each part goes through rules 2-6
 *       again;</li>
 *   <li>everything else stays inside the word: hyphens ({@code AL-AIN}, {@code 2-1}), periods ({@code 1.5},
 *       {@code www.x.com}), commas and colons between digits ({@code 57,600}, {@code 5:40}), apostrophes
 *       ({@code O'Neil}), {@code $ % & / + * # @ _}.</li>
 * </ol>
 */
public final class PtbSplitter {

  /** Receives each word as code point offsets into the text, in order. */
  public interface Sink {
    void word(int start, int end);
  }

  /** Abbreviations whose final period stays (compared case-insensitively, without the period). */
  private static final Set<String> ABBREVIATIONS = Set.of(
      "mr", "mrs", "ms", "messrs", "mme", "mlle", "dr", "prof", "rev", "fr", "hon", "st", "ste", "mt", "ft", "jr", "sr",
      "gen", "gov", "sen", "rep", "pres", "lt", "col", "capt", "cpt", "sgt", "maj", "adm", "cmdr", "cdr", "brig",
      "inc", "ltd", "co", "corp", "bros", "plc", "llc", "assn", "dept", "univ", "est", "ave", "blvd", "rd", "hwy",
      "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
      "vs", "etc", "al", "approx", "ca", "cf", "fl", "fig", "figs", "op", "ed", "eds", "esp", "viz");

  /** Abbreviations that keep their period only before a number ({@code No. 5}, {@code Vol. 2}). */
  private static final Set<String> BEFORE_NUMBER = Set.of("no", "nos", "vol", "vols", "art", "pp", "nr");

  /** Longest core (code points) that can be an abbreviation. */
  private static final int MAX_ABBREVIATION = 24;
  private static final Pattern LETTER_GROUPS = Pattern.compile("(?:\\p{L}{1,4}\\.)+\\p{L}{1,4}");
  private static final Pattern EMOTICON =
      Pattern.compile("[:;=][-o'^]?[()\\[\\]dDpPoO/\\\\|3*sSxX$@]+|:'\\(|</?3+|\\^_*\\^|[xX]D");
  private static final Pattern HTML_ENTITY = Pattern.compile("&(?:[a-zA-Z]{2,8}|#[0-9]{1,6}|#x[0-9a-fA-F]{1,6});");
  private static final Pattern URL = Pattern.compile("(?i)(?:(?:https?|ftp)://|www\\.)\\S+");
  private static final Pattern EMAIL = Pattern.compile("[\\p{L}\\p{N}._%+-]+@[\\p{L}\\p{N}-]+(?:\\.[\\p{L}\\p{N}-]+)+");
  private static final Pattern MENTION_OR_HASHTAG = Pattern.compile("[@#][\\p{L}\\p{N}_]+");
  private static final String[] CLITICS = {"'s", "'m", "'d", "'ll", "'re", "'ve"};

  private PtbSplitter() {}

  /**
   * Splits the chunk {@code cps[from, to)} (no separator inside) into words.
   *
   * @param nextStartsWithDigit whether the next chunk of the text starts with a digit (for {@code No. 5})
   */
  public static void split(int[] cps, int from, int to, boolean nextStartsWithDigit, Sink sink) {
    if (from >= to) {
      return;
    }
    if (noPunctuation(cps, from, to)) {
      sink.word(from, to); // most chunks: nothing to split (rule 7)
      return;
    }
    String whole = new String(cps, from, to - from);
    if (isClitic(cps, from, to) || EMOTICON.matcher(whole).matches() || HTML_ENTITY.matcher(whole).matches()
        || allPunctuation(cps, from, to)) {
      sink.word(from, to); // rule 1
      return;
    }
    splitPart(cps, from, to, nextStartsWithDigit, sink);
  }

  /** Rules 2-7 on {@code cps[from, to)}. */
  private static void splitPart(int[] cps, int from, int to, boolean nextStartsWithDigit, Sink sink) {
    int a = from;
    int b = to;
    // Rule 2: opening brackets and quotes.
    while (a < b && isOpener(cps[a])) {
      if (isApostrophe(cps[a]) && (a + 1 < b && Character.isDigit(cps[a + 1]) || isClitic(cps, a, b))) {
        break;
      }
      int run = run(cps, a, b, cps[a]);
      sink.word(a, a + run);
      a += run;
    }
    // Rules 3 and 4, collected from the end and emitted after the core.
    int[] tail = new int[8];
    int tails = 0;
    while (a < b) {
      int c = cps[b - 1];
      int cut = -1;
      if (c == '.') {
        int dots = runBack(cps, a, b, '.');
        if (dots >= 3) {
          cut = b - dots;
        } else if (!keepsPeriod(cps, a, b - 1, nextStartsWithDigit)) {
          cut = b - 1;
        }
      } else if (c == '\u2026') {
        cut = startsLikeUrl(cps, a, b) ? -1 : b - runBack(cps, a, b, c);
      } else if (c == '!' || c == '?') {
        int i = b;
        while (i > a && (cps[i - 1] == '!' || cps[i - 1] == '?')) {
          i--;
        }
        cut = i;
      } else if (isCloser(c)) {
        cut = isQuote(c) ? b - runBack(cps, a, b, c) : b - 1;
      } else {
        int clitic = cliticStart(cps, a, b);
        if (clitic > a) {
          cut = clitic;
        }
      }
      if (cut < 0 || cut == a && isClitic(cps, a, b)) {
        break;
      }
      if (2 * tails + 2 > tail.length) {
        tail = java.util.Arrays.copyOf(tail, 2 * tail.length);
      }
      tail[2 * tails] = cut;
      tail[2 * tails + 1] = b;
      tails++;
      b = cut;
    }
    if (a < b) {
      core(cps, a, b, nextStartsWithDigit, sink);
    }
    for (int t = tails - 1; t >= 0; t--) {
      sink.word(tail[2 * t], tail[2 * t + 1]);
    }
  }

  /** Rules 5-7 on a part without edge punctuation. */
  private static void core(int[] cps, int a, int b, boolean nextStartsWithDigit, Sink sink) {
    String s = new String(cps, a, b - a);
    if (URL.matcher(s).matches() || EMAIL.matcher(s).matches() || MENTION_OR_HASHTAG.matcher(s).matches()) {
      sink.word(a, b); // rule 5
      return;
    }
    int partStart = a;
    int i = a;
    boolean split = false;
    while (i < b) {
      int sep = separatorLength(cps, a, b, i);
      if (sep == 0) {
        i++;
        continue;
      }
      split = true;
      if (partStart < i) {
        splitPart(cps, partStart, i, false, sink);
      }
      sink.word(i, i + sep);
      i += sep;
      partStart = i;
    }
    if (!split) {
      sink.word(a, b); // rule 7
    } else if (partStart < b) {
      splitPart(cps, partStart, b, nextStartsWithDigit, sink);
    }
  }

  /** Rule 6: the length of the inner separator at {@code i}, or 0. */
  private static int separatorLength(int[] cps, int a, int b, int i) {
    int c = cps[i];
    if (c == ',') {
      boolean betweenDigits = i > a && i + 1 < b && Character.isDigit(cps[i - 1]) && Character.isDigit(cps[i + 1]);
      return betweenDigits ? 0 : 1;
    }
    if (c == ';') {
      return endsHtmlEntity(cps, a, i) ? 0 : 1;
    }
    if (c == '"') {
      return 1;
    }
    if (c == '!' || c == '?') {
      int j = i;
      while (j < b && (cps[j] == '!' || cps[j] == '?')) {
        j++;
      }
      return j - i;
    }
    if (c == '.' || c == '\u2026' || c == '-') {
      int run = run(cps, i, b, c);
      int min = c == '\u2026' ? 1 : 2;
      return run >= min ? run : 0;
    }
    if (c == '\u2014' || c == '\u2015') {
      return run(cps, i, b, c);
    }
    int type = Character.getType(c);
    if (type == Character.START_PUNCTUATION || type == Character.END_PUNCTUATION) {
      return 1;
    }
    if ((type == Character.INITIAL_QUOTE_PUNCTUATION || type == Character.FINAL_QUOTE_PUNCTUATION)
        && !isApostrophe(c)) {
      return 1;
    }
    return 0;
  }

  /** Whether {@code cps[.., semicolon]} ends an HTML entity such as {@code &amp;} or {@code &#39;}. */
  private static boolean endsHtmlEntity(int[] cps, int a, int semicolon) {
    for (int j = semicolon - 1; j >= a && j >= semicolon - 9; j--) {
      if (cps[j] == '&') {
        return j < semicolon - 1
            && HTML_ENTITY.matcher(new String(cps, j, semicolon + 1 - j)).matches();
      }
    }
    return false;
  }

  private static boolean noPunctuation(int[] cps, int a, int b) {
    for (int i = a; i < b; i++) {
      if (UnicodeRules.isPunctuation(cps[i]) || cps[i] == '\u2026') {
        return false;
      }
    }
    return true;
  }

  private static boolean allPunctuation(int[] cps, int a, int b) {
    for (int i = a; i < b; i++) {
      if (!UnicodeRules.isPunctuation(cps[i])) {
        return false;
      }
    }
    return true;
  }

  private static boolean startsLikeUrl(int[] cps, int a, int b) {
    String head = new String(cps, a, Math.min(b - a, 6)).toLowerCase(java.util.Locale.ROOT);
    return head.startsWith("http") || head.startsWith("www.") || head.startsWith("ftp:");
  }

  /** Rule 3's exception: whether {@code cps[a, end)} followed by a period is an abbreviation. */
  private static boolean keepsPeriod(int[] cps, int a, int end, boolean nextStartsWithDigit) {
    if (end <= a) {
      return false;
    }
    if (end - a == 1 && Character.isLetter(cps[a])) {
      return true; // an initial
    }
    if (end - a > MAX_ABBREVIATION) {
      return false; // also keeps the peeling of a long run like ").)." linear
    }
    String s = new String(cps, a, end - a);
    if (s.contains("://") || s.regionMatches(true, 0, "www.", 0, 4)) {
      return false;
    }
    if (LETTER_GROUPS.matcher(s).matches()) {
      return true;
    }
    String lower = s.toLowerCase(java.util.Locale.ROOT);
    if (ABBREVIATIONS.contains(lower) || nextStartsWithDigit && BEFORE_NUMBER.contains(lower)) {
      return true;
    }
    // a hyphenated compound ending in an abbreviation keeps its period too (CoNLL's "Russian-U.S.", "Anglo-Fr.")
    for (int h = end - 1; h > a; h--) {
      if (cps[h] == '-') {
        return keepsPeriod(cps, h + 1, end, nextStartsWithDigit);
      }
    }
    return false;
  }

  /** Start of a clitic ending at {@code b} that follows a letter or digit inside {@code [a, b)}, or -1. */
  private static int cliticStart(int[] cps, int a, int b) {
    for (String clitic : CLITICS) {
      int start = b - clitic.length();
      if (start > a && Character.isLetterOrDigit(cps[start - 1]) && matches(cps, start, b, clitic)) {
        return start;
      }
    }
    int start = b - 3;
    if (start > a && Character.isLetter(cps[start - 1]) && matches(cps, start, b, "n't")) {
      return start;
    }
    return -1;
  }

  /** Whether {@code cps[a, b)} is exactly a clitic. */
  private static boolean isClitic(int[] cps, int a, int b) {
    for (String clitic : CLITICS) {
      if (matches(cps, a, b, clitic)) {
        return true;
      }
    }
    return matches(cps, a, b, "n't");
  }

  /** Case-insensitive match of {@code cps[a, b)} with {@code pattern}, where its {@code '} also matches ’. */
  private static boolean matches(int[] cps, int a, int b, String pattern) {
    if (b - a != pattern.length()) {
      return false;
    }
    for (int i = 0; i < pattern.length(); i++) {
      char p = pattern.charAt(i);
      int c = cps[a + i];
      if (p == '\'' ? !isApostrophe(c) : Character.toLowerCase(c) != p) {
        return false;
      }
    }
    return true;
  }

  /** Whether the code points of {@code cps[a, b)} form a clitic or are all punctuation (an entity never ends so). */
  public static boolean isPunctuationOrClitic(int[] cps, int a, int b) {
    return isClitic(cps, a, b) || b > a && allPunctuation(cps, a, b);
  }

  private static boolean isApostrophe(int c) {
    return c == '\'' || c == '\u2019';
  }

  private static boolean isQuote(int c) {
    return c == '\'' || c == '"' || c == '`';
  }

  private static boolean isOpener(int c) {
    if (c == '"' || c == '\'' || c == '`' || c == '\u00BF' || c == '\u00A1') {
      return true;
    }
    int type = Character.getType(c);
    return type == Character.START_PUNCTUATION || type == Character.INITIAL_QUOTE_PUNCTUATION;
  }

  private static boolean isCloser(int c) {
    if (c == '"' || c == '\'' || c == ',' || c == ';' || c == ':') {
      return true;
    }
    int type = Character.getType(c);
    return type == Character.END_PUNCTUATION || type == Character.FINAL_QUOTE_PUNCTUATION;
  }

  private static int run(int[] cps, int i, int b, int c) {
    int j = i;
    while (j < b && cps[j] == c) {
      j++;
    }
    return j - i;
  }

  private static int runBack(int[] cps, int a, int b, int c) {
    int j = b;
    while (j > a && cps[j - 1] == c) {
      j--;
    }
    return b - j;
  }
}
