package org.streambert.bert.model;

/**
 * A weight tensor holds NaN or an infinite value: the model is refused wherever weights cross a boundary (import,
 * export, load), since a model with such weights scores every text NaN or saturates silently. Names the tensor, the
 * first bad index and its value. Message prefix {@value #RULE}.
 */
public final class NonFiniteWeightException extends IllegalArgumentException {

  /** First word of every message: the rule that failed. */
  public static final String RULE = "weights.finite:";

  private final String tensor;
  private final long index;
  private final float value;

  /**
   * @param tensor the tensor's name as the place that checked it knows it (Google checkpoint name, ONNX initializer)
   * @param index  first element (row-major) that is not finite
   * @param value  that element
   */
  public NonFiniteWeightException(String tensor, long index, float value) {
    super(RULE + " tensor " + printable(tensor) + " holds " + value + " at element " + index
        + " (weights must be finite numbers; a diverged or corrupted model is refused)");
    this.tensor = tensor;
    this.index = index;
    this.value = value;
  }

  /** The tensor's name. */
  public String tensor() {
    return tensor;
  }

  /** The first element that is not finite. */
  public long index() {
    return index;
  }

  /** Its value: NaN or ±Infinity. */
  public float value() {
    return value;
  }

  private static String printable(String name) {
    String s = name.length() > 200 ? name.substring(0, 200) + "..." : name;
    return s.replaceAll("[^A-Za-z0-9_./:-]", "?");
  }
}
