package org.streambert.trainer.eval;

/**
 * A typed span scored for NER metrics (conlleval's "chunk"): its type and {@code [start, end)}, over token indices
 * of a tag sequence or over code points of a text (served evaluation). Not the served entity
 * ({@code org.streambert.bert.inference.Entity}, which carries its text and score): only type and span are compared.
 */
public record TypedSpan(String type, int start, int end) {

  public TypedSpan {
    if (start < 0 || end <= start) {
      throw new IllegalArgumentException("invalid span [" + start + ", " + end + ")");
    }
  }
}
