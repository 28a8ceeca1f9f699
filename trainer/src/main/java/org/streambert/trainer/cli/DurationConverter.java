package org.streambert.trainer.cli;

import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine;

/** Durations as {@code 500ms}, {@code 90s}, {@code 10m}, {@code 1h}, {@code 30d} or ISO-8601 ({@code PT1H}). */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
  @Override
  public Duration convert(String value) {
    String v = value.strip().toLowerCase(Locale.ROOT);
    try {
      if (v.startsWith("pt") || v.startsWith("p")) {
        return Duration.parse(value.strip());
      }
      if (v.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
      }
      long n = Long.parseLong(v.substring(0, v.length() - 1));
      return switch (v.charAt(v.length() - 1)) {
        case 's' -> Duration.ofSeconds(n);
        case 'm' -> Duration.ofMinutes(n);
        case 'h' -> Duration.ofHours(n);
        case 'd' -> Duration.ofDays(n);
        default -> throw new CommandLine.TypeConversionException("not a duration: " + value);
      };
    } catch (RuntimeException e) {
      throw new CommandLine.TypeConversionException("not a duration (e.g. 90s, 10m, 1h, 30d, PT1H): " + value);
    }
  }
}
