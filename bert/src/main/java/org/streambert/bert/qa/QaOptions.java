package org.streambert.bert.qa;

/**
 * Windowing and decoding settings of span question answering, with run_squad.py's defaults.
 *
 * @param maxSeqLength    tokens per window including [CLS] and two [SEP] ({@code max_seq_length})
 * @param docStride       tokens between the starts of consecutive context windows ({@code doc_stride})
 * @param maxQueryLength  question tokens kept, the rest dropped ({@code max_query_length})
 * @param nBestSize       candidate starts and ends per window, and answers kept ({@code n_best_size})
 * @param maxAnswerLength longest answer in tokens ({@code max_answer_length})
 */
public record QaOptions(int maxSeqLength, int docStride, int maxQueryLength, int nBestSize, int maxAnswerLength) {
  public static final int DEFAULT_MAX_SEQ_LENGTH = 384;
  public static final int DEFAULT_DOC_STRIDE = 128;
  public static final int DEFAULT_MAX_QUERY_LENGTH = 64;
  public static final int DEFAULT_N_BEST_SIZE = 20;
  public static final int DEFAULT_MAX_ANSWER_LENGTH = 30;

  /** run_squad.py's defaults. */
  public static final QaOptions DEFAULTS = new QaOptions(DEFAULT_MAX_SEQ_LENGTH, DEFAULT_DOC_STRIDE,
      DEFAULT_MAX_QUERY_LENGTH, DEFAULT_N_BEST_SIZE, DEFAULT_MAX_ANSWER_LENGTH);

  public QaOptions {
    positive("docStride", docStride);
    positive("maxQueryLength", maxQueryLength);
    positive("nBestSize", nBestSize);
    positive("maxAnswerLength", maxAnswerLength);
    if (maxSeqLength < maxQueryLength + 4) {
      throw new IllegalArgumentException("maxSeqLength (" + maxSeqLength + ") must leave room for maxQueryLength ("
          + maxQueryLength + "), three special tokens and at least one context token");
    }
  }

  /** Copy with another window length. */
  public QaOptions withMaxSeqLength(int length) {
    return new QaOptions(length, docStride, maxQueryLength, nBestSize, maxAnswerLength);
  }

  /** Copy with another stride. */
  public QaOptions withDocStride(int stride) {
    return new QaOptions(maxSeqLength, stride, maxQueryLength, nBestSize, maxAnswerLength);
  }

  /** Copy with another question budget. */
  public QaOptions withMaxQueryLength(int length) {
    return new QaOptions(maxSeqLength, docStride, length, nBestSize, maxAnswerLength);
  }

  private static void positive(String name, int v) {
    if (v < 1) {
      throw new IllegalArgumentException(name + " must be positive, got " + v);
    }
  }
}
