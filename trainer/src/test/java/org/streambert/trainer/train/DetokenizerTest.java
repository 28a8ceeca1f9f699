package org.streambert.trainer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class DetokenizerTest {

  private static String text(String... tokens) {
    return Detokenizer.detokenize(List.of(tokens)).text();
  }

  @Test
  void shouldAttachPunctuationAndCliticsToTheWordBefore() {
    assertEquals("Barcelona, Spain; yes: no! why? 15% (ok) [a] {b} wait...", text("Barcelona", ",", "Spain", ";",
        "yes", ":", "no", "!", "why", "?", "15", "%", "(", "ok", ")", "[", "a", "]", "{", "b", "}", "wait", "..."));
    assertEquals("Bitar's men don't, we're, I'M", text("Bitar", "'s", "men", "do", "n't", ",", "we", "'re", ",",
        "I", "'M"));
  }

  @Test
  void shouldAttachOpeningBracketsDollarsAndQuotesToTheWordAfter() {
    assertEquals("($57,600) ``Hi'' said \"Airbus\" and \"Boeing\".", text("(", "$", "57,600", ")", "``", "Hi", "''",
        "said", "\"", "Airbus", "\"", "and", "\"", "Boeing", "\"", "."));
  }

  @Test
  void shouldKeepSpacesAroundDashesAndAmpersands() {
    assertEquals("1990 - 1995 Smith & Co -- yes", text("1990", "-", "1995", "Smith", "&", "Co", "--", "yes"));
  }

  @Test
  void shouldTrackTheCodePointsOfEachToken() {
    Detokenizer.Detokenized d = Detokenizer.detokenize(List.of("\uD835\uDC9C", "(", "b", ")", "."));
    assertEquals("\uD835\uDC9C (b).", d.text());
    assertArrayEquals(new int[] {0, 2, 3, 4, 5}, d.starts());
    assertArrayEquals(new int[] {1, 3, 4, 5, 6}, d.ends());
  }
}
