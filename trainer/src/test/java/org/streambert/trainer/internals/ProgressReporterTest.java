package org.streambert.trainer.internals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressReporterTest {

  private static final long SECOND = 1_000_000_000L;

  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
  private final AtomicLong clock = new AtomicLong(1_000 * SECOND);

  private ProgressReporter reporter(boolean interactive) {
    return new ProgressReporter("train", 100, out, interactive, Duration.ofSeconds(10), clock::get);
  }

  private String output() {
    return bytes.toString(StandardCharsets.UTF_8);
  }

  /** One step per second, 32 examples per step, loss 1.0 then 0.0 alternately. */
  private static void run(ProgressReporter reporter, AtomicLong clock, int steps) {
    for (int s = 1; s <= steps; s++) {
      clock.addAndGet(SECOND);
      reporter.update(s, 32L * s, s % 2 == 1 ? 1.0 : 0.0);
    }
  }

  @Test
  void shouldRedrawOneLineWithCarriageReturnsOnATerminal() {
    ProgressReporter reporter = reporter(true);
    run(reporter, clock, 3);
    String text = output();
    assertEquals(3, text.chars().filter(c -> c == '\r').count(), text);
    assertFalse(text.contains("\n"), text);
    assertTrue(text.endsWith("train [=                             ]   3% 3/100 loss 1.0000 32.0 ex/s ETA 1m37s"),
        text);
    reporter.finish();
    assertTrue(output().endsWith(System.lineSeparator()));
  }

  @Test
  void shouldWritePlainLinesEveryIntervalWhenNotATerminal() {
    ProgressReporter reporter = reporter(false);
    run(reporter, clock, 25);
    String[] lines = output().split(System.lineSeparator());
    assertEquals(2, lines.length, output());
    assertFalse(output().contains("\r"));
    // Line 2 at step 20 after 20 s: mean loss of steps 11..20 is 0.5; 80 steps left at 1 step/s.
    assertEquals("train  20% 20/100 loss 0.5000 32.0 ex/s ETA 1m20s", lines[1]);
  }

  @Test
  void shouldReportTheTotalTimeWhenFinished() {
    ProgressReporter reporter = reporter(false);
    run(reporter, clock, 100);
    reporter.finish();
    String[] lines = output().split(System.lineSeparator());
    assertEquals("train 100% 100/100 loss 0.5000 32.0 ex/s in 1m40s", lines[lines.length - 1]);
  }

  @Test
  void shouldFormatDurations() {
    assertEquals("12s", ProgressReporter.duration(12.2));
    assertEquals("2m05s", ProgressReporter.duration(125));
    assertEquals("1h02m03s", ProgressReporter.duration(3723));
  }
}
