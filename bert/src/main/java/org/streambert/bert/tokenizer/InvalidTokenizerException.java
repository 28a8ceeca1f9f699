package org.streambert.bert.tokenizer;

/**
 * A tokenizer file that is refused: too large, over a bound (entries, merges, token length, nesting), of a model or
 * component this project does not run, inconsistent, or not loadable by the native library. The message names the
 * file and the field.
 */
public class InvalidTokenizerException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  public InvalidTokenizerException(String message) {
    super(message);
  }

  public InvalidTokenizerException(String message, Throwable cause) {
    super(message, cause);
  }
}
