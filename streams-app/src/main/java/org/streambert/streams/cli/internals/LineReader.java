package org.streambert.streams.cli.internals;

import java.io.IOException;
import java.io.Reader;

/**
 * Reads lines of at most {@code maxChars} characters, so that one endless line cannot exhaust the heap
 * ({@link java.io.BufferedReader#readLine()} has no bound). Line ends are {@code \n} or {@code \r\n}.
 */
public final class LineReader {

  /** A line longer than the bound. */
  public static final class LineTooLongException extends IOException {
    public LineTooLongException(long line, int maxChars) {
      super("line " + line + " is longer than " + maxChars + " characters");
    }
  }

  private final Reader in;
  private final int maxChars;
  private long lineNumber;

  public LineReader(Reader in, int maxChars) {
    this.in = in;
    this.maxChars = maxChars;
  }

  /** The next line without its line end, or null at the end of input. */
  public String next() throws IOException {
    StringBuilder line = new StringBuilder();
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\n') {
        lineNumber++;
        return stripCr(line);
      }
      if (line.length() >= maxChars) {
        throw new LineTooLongException(lineNumber + 1, maxChars);
      }
      line.append((char) c);
    }
    if (line.length() == 0) {
      return null;
    }
    lineNumber++;
    return stripCr(line);
  }

  /** Number of the line last returned (1-based). */
  public long lineNumber() {
    return lineNumber;
  }

  private static String stripCr(StringBuilder line) {
    int n = line.length();
    return n > 0 && line.charAt(n - 1) == '\r' ? line.substring(0, n - 1) : line.toString();
  }
}
