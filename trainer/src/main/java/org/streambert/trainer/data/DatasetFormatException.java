package org.streambert.trainer.data;

/**
 * A dataset file that cannot be used: malformed content (with the offending line), or content that is
 * well-formed but unusable for training (empty, a single class). The message always names the file,
 * and the line when there is one, as {@code file:line: what was wrong}.
 */
public final class DatasetFormatException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  /** Marks a problem with the file as a whole rather than with one line. */
  public static final int NO_LINE = 0;

  private final String source;
  private final int line;

  /**
   * @param source the file (or other named source) that was read
   * @param line 1-based line number, or {@link #NO_LINE} for whole-file problems
   * @param problem what was wrong, without the location
   */
  public DatasetFormatException(String source, int line, String problem) {
    super(line == NO_LINE ? source + ": " + problem : source + ":" + line + ": " + problem);
    this.source = source;
    this.line = line;
  }

  public DatasetFormatException(String source, int line, String problem, Throwable cause) {
    this(source, line, problem);
    initCause(cause);
  }

  /** The file (or named source) that was read. */
  public String source() {
    return source;
  }

  /** The 1-based line of the problem, or {@link #NO_LINE}. */
  public int line() {
    return line;
  }
}
