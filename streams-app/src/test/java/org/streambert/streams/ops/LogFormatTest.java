package org.streambert.streams.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.text.SimpleDateFormat;
import java.util.Date;
import java.util.TimeZone;
import org.junit.jupiter.api.Test;

class LogFormatTest {

  private static String format(String id) {
    SimpleDateFormat f = new SimpleDateFormat(LogFormat.pattern(id));
    f.setTimeZone(TimeZone.getTimeZone("UTC"));
    return f.format(new Date(3_723_004L));
  }

  @Test
  void shouldNameTheInstanceAfterTheTime() {
    assertEquals("01:02:03.004 [app-7]", format("app-7"));
  }

  @Test
  void shouldKeepQuotesAndLettersOfTheIdLiteral() {
    assertEquals("01:02:03.004 [it's HH:mm]", format("it's HH:mm"));
  }

  @Test
  void shouldDropControlCharactersAndBoundTheLength() {
    assertEquals("01:02:03.004 [ab]", format("a\nb\u001b"));
    assertEquals(13 + 2 + 64, format("x".repeat(500)).length());
  }
}
