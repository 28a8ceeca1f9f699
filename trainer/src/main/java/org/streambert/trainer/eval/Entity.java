package org.streambert.trainer.eval;

/**
 * An entity (conlleval's "chunk") in a tag sequence: its type and the token span {@code [start, end)}.
 */
public record Entity(String type, int start, int end) {

  public Entity {
    if (start < 0 || end <= start) {
      throw new IllegalArgumentException("invalid span [" + start + ", " + end + ")");
    }
  }
}
