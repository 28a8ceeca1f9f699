package org.streambert.trainer.data;

/** One text classification example: the text and its label (both non-empty). */
public record ClassificationExample(String text, String label) {

  public ClassificationExample {
    if (text == null || text.isEmpty()) {
      throw new IllegalArgumentException("empty text");
    }
    if (label == null || label.isEmpty()) {
      throw new IllegalArgumentException("empty label");
    }
  }
}
