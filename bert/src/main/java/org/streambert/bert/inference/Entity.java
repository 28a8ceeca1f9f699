package org.streambert.bert.inference;

/**
 * An entity found in a text.
 *
 * @param type  entity type without the IOB2 prefix (e.g. {@code PER}); with {@link AggregationStrategy#NONE} the
 *              token's full tag (e.g. {@code B-PER}), as Hugging Face reports it
 * @param start Unicode code point offset of the first character in the original text, inclusive
 * @param end   code point offset after the last character, exclusive
 * @param text  the original text between {@code start} and {@code end}
 * @param score the aggregated probability, see {@link AggregationStrategy}
 */
public record Entity(String type, int start, int end, String text, float score) {

  public Entity {
    if (type == null || text == null) {
      throw new IllegalArgumentException("entity type and text must not be null");
    }
    if (start < 0 || end < start) {
      throw new IllegalArgumentException("bad entity span [" + start + ", " + end + ")");
    }
  }
}
