package org.streambert.trainer;

/**
 * Exit codes of the {@code trainer} command line. Scripts (and the streams app's embedded mode, which runs
 * {@code fine-tune --publish} as a child process) branch on them.
 */
public final class ExitCodes {

  /** Success (for {@code publish}: the event was produced). */
  public static final int OK = 0;
  /** Unexpected failure (I/O, Kafka unreachable, TensorFlow error); the message is on standard error. */
  public static final int FAILURE = 1;
  /**
   * Bad input: invalid options, a malformed or unusable dataset (file:line in the message), a missing or invalid
   * bundle or checkpoint.
   */
  public static final int BAD_INPUT = 2;
  /** The promotion gate refused to publish: the candidate's dev metrics are worse than the published version's. */
  public static final int GATE_REFUSED = 3;

  private ExitCodes() {}
}
