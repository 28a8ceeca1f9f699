package org.streambert.bert.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TextWordsTest {

  private static List<String> spans(String text) {
    TextWords words = TextWords.of(text);
    List<String> out = new ArrayList<>();
    for (int w = 0; w < words.size(); w++) {
      out.add(words.start(w) + "-" + words.end(w));
    }
    return out;
  }

  /** The words as strings (the text is BMP-only in these tests, so code points are chars). */
  private static List<String> words(String text) {
    TextWords words = TextWords.of(text);
    List<String> out = new ArrayList<>();
    int[] cps = text.codePoints().toArray();
    for (int w = 0; w < words.size(); w++) {
      out.add(new String(cps, words.start(w), words.end(w) - words.start(w)));
    }
    return out;
  }

  // Rule 1: clitics, emoticons and HTML entities on their own.

  @Test
  void shouldKeepAStandaloneCliticEmoticonOrHtmlEntityWhole() {
    assertEquals(List.of("do", "n't", "John", "'s", "we", "'re"), words("do n't John 's we 're"));
    assertEquals(List.of("great", ":)", ";-D", "<3", ":'("), words("great :) ;-D <3 :'("));
    assertEquals(List.of("Tom", "&amp;", "Jerry"), words("Tom &amp; Jerry"));
    assertEquals(List.of("wow", "!!!...", "..", "\"'", "),"), words("wow !!!... .. \"' ),"));
  }

  // Rule 2: opening brackets and quotes.

  @Test
  void shouldSplitOpeningBracketsAndQuotesOffTheStart() {
    assertEquals(List.of("(", "M.", "Wasim", ")"), words("(M. Wasim)"));
    assertEquals(List.of("\"", "Hello", "\""), words("\"Hello\""));
    assertEquals(List.of("``", "Yes", "''"), words("``Yes''"));
    assertEquals(List.of("\u201C", "Airbus", "\u201D"), words("\u201CAirbus\u201D"));
    assertEquals(List.of("[", "Haters"), words("[Haters"));
    assertEquals(List.of("\u00BF", "Qu\u00E9", "?"), words("\u00BFQu\u00E9?"));
  }

  @Test
  void shouldKeepAnApostropheBeforeADigit() {
    assertEquals(List.of("the", "'90s"), words("the '90s"));
    assertEquals(List.of("'", "RT"), words("'RT"));
  }

  // Rule 3: closing punctuation and the final period.

  @Test
  void shouldSplitClosingPunctuationOffTheEnd() {
    assertEquals(List.of("Barcelona", ",", "Spain", ";", "yes", ":", "no", "!", "why", "?!"),
        words("Barcelona, Spain; yes: no! why?!"));
    assertEquals(List.of("(", "Wasim", ")", "."), words("(Wasim)."));
    assertEquals(List.of("players", "'"), words("players'"));
    assertEquals(List.of("wait", "...", "what", "\u2026"), words("wait... what\u2026"));
  }

  @Test
  void shouldSplitTheFinalPeriodOffAWordOrNumber() {
    assertEquals(List.of("Airbus", "."), words("Airbus."));
    assertEquals(List.of("in", "1996", "."), words("in 1996."));
    assertEquals(List.of("visit", "www.example.com", "."), words("visit www.example.com."));
  }

  @Test
  void shouldKeepThePeriodOfAbbreviationsAndInitials() {
    assertEquals(List.of("U.S.", "F.A.", "e.g.", "Ph.D.", "St.", "Inc.", "Dr.", "Jan.", "M.", "J.", "Co."),
        words("U.S. F.A. e.g. Ph.D. St. Inc. Dr. Jan. M. J. Co."));
    assertEquals(List.of("Fr.", "Smith"), words("Fr. Smith"));
    assertEquals(List.of("the", "U.S.", "."), words("the U.S.."));
    assertEquals(List.of("Acme", "Inc.", ")"), words("Acme Inc.)"));
  }

  @Test
  void shouldKeepNoPeriodOnlyBeforeANumber() {
    assertEquals(List.of("No.", "5"), words("No. 5"));
    assertEquals(List.of("said", "No", "."), words("said No."));
    assertEquals(List.of("No", ".", "Then"), words("No. Then"));
  }

  // Rule 4: clitics.

  @Test
  void shouldSplitPossessiveAndContractionClitics() {
    assertEquals(List.of("Bitar", "'s"), words("Bitar's"));
    assertEquals(List.of("I", "'m", "we", "'ll", "they", "'ve", "you", "'re", "he", "'d"),
        words("I'm we'll they've you're he'd"));
    assertEquals(List.of("IT", "'S", "WE", "'LL"), words("IT'S WE'LL"));
    assertEquals(List.of("Bitar", "\u2019s"), words("Bitar\u2019s"));
    assertEquals(List.of("the", "1990", "'s"), words("the 1990's"));
  }

  @Test
  void shouldSplitNegationLikeThePennTreebank() {
    assertEquals(List.of("do", "n't", "ca", "n't", "wo", "n't", "is", "n't", "Do", "N'T"),
        words("don't can't won't isn't DoN'T"));
    assertEquals(List.of("do", "n\u2019t"), words("don\u2019t"));
  }

  @Test
  void shouldSplitCliticAndPunctuationTogether() {
    assertEquals(List.of("Bitar", "'s", ","), words("Bitar's,"));
    assertEquals(List.of("America", "'s", "..."), words("America's..."));
  }

  @Test
  void shouldKeepInnerApostrophesThatAreNotClitics() {
    assertEquals(List.of("O'Neil", "L'Internationale", "o'clock", "B'nai", "hold'em", "y'all"),
        words("O'Neil L'Internationale o'clock B'nai hold'em y'all"));
  }

  // Rule 5: URLs, e-mail addresses, mentions and hashtags.

  @Test
  void shouldKeepUrlsWholeButNotTheirTrailingPunctuation() {
    assertEquals(List.of("see", "https://example.com/a-b/c?x=1&y=2", "."), words("see https://example.com/a-b/c?x=1&y=2."));
    assertEquals(List.of("(", "http://bit.ly/cuy0yt", ")"), words("(http://bit.ly/cuy0yt)"));
    assertEquals(List.of("www.krankd.com"), words("www.krankd.com"));
    assertEquals(List.of("https://t.co/0TwauVET\u2026"), words("https://t.co/0TwauVET\u2026"));
  }

  @Test
  void shouldKeepEmailAddressesMentionsAndHashtagsWhole() {
    assertEquals(List.of("mail", "jane.doe@example.co.uk", ","), words("mail jane.doe@example.co.uk,"));
    assertEquals(List.of("@justinbieber", ":", "#FF", "#1", "!"), words("@justinbieber: #FF #1!"));
  }

  // Rule 6: inner separators.

  @Test
  void shouldSplitAtInnerSeparators() {
    assertEquals(List.of("Paris", ",", "France"), words("Paris,France"));
    assertEquals(List.of("Bids", ")", "End"), words("Bids)End"));
    assertEquals(List.of("wait", "..", "what"), words("wait..what"));
    assertEquals(List.of("controversy", "\u2014", "a"), words("controversy\u2014a"));
    assertEquals(List.of("yes", "--", "no"), words("yes--no"));
    assertEquals(List.of("a", ";", "b"), words("a;b"));
    assertEquals(List.of("AT&amp;T", ";", "x"), words("AT&amp;T;x"));
  }

  // Rule 7: what stays whole.

  @Test
  void shouldKeepThePeriodOfAHyphenatedCompoundEndingInAnAbbreviation() {
    // CoNLL-2003 has the token "Russian-U.S."; pre-tokenized text keeps its tokens
    assertEquals(List.of("Russian-U.S.", "talks"), words("Russian-U.S. talks"));
    assertEquals(List.of("the", "Russian-U.S.", "."), words("the Russian-U.S.."));
    assertEquals(List.of("Coca-Cola", "."), words("Coca-Cola."));
  }

  @Test
  void shouldKeepHyphenatedCompoundsWhole() {
    assertEquals(List.of("AL-AIN", "Coca-Cola", "Voulet-Chanoine", "non-", "self-titled"),
        words("AL-AIN Coca-Cola Voulet-Chanoine non- self-titled"));
  }

  @Test
  void shouldKeepNumbersDatesTimesAndAmountsWhole() {
    assertEquals(List.of("2-1", "$57,600", "1996-12-06", "5:40", "1.50", "15%", "1,000,000", "2005/2006", "c.1240"),
        words("2-1 $57,600 1996-12-06 5:40 1.50 15% 1,000,000 2005/2006 c.1240"));
  }

  @Test
  void shouldKeepOtherInnerSymbolsInsideTheWord() {
    assertEquals(List.of("AT&T", "SMS/WA", "RE*TWEET", "*cough*", "w/", "18+", "snake_case"),
        words("AT&T SMS/WA RE*TWEET *cough* w/ 18+ snake_case"));
  }

  // Pre-tokenized text keeps its tokens.

  @Test
  void shouldKeepTheTokensOfTokenizedText() {
    String[] tokens = {"(", "M.", "Wasim", ")", "Bitar", "'s", "Barcelona", ",", "do", "n't", "U.S.", ".", "``",
        "Airbus", "''", "AL-AIN", "$", "57,600", "1996-12-06", "St.", "...", "--", "'", "-", "&", "?", "No.", "5",
        ":", ";", "%", "@user", "#tag", "http://t.co/x", "'re", "O'Neil", "F.A.", "2-1", "e.g."};
    assertEquals(List.of(tokens), words(String.join(" ", tokens)));
  }

  // Offsets, separators, punctuation words.

  @Test
  void shouldTreatRunsOfSpacesTabsNewlinesAndNoBreakSpaceAsOneSeparator() {
    assertEquals(List.of("2-3", "4-5", "8-9", "10-11"), spans("  a\tb\r\n\nc\u00A0d  "));
    assertEquals(List.of(), spans(" \t\n"));
    assertEquals(List.of(), spans(""));
  }

  @Test
  void shouldKeepControlCharactersTheTokenizerDeletesInsideTheWord() {
    // U+000B is White_Space but a control the tokenizer removes, so "a\u000Bb" is one word there and here.
    assertEquals(List.of("0-3"), spans("a\u000Bb"));
  }

  @Test
  void shouldCountCodePointsNotChars() {
    assertEquals(List.of("0-1", "2-4", "4-5"), spans("\uD83D\uDE00 \uD835\uDC9Cx."));
  }

  @Test
  void shouldMarkPunctuationAndCliticWords() {
    TextWords words = TextWords.of("Bitar 's , ( U.S. ) don't $57,600 ...");
    boolean[] expected = {false, true, true, true, false, true, false, true, false, true};
    assertEquals(expected.length, words.size());
    for (int w = 0; w < expected.length; w++) {
      assertEquals(expected[w], words.isPunctuationOrClitic(w), "word " + w);
    }
    assertTrue(TextWords.of("--").isPunctuationOrClitic(0));
    assertFalse(TextWords.of("#tag").isPunctuationOrClitic(0));
  }

  @Test
  void shouldMapTokenStartsToTheirWordAndWhitespaceToMinusOne() {
    TextWords words = TextWords.of("ab  cd");
    assertArrayEquals(new int[] {0, 0, -1, -1, 1, 1, -1, -1}, words.wordsOf(new int[] {0, 1, 2, 3, 4, 5, 6, -1}));
  }

  @Test
  void shouldGiveEachPieceTheWordWhereItStarts() {
    WordPieceTokenizer tokenizer = new WordPieceTokenizer(Vocab.of(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]",
        "[MASK]", "AL", "-", "AIN", "St", ".", "don", "'", "t", "Bit", "##ar", "s", ",")), false);
    String text = "AL-AIN\t\tSt. don't Bitar's,";
    WordPieces pieces = tokenizer.tokenize(text);
    // AL - AIN | St . | don | ' t | Bit ##ar | ' s | ,
    assertArrayEquals(new int[] {0, 0, 0, 1, 1, 2, 3, 3, 4, 4, 5, 5, 6}, TextWords.of(text).wordsOf(pieces.starts()));
  }

  @Test
  void shouldSplitHostileRunsInLinearTime() {
    // 100,000 code points (the app's default text bound) of alternating or repeated punctuation, letters between commas,
    // dotted letters, apostrophes: each is split well within a second.
    for (String unit : List.of(").", ",", "a,", "a.", "'s", "(", "\"", "--x", "…a", "@", "http://x.co/")) {
      String text = unit.repeat(100_000 / unit.length());
      long t0 = System.nanoTime();
      TextWords words = TextWords.of(text);
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(ms < 1_000, unit + " took " + ms + " ms");
      assertTrue(words.size() >= 1);
      assertEquals(text.length(), words.end(words.size() - 1), "the last word ends the text");
    }
  }

  @Test
  void shouldRefuseNullText() {
    assertThrows(IllegalArgumentException.class, () -> TextWords.of(null));
  }
}
