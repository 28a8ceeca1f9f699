package org.streambert.trainer.internals;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Training progress for humans. On a terminal: one line with a bar, steps, loss, examples per second and
 * ETA, redrawn in place with {@code \r} (at most every {@link #REDRAW_INTERVAL}). Otherwise (logs, CI):
 * a plain line every {@code logInterval}. The loss shown is the mean of the losses reported since the
 * previous line, which is less noisy than one batch's loss.
 *
 * <p>Not thread-safe: call it from the training loop only. It does not own the stream.
 */
public final class ProgressReporter {

  /** How often a non-terminal reporter writes a line by default. */
  public static final Duration DEFAULT_LOG_INTERVAL = Duration.ofSeconds(30);
  /** Minimum time between two redraws of the terminal line. */
  public static final Duration REDRAW_INTERVAL = Duration.ofMillis(200);
  /** Width of the bar in characters. */
  public static final int BAR_WIDTH = 30;

  private final String label;
  private final long totalSteps;
  private final PrintStream out;
  private final boolean interactive;
  private final long intervalNanos;
  private final LongSupplier nanoClock;
  private final long startNanos;
  private long lastPrintNanos;
  private int lastLineLength;
  private double lossSum;
  private long lossCount;
  private double lastMeanLoss = Double.NaN;
  private long steps;
  private long examples;
  private boolean finished;

  /**
   * @param label what is running, e.g. {@code "epoch 1/3"}
   * @param totalSteps the number of steps expected, at least 1
   * @param out where to write
   * @param interactive redraw one line ({@code true}) or write periodic lines
   * @param logInterval time between periodic lines (non-interactive)
   * @param nanoClock a monotonic clock in nanoseconds, {@code System::nanoTime} outside tests
   */
  public ProgressReporter(String label, long totalSteps, PrintStream out, boolean interactive,
      Duration logInterval, LongSupplier nanoClock) {
    if (totalSteps < 1) {
      throw new IllegalArgumentException("total steps must be >= 1, got " + totalSteps);
    }
    this.label = label;
    this.totalSteps = totalSteps;
    this.out = out;
    this.interactive = interactive;
    this.intervalNanos = (interactive ? REDRAW_INTERVAL : logInterval).toNanos();
    this.nanoClock = nanoClock;
    this.startNanos = nanoClock.getAsLong();
    this.lastPrintNanos = startNanos;
  }

  /** A reporter on standard error, interactive when the JVM has a console. */
  public static ProgressReporter forConsole(String label, long totalSteps) {
    return new ProgressReporter(label, totalSteps, System.err, System.console() != null, DEFAULT_LOG_INTERVAL,
        System::nanoTime);
  }

  /**
   * Records that training has reached {@code stepsDone} steps and {@code examplesDone} examples, the last
   * step having loss {@code loss}; prints when the interval has passed.
   */
  public void update(long stepsDone, long examplesDone, double loss) {
    steps = stepsDone;
    examples = examplesDone;
    lossSum += loss;
    lossCount++;
    long now = nanoClock.getAsLong();
    if (now - lastPrintNanos >= intervalNanos) {
      print(now, false);
    }
  }

  /** Prints the final state and ends the line. Further calls do nothing. */
  public void finish() {
    if (finished) {
      return;
    }
    finished = true;
    print(nanoClock.getAsLong(), true);
  }

  private void print(long now, boolean last) {
    lastPrintNanos = now;
    if (lossCount > 0) {
      lastMeanLoss = lossSum / lossCount;
      lossSum = 0;
      lossCount = 0;
    }
    String line = line(now);
    if (interactive) {
      StringBuilder redraw = new StringBuilder("\r").append(line);
      for (int i = line.length(); i < lastLineLength; i++) {
        redraw.append(' '); // erase the rest of a longer previous line
      }
      lastLineLength = line.length();
      if (last) {
        redraw.append(System.lineSeparator());
      }
      out.print(redraw);
    } else {
      out.println(line);
    }
    out.flush();
  }

  /** The text of one progress line at time {@code now}. */
  String line(long now) {
    double seconds = (now - startNanos) / 1e9;
    double fraction = Math.min(1.0, (double) steps / totalSteps);
    StringBuilder s = new StringBuilder(label).append(' ');
    if (interactive) {
      int filled = (int) Math.round(fraction * BAR_WIDTH);
      s.append('[').append("=".repeat(filled)).append(" ".repeat(BAR_WIDTH - filled)).append("] ");
    }
    s.append(String.format(Locale.ROOT, "%3.0f%% %d/%d loss %.4f %.1f ex/s", 100 * fraction, steps, totalSteps,
        lastMeanLoss, seconds > 0 ? examples / seconds : 0.0));
    if (steps > 0 && steps < totalSteps) {
      s.append(" ETA ").append(duration(seconds / steps * (totalSteps - steps)));
    } else if (steps >= totalSteps) {
      s.append(" in ").append(duration(seconds));
    }
    return s.toString();
  }

  /** {@code 1h02m03s}, {@code 2m05s} or {@code 12s}. */
  static String duration(double seconds) {
    long total = Math.round(seconds);
    long h = total / 3600;
    long m = total % 3600 / 60;
    long sec = total % 60;
    if (h > 0) {
      return String.format(Locale.ROOT, "%dh%02dm%02ds", h, m, sec);
    }
    return m > 0 ? String.format(Locale.ROOT, "%dm%02ds", m, sec) : sec + "s";
  }
}
