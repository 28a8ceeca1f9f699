package org.streambert.trainer.data;

/**
 * Token tagging schemes accepted by {@link ConllReader}. Everything is normalised to {@link #IOB2},
 * the scheme the trainer and the evaluation use.
 *
 * <ul>
 *   <li>{@link #IOB1}: {@code I-X} may start an entity; {@code B-X} only separates two adjacent entities
 *       of the same type (CoNLL-2003's original files, WikiGold).
 *   <li>{@link #IOB2}: every entity starts with {@code B-X}; {@code I-X} only continues an entity of type X.
 *   <li>{@link #BIOES}: {@code B}egin, {@code I}nside, {@code E}nd, {@code S}ingle, {@code O}utside.
 *   <li>{@link #BILOU}: the same as BIOES with {@code L}ast for E and {@code U}nit for S. Files may mix
 *       the two alphabets; both constants accept both.
 * </ul>
 */
public enum TagScheme {
  IOB1,
  IOB2,
  BIOES,
  BILOU;

  /** Whether this scheme uses the end/single prefixes (E, S, L, U). */
  public boolean hasEndPrefixes() {
    return this == BIOES || this == BILOU;
  }
}
