package org.streambert.bert.model;

/**
 * Which task heads sit on top of the encoder. Both are optional and computed in the same forward pass.
 *
 * @param numClasses     C, classes of the sequence classification head on the pooled output; 0 for none
 * @param multiLabel     whether class probabilities are independent sigmoids (multi-label) instead of a softmax
 * @param numTokenLabels K, labels of the token classification head on the sequence output; 0 for none
 */
public record HeadsSpec(int numClasses, boolean multiLabel, int numTokenLabels) {

  /** Encoder and pooler only. */
  public static final HeadsSpec NONE = new HeadsSpec(0, false, 0);

  public HeadsSpec {
    if (numClasses < 0) {
      throw new IllegalArgumentException("numClasses must be >= 0, got " + numClasses);
    }
    if (numTokenLabels < 0) {
      throw new IllegalArgumentException("numTokenLabels must be >= 0, got " + numTokenLabels);
    }
    if (multiLabel && numClasses == 0) {
      throw new IllegalArgumentException("multiLabel needs a classification head (numClasses > 0)");
    }
  }

  /** A softmax sequence classification head with {@code c} classes. */
  public static HeadsSpec classification(int c) {
    return new HeadsSpec(positive("numClasses", c), false, 0);
  }

  /** A sigmoid (multi-label) sequence classification head with {@code c} labels. */
  public static HeadsSpec multiLabel(int c) {
    return new HeadsSpec(positive("numClasses", c), true, 0);
  }

  /** A token classification head with {@code k} labels. */
  public static HeadsSpec tokenClassification(int k) {
    return new HeadsSpec(0, false, positive("numTokenLabels", k));
  }

  /** This spec plus a token classification head with {@code k} labels. */
  public HeadsSpec withTokenHead(int k) {
    return new HeadsSpec(numClasses, multiLabel, positive("numTokenLabels", k));
  }

  /** Whether there is a sequence classification head. */
  public boolean hasClassHead() {
    return numClasses > 0;
  }

  /** Whether there is a token classification head. */
  public boolean hasTokenHead() {
    return numTokenLabels > 0;
  }

  private static int positive(String name, int v) {
    if (v <= 0) {
      throw new IllegalArgumentException(name + " must be positive, got " + v);
    }
    return v;
  }
}
